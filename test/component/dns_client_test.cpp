// The real UDP transport and Batch against the in-process fake DNS server: what a lookup ends
// as for each kind of server behaviour, and that lookups run in parallel under one deadline.
#include "dns/batch.hpp"
#include "dns/transport.hpp"
#include "fake_dns_server.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <thread>

using namespace dyn;
using namespace std::chrono_literals;
using Kind = test::Script::Kind;

namespace {

dns::ServerAddress server_of(const test::FakeDnsServer& s) { return *dns::ServerAddress::parse(s.address()); }

dns::Answer ask(dns::Querier& q, const std::string& name, std::chrono::milliseconds budget = 500ms,
                dns::RrType type = dns::RrType::A) {
  auto batch = dns::Batch::start(q, {dns::Question{name, type}}, dns::Clock::now() + budget);
  return batch->wait_until(dns::Clock::now() + budget + 1s).at(0);
}

double ms_since(dns::Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(dns::Clock::now() - t).count();
}

}  // namespace

TEST_CASE("an A answer comes back with its records and TTL", "[dns][component]") {
  test::FakeDnsServer server;
  server.script("2.0.0.127.bl.test", dns::RrType::A, test::Script::records({"127.0.0.2", "127.0.0.10"}, 1234));
  dns::Transport t({{server_of(server)}});
  auto a = ask(t, "2.0.0.127.bl.test");
  REQUIRE(a.status == dns::Status::Ok);
  REQUIRE(a.records.size() == 2);
  CHECK(a.records[0].value == "127.0.0.2");
  CHECK(a.records[1].value == "127.0.0.10");
  CHECK(a.records[0].ttl == 1234);
}

TEST_CASE("names are asked case-insensitively and without a trailing dot", "[dns][component]") {
  test::FakeDnsServer server;
  server.script("host.example", dns::RrType::PTR, test::Script::records({"Mail.Example.COM."}));
  dns::Transport t({{server_of(server)}});
  auto a = ask(t, "HOST.Example.", 500ms, dns::RrType::PTR);
  REQUIRE(a.status == dns::Status::Ok);
  CHECK(a.records.at(0).value == "mail.example.com");
}

TEST_CASE("NXDOMAIN and NODATA carry the SOA negative TTL (RFC 2308)", "[dns][component]") {
  test::FakeDnsServer server;
  auto nx = test::Script::of(Kind::NxDomain);
  nx.soa_minimum = 120;
  server.script("nx.bl.test", dns::RrType::A, nx);
  server.script("nodata.bl.test", dns::RrType::A, test::Script::of(Kind::NoData));
  dns::Transport t({{server_of(server)}});
  auto a = ask(t, "nx.bl.test");
  CHECK(a.status == dns::Status::NxDomain);
  CHECK(a.negative_ttl == 120);
  auto b = ask(t, "nodata.bl.test");
  CHECK(b.status == dns::Status::NoData);
  CHECK(b.negative_ttl == 900);
}

TEST_CASE("SERVFAIL and REFUSED are failures, not answers", "[dns][component]") {
  test::FakeDnsServer server;
  server.script("sf.test", dns::RrType::A, test::Script::of(Kind::ServFail));
  server.script("ref.test", dns::RrType::A, test::Script::of(Kind::Refused));
  dns::Transport t({{server_of(server)}});
  CHECK(ask(t, "sf.test").status == dns::Status::ServFail);
  CHECK(ask(t, "ref.test").status == dns::Status::Refused);
}

TEST_CASE("a server that never answers gives Timeout at the deadline, not before", "[dns][component]") {
  test::FakeDnsServer server;
  server.script("slow.test", dns::RrType::A, test::Script::of(Kind::Drop));
  dns::Transport t({{server_of(server)}, 100ms});
  const auto start = dns::Clock::now();
  auto a = ask(t, "slow.test", 300ms);
  const double took = ms_since(start);
  CHECK(a.status == dns::Status::Timeout);
  CHECK(took >= 299);
  CHECK(took < 800);
  CHECK(server.queries("slow.test") >= 2);  // retransmitted within the budget
}

TEST_CASE("a reply with the wrong ID, question or source is ignored (spoofing)", "[dns][component]") {
  test::FakeDnsServer server;
  server.script("id.test", dns::RrType::A, test::Script{Kind::WrongId, {"127.0.0.2"}});
  server.script("q.test", dns::RrType::A, test::Script{Kind::WrongQuestion, {"127.0.0.2"}});
  server.script("junk.test", dns::RrType::A, test::Script::of(Kind::Garbage));
  server.script("spoof.test", dns::RrType::A, test::Script{Kind::WrongSource, {"127.0.0.2"}});
  dns::Transport t({{server_of(server)}, 1000ms});
  CHECK(ask(t, "id.test", 200ms).status == dns::Status::Timeout);
  CHECK(ask(t, "q.test", 200ms).status == dns::Status::Timeout);
  CHECK(ask(t, "junk.test", 200ms).status == dns::Status::Timeout);
  // Right ID and question from the wrong port: the connected socket never even delivers it.
  CHECK(ask(t, "spoof.test", 200ms).status == dns::Status::Timeout);
  CHECK(server.queries("spoof.test") == 1);
  CHECK(t.stats().ignored == 3);
  CHECK(t.stats().answered == 0);
}

TEST_CASE("a truncated reply is asked again over TCP", "[dns][component]") {
  test::FakeDnsServer server;
  std::vector<std::string> many;
  for (int i = 1; i <= 40; ++i) many.push_back("127.0.0." + std::to_string(i));
  server.script("tc.test", dns::RrType::A, test::Script{Kind::Truncated, many});
  dns::Transport t({{server_of(server)}});
  auto a = ask(t, "tc.test");
  REQUIRE(a.status == dns::Status::Ok);
  CHECK(a.records.size() == 40);
  CHECK(server.tcp_queries() == 1);
  CHECK(t.stats().tcp == 1);
}

TEST_CASE("a truncated reply with TCP refused is a failure, not a partial answer", "[dns][component]") {
  test::FakeDnsServer server;
  server.script("tc.test", dns::RrType::A, test::Script{Kind::Truncated, {"127.0.0.2"}});
  server.enable_tcp(false);
  dns::Transport t({{server_of(server)}});
  auto a = ask(t, "tc.test");
  CHECK(a.status == dns::Status::Malformed);
  CHECK(a.detail.find("TCP") != std::string::npos);
}

TEST_CASE("a silent first server fails over to the second within the deadline", "[dns][component]") {
  test::FakeDnsServer dead, alive;
  dead.script("x.bl.test", dns::RrType::A, test::Script::of(Kind::Drop));
  alive.script("x.bl.test", dns::RrType::A, test::Script::records({"127.0.0.2"}));
  dns::Transport t({{server_of(dead), server_of(alive)}, 100ms});
  const auto start = dns::Clock::now();
  auto a = ask(t, "x.bl.test", 1000ms);
  CHECK(a.status == dns::Status::Ok);
  CHECK(ms_since(start) < 500);
  CHECK(dead.queries("x.bl.test") == 1);
  CHECK(alive.queries("x.bl.test") == 1);
}

TEST_CASE("a port with no server behind it fails over at once (ICMP unreachable)", "[dns][component]") {
  test::FakeDnsServer alive;
  alive.script("x.bl.test", dns::RrType::A, test::Script::records({"127.0.0.2"}));
  dns::Transport t({{*dns::ServerAddress::parse("127.0.0.1:9"), server_of(alive)}, 1000ms});
  const auto start = dns::Clock::now();
  CHECK(ask(t, "x.bl.test", 2000ms).status == dns::Status::Ok);
  CHECK(ms_since(start) < 500);  // did not wait for the 1 s retry interval
}

TEST_CASE("six lists that each take 100 ms are answered together in about 100 ms", "[dns][component]") {
  test::FakeDnsServer server;
  std::vector<dns::Question> qs;
  for (int i = 0; i < 6; ++i) {
    const std::string name = "2.0.0.127.list" + std::to_string(i) + ".test";
    server.script(name, dns::RrType::A, test::Script::records({"127.0.0.2"}).after(100ms));
    qs.push_back({name, dns::RrType::A});
  }
  dns::Transport t({{server_of(server)}});
  const auto start = dns::Clock::now();
  auto batch = dns::Batch::start(t, qs, start + 2s);
  auto answers = batch->wait_until(start + 2s);
  const double took = ms_since(start);
  for (const auto& a : answers) CHECK(a.status == dns::Status::Ok);
  CHECK(took >= 99);
  CHECK(took < 400);  // one after another would take 600 ms
}

TEST_CASE("questions asked together share a socket, and each still gets only its own answer", "[dns][component]") {
  test::FakeDnsServer server;
  std::vector<dns::Question> qs;
  for (int i = 0; i < 40; ++i) {
    const std::string name = "2.0.0.127.list" + std::to_string(i) + ".test";
    server.script(name, dns::RrType::A, test::Script::records({"127.0.0." + std::to_string(i + 1)}).after(20ms));
    qs.push_back({name, dns::RrType::A});
  }
  // Among them, replies that must not be taken by any lookup on the shared socket.
  server.script("id.test", dns::RrType::A, test::Script{Kind::WrongId, {"127.0.0.99"}});
  server.script("q.test", dns::RrType::A, test::Script{Kind::WrongQuestion, {"127.0.0.99"}});
  server.script("junk.test", dns::RrType::A, test::Script::of(Kind::Garbage));
  server.script("never.test", dns::RrType::A, test::Script::of(Kind::Drop));
  std::vector<std::string> many;
  for (int i = 1; i <= 40; ++i) many.push_back("127.0.1." + std::to_string(i));
  server.script("tc.test", dns::RrType::A, test::Script{Kind::Truncated, many});
  for (const char* name : {"id.test", "q.test", "junk.test", "never.test", "tc.test"})
    qs.push_back({name, dns::RrType::A});
  dns::Transport t({{server_of(server)}, 5000ms});
  const auto start = dns::Clock::now();
  auto answers = dns::Batch::start(t, qs, start + 400ms)->wait_until(start + 2s);
  REQUIRE(answers.size() == 45);
  for (int i = 0; i < 40; ++i) {
    INFO(qs[i].name);
    REQUIRE(answers[i].status == dns::Status::Ok);
    REQUIRE(answers[i].records.size() == 1);
    CHECK(answers[i].records[0].value == "127.0.0." + std::to_string(i + 1));  // its own, not a neighbour's
  }
  CHECK(answers[40].status == dns::Status::Timeout);
  CHECK(answers[41].status == dns::Status::Timeout);
  CHECK(answers[42].status == dns::Status::Timeout);
  CHECK(answers[43].status == dns::Status::Timeout);
  CHECK(answers[44].status == dns::Status::Ok);  // over TCP
  CHECK(answers[44].records.size() == 40);
  const auto st = t.stats();
  CHECK(st.sent == 45);
  CHECK(st.ignored == 3);
  CHECK(st.sockets >= 3);            // at most 16 questions per socket
  CHECK(st.sockets <= st.sent / 2);  // not one per question
}

TEST_CASE("an unreachable port moves every lookup sharing its socket to the next server", "[dns][component]") {
  test::FakeDnsServer alive;
  std::vector<dns::Question> qs;
  for (int i = 0; i < 6; ++i) {
    const std::string name = "2.0.0.127.list" + std::to_string(i) + ".test";
    alive.script(name, dns::RrType::A, test::Script::records({"127.0.0.2"}));
    qs.push_back({name, dns::RrType::A});
  }
  dns::Transport t({{*dns::ServerAddress::parse("127.0.0.1:9"), server_of(alive)}, 1000ms});
  const auto start = dns::Clock::now();
  auto answers = dns::Batch::start(t, qs, start + 2s)->wait_until(start + 3s);
  for (const auto& a : answers) CHECK(a.status == dns::Status::Ok);
  CHECK(ms_since(start) < 500);  // none waited for the 1 s retry interval
}

TEST_CASE("a batch returns what it has at its deadline, slow answers become Timeout", "[dns][component]") {
  test::FakeDnsServer server;
  server.script("fast.test", dns::RrType::A, test::Script::records({"127.0.0.2"}));
  server.script("slow.test", dns::RrType::A, test::Script::records({"127.0.0.2"}).after(2000ms));
  dns::Transport t({{server_of(server)}});
  const auto start = dns::Clock::now();
  auto batch = dns::Batch::start(t, {{"fast.test", dns::RrType::A}, {"slow.test", dns::RrType::A}}, start + 5s);
  auto answers = batch->wait_until(start + 200ms);
  CHECK(answers[0].status == dns::Status::Ok);
  CHECK(answers[1].status == dns::Status::Timeout);
  CHECK(ms_since(start) < 600);
}

TEST_CASE("a batch takes the answers known now without asking, and its answers are final once its wait ends",
          "[dns][component]") {
  // A querier that knows one answer at once (as a cache does) and holds the other question's
  // callback until the test answers it, late.
  struct Holding final : dns::Querier {
    std::vector<std::string> asked;
    std::vector<Callback> held;
    std::optional<dns::Answer> answer_now(const dns::Question& q) override {
      if (q.name != "known.test") return std::nullopt;
      return dns::Answer{dns::Status::NxDomain, {}, 300, ""};
    }
    void async_query(const dns::Question& q, dns::Deadline, Callback done) override {
      asked.push_back(q.name);
      held.push_back(std::move(done));
    }
  } q;
  const auto start = dns::Clock::now();
  auto known = dns::Batch::start(q, {{"known.test", dns::RrType::A}}, start + 5s);
  CHECK(known->wait_until(start + 5s).at(0).status == dns::Status::NxDomain);
  CHECK(ms_since(start) < 1000);  // nothing to wait for
  CHECK(q.asked.empty());

  auto batch = dns::Batch::start(q, {{"known.test", dns::RrType::A}, {"held.test", dns::RrType::A}}, start + 5s);
  REQUIRE(q.asked == std::vector<std::string>{"held.test"});
  const auto& answers = batch->wait_until(dns::Clock::now() + 100ms);
  CHECK(answers.at(0).status == dns::Status::NxDomain);
  CHECK(answers.at(1).status == dns::Status::Timeout);
  q.held.at(0)(dns::Answer{dns::Status::Ok, {dns::Record{dns::RrType::A, 60, "127.0.0.2"}}, 0, ""});  // too late
  const auto& again = batch->wait_until(start + 5s);
  CHECK(&again == &answers);
  CHECK(again.at(1).status == dns::Status::Timeout);
}

TEST_CASE("stopping the transport completes pending lookups", "[dns][component]") {
  test::FakeDnsServer server;
  server.script("never.test", dns::RrType::A, test::Script::of(Kind::Drop));
  std::shared_ptr<dns::Batch> batch;
  {
    dns::Transport t({{server_of(server)}});
    batch = dns::Batch::start(t, {{"never.test", dns::RrType::A}}, dns::Clock::now() + 10s);
  }
  auto answers = batch->wait_until(dns::Clock::now() + 1s);
  CHECK(answers[0].status == dns::Status::NetworkError);
}
