// The caching, coalescing resolver and the list prober against the fake DNS server: one wire
// query per (name, type) however many connections wait, answers reused from the cache, late
// answers kept, a slow list cut off by the per-list timeout, broken lists found and ignored.
#include "options/options.hpp"
#include "dns/batch.hpp"
#include "dns/resolver.hpp"
#include "dns/transport.hpp"
#include "dnsbl/prober.hpp"
#include "fake_dns_server.hpp"
#include "policy/transaction.hpp"

#include <catch2/catch.hpp>

#include <thread>

using namespace dyn;
using namespace std::chrono_literals;
using Kind = test::Script::Kind;

namespace {
dns::ServerAddress server_of(const test::FakeDnsServer& s) { return *dns::ServerAddress::parse(s.address()); }
double ms_since(dns::Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(dns::Clock::now() - t).count();
}
}  // namespace

TEST_CASE("50 simultaneous askers of one name cause one wire query", "[resolver][component]") {
  test::FakeDnsServer server;
  server.script("9.113.0.203.pbl.test", dns::RrType::A, test::Script::records({"127.0.0.10"}).after(100ms));
  dns::Transport transport({{server_of(server)}});
  dns::CachingResolver resolver(transport, dns::CacheOptions{}, 2000ms);
  std::vector<std::thread> threads;
  std::atomic<int> listed{0};
  for (int i = 0; i < 50; ++i)
    threads.emplace_back([&] {
      auto deadline = dns::Clock::now() + 2s;
      auto a = dns::Batch::start(resolver, {{"9.113.0.203.pbl.test", dns::RrType::A}}, deadline)->wait_until(deadline);
      if (a[0].status == dns::Status::Ok) ++listed;
    });
  for (auto& t : threads) t.join();
  CHECK(listed == 50);
  CHECK(server.queries("9.113.0.203.pbl.test") == 1);
  CHECK(resolver.stats().upstream == 1);
  CHECK(resolver.stats().coalesced + resolver.stats().cache_hits == 49);
}

TEST_CASE("answers known now, several at once: cached ones filled, known ones left alone, the rest unknown",
          "[resolver][component]") {
  struct Upstream final : dns::Querier {  // answers at once: the resolver caches what it says
    void async_query(const dns::Question& q, dns::Deadline, Callback done) override {
      done(dns::Answer{dns::Status::Ok,
                       {dns::Record{dns::RrType::A, 300, q.name == "a.test" ? "192.0.2.1" : "192.0.2.2"}},
                       0,
                       "",
                       true,
                       {}});
    }
  } upstream;
  dns::CachingResolver resolver(upstream, dns::CacheOptions{}, 1000ms);
  for (const char* name : {"a.test", "b.test"})
    resolver.async_query({name, dns::RrType::A}, dns::Clock::now() + 1s, [](dns::Answer) {});
  const std::vector<dns::Question> questions{
      {"a.test", dns::RrType::A}, {"B.Test.", dns::RrType::A}, {"c.test", dns::RrType::A}, {"b.test", dns::RrType::A}};
  std::vector<dns::Answer> answers(questions.size());
  std::vector<std::uint8_t> known{0, 0, 0, 1};
  answers[3] = dns::Answer::failure(dns::Status::Timeout, "known before");
  resolver.answer_known(questions, answers, known);
  CHECK(known == std::vector<std::uint8_t>{1, 1, 0, 1});
  CHECK(answers[0].records.at(0).value == "192.0.2.1");
  CHECK(answers[1].records.at(0).value == "192.0.2.2");  // another spelling of b.test
  CHECK(answers[3].detail == "known before");            // not overwritten
  CHECK(resolver.stats().cache_hits == 2);
}

TEST_CASE("a second connection is answered from the cache", "[resolver][component]") {
  test::FakeDnsServer server;
  server.script("1.2.0.192.pbl.test", dns::RrType::A, test::Script::records({"127.0.0.11"}).after(50ms));
  dns::Transport transport({{server_of(server)}});
  dns::CachingResolver resolver(transport, dns::CacheOptions{}, 2000ms);
  auto ask = [&] {
    auto d = dns::Clock::now() + 1s;
    return dns::Batch::start(resolver, {{"1.2.0.192.pbl.test", dns::RrType::A}}, d)->wait_until(d).at(0);
  };
  CHECK(ask().status == dns::Status::Ok);
  const auto start = dns::Clock::now();
  CHECK(ask().status == dns::Status::Ok);
  CHECK(ms_since(start) < 20);  // no 50 ms server delay
  CHECK(server.queries("1.2.0.192.pbl.test") == 1);
  CHECK(resolver.stats().cache_hits == 1);
}

TEST_CASE("an answer that arrives after its waiter gave up still fills the cache", "[resolver][component]") {
  test::FakeDnsServer server;
  server.script("late.pbl.test", dns::RrType::A, test::Script::records({"127.0.0.10"}).after(300ms));
  dns::Transport transport({{server_of(server)}});
  dns::CachingResolver resolver(transport, dns::CacheOptions{}, 2000ms);
  auto d = dns::Clock::now() + 100ms;
  auto first = dns::Batch::start(resolver, {{"late.pbl.test", dns::RrType::A}}, d)->wait_until(d);
  CHECK(first[0].status == dns::Status::Timeout);
  std::this_thread::sleep_for(400ms);
  d = dns::Clock::now() + 100ms;
  auto second = dns::Batch::start(resolver, {{"late.pbl.test", dns::RrType::A}}, d)->wait_until(d);
  CHECK(second[0].status == dns::Status::Ok);
  CHECK(server.queries("late.pbl.test") == 1);
}

TEST_CASE("a dead list is not asked again for every connection", "[resolver][component]") {
  test::FakeDnsServer server;
  server.script("dead.test", dns::RrType::A, test::Script::of(Kind::ServFail));
  dns::Transport transport({{server_of(server)}});
  auto now = dns::Clock::now();
  dns::CachingResolver resolver(transport, dns::CacheOptions{}, 1000ms, [&] { return now; });
  auto ask = [&] {
    auto d = dns::Clock::now() + 500ms;
    return dns::Batch::start(resolver, {{"dead.test", dns::RrType::A}}, d)->wait_until(d).at(0);
  };
  for (int i = 0; i < 5; ++i) CHECK(ask().status == dns::Status::ServFail);
  CHECK(server.queries("dead.test") == 1);
  now += 6s;  // past the 5 s error lifetime
  CHECK(ask().status == dns::Status::ServFail);
  CHECK(server.queries("dead.test") == 2);
}

TEST_CASE("a per-list timeout (dnsbl-timeout) stops a black-holed list holding up the verdict",
          "[resolver][component]") {
  test::FakeDnsServer server;
  server.script("7.113.0.203.good.test", dns::RrType::A, test::Script::records({"127.0.0.2"}).after(20ms));
  server.script("7.113.0.203.hole.test", dns::RrType::A, test::Script::of(Kind::Drop));
  dns::Transport transport({{server_of(server)}});
  dns::CachingResolver resolver(transport, dns::CacheOptions{}, 3000ms);
  auto c = config::default_config();
  c.dnsbls = {*dnsbl::ZoneSpec::parse("good.test", nullptr), *dnsbl::ZoneSpec::parse("hole.test", nullptr)};
  c.dns_timeout = util::Duration{3000ms};
  c.dnsbl_timeout = util::Duration{200ms};
  c.threshold = 1;
  const auto start = dns::Clock::now();
  policy::Transaction txn(
      std::make_shared<const config::Config>(c),
      {net::IpAddress::parse("203.0.113.7"), "h.example.net", {rdns::RdnsStatus::Ok, "h.example.net"}}, resolver);
  const auto& v = txn.verdict();
  const double took = ms_since(start);
  CHECK(v.action == policy::Action::Reject);  // the good list decided
  CHECK(v.lists[1].outcome.listing == dnsbl::Listing::Unknown);
  CHECK(took >= 199);
  CHECK(took < 600);
}

TEST_CASE("the prober marks lists healthy or broken by the RFC 5782 test points", "[health][component]") {
  test::FakeDnsServer server;
  // healthy.test: lists 127.0.0.2 only. all.test: lists everything. err.test: error code.
  // silent.test: lists nothing. dead.test: SERVFAIL (no verdict).
  server.script("2.0.0.127.healthy.test", dns::RrType::A, test::Script::records({"127.0.0.2"}));
  server.script("2.0.0.127.all.test", dns::RrType::A, test::Script::records({"127.0.0.2"}));
  server.script("1.0.0.127.all.test", dns::RrType::A, test::Script::records({"127.0.0.2"}));
  server.script("2.0.0.127.err.test", dns::RrType::A, test::Script::records({"127.255.255.254"}));
  server.script("1.0.0.127.err.test", dns::RrType::A, test::Script::records({"127.255.255.254"}));
  server.script("2.0.0.127.dead.test", dns::RrType::A, test::Script::of(Kind::ServFail));
  server.script("1.0.0.127.dead.test", dns::RrType::A, test::Script::of(Kind::ServFail));
  dns::Transport transport({{server_of(server)}});
  dnsbl::HealthBoard board;
  std::vector<dnsbl::ZoneSpec> zones;
  for (const char* z : {"healthy.test", "all.test", "err.test", "silent.test", "dead.test"})
    zones.push_back(*dnsbl::ZoneSpec::parse(z, nullptr));
  dnsbl::Prober prober(transport, board, zones, 1000ms);
  auto h = prober.probe_once();
  CHECK(h["healthy.test"].state == dnsbl::Health::Healthy);
  CHECK(h["healthy.test"].reason.empty());
  CHECK(h["all.test"].state == dnsbl::Health::Broken);
  CHECK(h["all.test"].reason.find("lists 127.0.0.1") != std::string::npos);
  CHECK(h["err.test"].state == dnsbl::Health::Broken);
  CHECK(h["silent.test"].state == dnsbl::Health::Degraded);
  CHECK(h["silent.test"].reason.find("does not list the test point") != std::string::npos);
  CHECK(h["dead.test"].state == dnsbl::Health::Unprobed);  // no verdict from failed probes: counts for nothing

  SECTION("a broken list never rejects, and is used again once healthy") {
    auto c = config::default_config();
    c.dnsbls = {*dnsbl::ZoneSpec::parse("all.test", nullptr)};
    c.threshold = 1;
    server.script("7.113.0.203.all.test", dns::RrType::A, test::Script::records({"127.0.0.2"}));
    auto cfg = std::make_shared<const config::Config>(c);
    policy::Transaction broken(
        cfg, {net::IpAddress::parse("203.0.113.7"), "h.example.net", {rdns::RdnsStatus::Ok, "h.example.net"}},
        transport, &board);
    CHECK(broken.verdict().action == policy::Action::Accept);
    CHECK(broken.verdict().lists[0].outcome.reason.find("list marked broken") != std::string::npos);

    server.script("1.0.0.127.all.test", dns::RrType::A, test::Script::of(Kind::NxDomain));  // repaired
    prober.probe_once();
    policy::Transaction healed(
        cfg, {net::IpAddress::parse("203.0.113.7"), "h.example.net", {rdns::RdnsStatus::Ok, "h.example.net"}},
        transport, &board);
    CHECK(healed.verdict().action == policy::Action::Reject);
  }
}

TEST_CASE("a list that lists everything but 127.0.0.1 is caught by a reserved address drawn per probe",
          "[health][component]") {
  // A wildcarded list domain (re-registered after it expired) or a corrupted mirror: every name
  // is listed, and only the one test point the old probe asked is not.
  test::FakeDnsServer server;
  server.set_fallback(test::Script::records({"127.0.0.10"}));
  server.script("1.0.0.127.wild.test", dns::RrType::A, test::Script::of(Kind::NxDomain));
  dns::Transport transport({{server_of(server)}});
  dnsbl::HealthBoard board;
  dnsbl::Prober prober(transport, board, {*dnsbl::ZoneSpec::parse("wild.test", nullptr)}, 1000ms);
  const auto h = prober.probe_once();
  REQUIRE(h.count("wild.test"));
  CHECK(h.at("wild.test").state == dnsbl::Health::Broken);
  CHECK(h.at("wild.test").reason.find("reserved space no list can list") != std::string::npos);
  // The address is new each probe, inside 240.0.0.0/4.
  const auto a = dnsbl::reserved_probe_address(), b = dnsbl::reserved_probe_address();
  CHECK(a != b);
  CHECK(net::Cidr::parse("240.0.0.0/4")->contains(a));
  // A failed lookup of it is no verdict against a list that passes the test points.
  const dns::Answer listed{dns::Status::Ok, {dns::Record{dns::RrType::A, 60, "127.0.0.2"}}, 0, ""};
  const dns::Answer nx = dns::Answer::failure(dns::Status::NxDomain, "");
  CHECK(dnsbl::judge_probe(listed, nx, dns::Answer::failure(dns::Status::ServFail, "x"), "240.1.2.3")->state ==
        dnsbl::Health::Healthy);
  CHECK(dnsbl::judge_probe(listed, nx, listed, "240.1.2.3")->state == dnsbl::Health::Broken);
}
