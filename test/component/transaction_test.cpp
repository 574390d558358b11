// Transaction = plan + parallel lookups + decide, against the fake DNS server: the verdicts an
// SMTP client would get, including the ones that must never reject (list errors, dead DNS).
#include "options/options.hpp"
#include "dns/transport.hpp"
#include "fake_dns_server.hpp"
#include "dnsbl/prober.hpp"
#include "policy/transaction.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>

using namespace dyn;
using namespace std::chrono_literals;
using Kind = test::Script::Kind;

namespace {
std::shared_ptr<const config::Config> config_with(std::vector<std::string> lists, int threshold,
                                                  config::DnsErrorAction on_error = config::DnsErrorAction::Accept) {
  auto c = config::default_config();
  c.dnsbls.clear();
  for (const auto& l : lists) c.dnsbls.push_back(*dnsbl::ZoneSpec::parse(l, nullptr));
  c.threshold = threshold;
  c.on_dns_error = on_error;
  c.dns_timeout = util::Duration{300ms};
  return std::make_shared<const config::Config>(c);
}
// A neutral name the MTA verified: these tests are about the lists, so no reverse-DNS signal may
// add to the score (our own PTR lookup, answered NXDOMAIN by the fake server, only looks for a TTL).
policy::ClientFacts client(const char* ip) {
  return {net::IpAddress::parse(ip), "h.example.net", {rdns::RdnsStatus::Ok, "h.example.net"}};
}
}  // namespace

TEST_CASE("a client listed with a PBL code is rejected with the smarthost text", "[policy][component]") {
  test::FakeDnsServer server;
  server.script("7.113.0.203.pbl.test", dns::RrType::A, test::Script::records({"127.0.0.11"}));
  dns::Transport t({{*dns::ServerAddress::parse(server.address())}});
  auto facts = client("203.0.113.7");
  facts.id = policy::new_incident_id();
  policy::Transaction txn(config_with({"pbl.test=127.0.0.[10..11]"}, 1), facts, t);
  const auto& v = txn.verdict();
  REQUIRE(v.action == policy::Action::Reject);
  REQUIRE(v.reply);
  CHECK(v.reply->code == "550");
  CHECK(v.reply->xcode == "5.7.1");
  CHECK(v.reply->text ==
        "Your IP address 203.0.113.7 appears to be dynamically assigned (listed in pbl.test). "
        "Please smarthost your mail through your ISP's mail server. Mail to postmaster reaches a person; "
        "quote reference " +
            facts.id + ".");
}

TEST_CASE("an unlisted client, a list error code and a dead list all pass", "[policy][component]") {
  test::FakeDnsServer server;
  server.script("1.2.0.192.err.test", dns::RrType::A, test::Script::records({"127.255.255.254"}));
  server.script("1.2.0.192.dead.test", dns::RrType::A, test::Script::of(Kind::Drop));
  dns::Transport t({{*dns::ServerAddress::parse(server.address())}});
  policy::Transaction txn(config_with({"clean.test", "err.test", "dead.test"}, 1), client("192.0.2.1"), t);
  const auto& v = txn.verdict();
  CHECK(v.action == policy::Action::Accept);
  REQUIRE(v.lists.size() == 3);
  CHECK(v.lists[0].outcome.listing == dnsbl::Listing::NotListed);
  CHECK(v.lists[1].outcome.listing == dnsbl::Listing::Unknown);
  CHECK(v.lists[2].outcome.listing == dnsbl::Listing::Unknown);
  CHECK(txn.elapsed_ms() < 1000);
}

TEST_CASE("on-dns-error tempfail defers when a failed list could have decided", "[policy][component]") {
  test::FakeDnsServer server;
  server.script("1.2.0.192.dead.test", dns::RrType::A, test::Script::of(Kind::ServFail));
  dns::Transport t({{*dns::ServerAddress::parse(server.address())}});
  policy::Transaction txn(config_with({"dead.test"}, 1, config::DnsErrorAction::Tempfail), client("192.0.2.1"), t);
  const auto& v = txn.verdict();
  CHECK(v.action == policy::Action::Tempfail);
  REQUIRE(v.reply);
  CHECK(v.reply->code == "451");
}

TEST_CASE("lookups start at construction, so the verdict costs only what is left", "[policy][component]") {
  test::FakeDnsServer server;
  server.script("1.2.0.192.slow.test", dns::RrType::A, test::Script::records({"127.0.0.2"}).after(150ms));
  dns::Transport t({{*dns::ServerAddress::parse(server.address())}});
  auto c = config::default_config();
  c.dnsbls = {*dnsbl::ZoneSpec::parse("slow.test*3", nullptr)};
  c.dns_timeout = util::Duration{2000ms};
  policy::Transaction txn(std::make_shared<const config::Config>(c), client("192.0.2.1"), t);
  std::this_thread::sleep_for(200ms);  // HELO, MAIL: the lookup finishes meanwhile
  const auto before = dns::Clock::now();
  CHECK(txn.verdict().action == policy::Action::Reject);
  CHECK(std::chrono::duration<double, std::milli>(dns::Clock::now() - before).count() < 20);
}

TEST_CASE("a HELO name is looked up when HELO arrives, within the connection's deadline", "[policy][component]") {
  test::FakeDnsServer server;  // unscripted names answer NXDOMAIN
  server.script("mx.sender.example", dns::RrType::A, test::Script::records({"192.0.2.1"}));
  dns::Transport t({{*dns::ServerAddress::parse(server.address())}});
  auto cfg = config_with({"clean.test"}, 3);
  policy::Transaction bad(cfg, client("192.0.2.1"), t);
  bad.helo("bot.nowhere.example", t);
  bool found = false;
  for (const auto& s : bad.verdict().signals) found = found || s.name == "helo-unresolvable";
  CHECK(found);
  CHECK(server.queries("bot.nowhere.example", dns::RrType::AAAA) == 1);

  policy::Transaction good(cfg, client("192.0.2.1"), t);
  good.helo("mx.sender.example", t);
  CHECK(good.verdict().score == 0);
  for (const auto& s : good.verdict().signals) CHECK(s.weight == 0);  // notes only (its neighbours have no PTR)
}

TEST_CASE("without the MTA's macros, dynmilter looks up PTR and forward records itself", "[policy][component]") {
  test::FakeDnsServer server;
  server.script("7.113.0.203.in-addr.arpa", dns::RrType::PTR,
                test::Script::records({"dsl-203-0-113-7.pool.isp.example."}, 600));
  server.script("dsl-203-0-113-7.pool.isp.example", dns::RrType::A, test::Script::records({"203.0.113.7"}));
  server.script("8.113.0.203.in-addr.arpa", dns::RrType::PTR, test::Script::records({"mail.isp.example."}, 86400));
  server.script("mail.isp.example", dns::RrType::A, test::Script::records({"198.51.100.1"}));  // does not map back
  server.script("9.113.0.203.in-addr.arpa", dns::RrType::PTR, test::Script::of(Kind::ServFail));
  dns::Transport t({{*dns::ServerAddress::parse(server.address())}});
  auto cfg = config_with({"clean.test"}, 3);
  auto names = [](const policy::Verdict& v) {  // the signals that count (not weight-0 notes)
    std::string out;
    for (const auto& s : v.signals)
      if (s.weight != 0) out += s.name + " ";
    return out;
  };

  policy::Transaction dyn_client(cfg, {net::IpAddress::parse("203.0.113.7"), "[203.0.113.7]", {}}, t);
  CHECK(dyn_client.facts().rdns.status == rdns::RdnsStatus::Unknown);
  const auto& v1 = dyn_client.verdict();
  CHECK(dyn_client.facts().rdns.status == rdns::RdnsStatus::Ok);
  // The name settled before the sources planned: the DUHL source asked its address too.
  CHECK(names(v1) == "ip-in-name dynamic-word ptr-ttl-short a-ttl-short ");
  CHECK(v1.action == policy::Action::Reject);

  policy::Transaction forged(cfg, {net::IpAddress::parse("203.0.113.8"), "[203.0.113.8]", {}}, t);
  CHECK(names(forged.verdict()) == "forged ");  // a mail-server name, but it does not map back
  CHECK(forged.facts().rdns.status == rdns::RdnsStatus::Forged);

  policy::Transaction no_ptr(cfg, {net::IpAddress::parse("203.0.113.10"), "[203.0.113.10]", {}}, t);
  CHECK(names(no_ptr.verdict()) == "no-ptr ");  // unscripted: NXDOMAIN

  // A failed PTR lookup says nothing; the MTA's CONNECT name is judged instead.
  policy::Transaction failed(cfg, {net::IpAddress::parse("203.0.113.9"), "mx.sender.example", {}}, t);
  CHECK(names(failed.verdict()).empty());
  CHECK(failed.facts().rdns.status == rdns::RdnsStatus::Unknown);
}

TEST_CASE("neighbours: asked only when the name says little, a pool counts, anything else never does",
          "[policy][component][neighbours]") {
  test::FakeDnsServer server;
  // A pool block around 203.0.113.7, a hosting block around 198.51.100.7, no PTRs around
  // 192.0.2.7, and a server that never answers for 100.64.0.7's neighbours.
  server.script("6.113.0.203.in-addr.arpa", dns::RrType::PTR, test::Script::records({"dsl-203-0-113-6.isp.example."}));
  server.script("8.113.0.203.in-addr.arpa", dns::RrType::PTR, test::Script::records({"dsl-203-0-113-8.isp.example."}));
  server.script("6.100.51.198.in-addr.arpa", dns::RrType::PTR, test::Script::records({"web6.hoster.example."}));
  server.script("8.100.51.198.in-addr.arpa", dns::RrType::PTR, test::Script::records({"web8.hoster.example."}));
  server.script("6.0.64.100.in-addr.arpa", dns::RrType::PTR, test::Script::of(Kind::Drop));
  server.script("8.0.64.100.in-addr.arpa", dns::RrType::PTR, test::Script::of(Kind::Drop));
  dns::Transport t({{*dns::ServerAddress::parse(server.address())}});
  auto cfg = config_with({}, 3);
  auto verified = [](const char* ip, const char* name) {
    return policy::ClientFacts{net::IpAddress::parse(ip), name, {rdns::RdnsStatus::Ok, name}};
  };
  auto signal = [](const policy::Verdict& v) -> const rdns::Signal* {
    for (const auto& s : v.signals)
      if (s.name == "neighbours-pooled") return &s;
    return nullptr;
  };

  policy::Transaction pool(cfg, verified("203.0.113.7", "host7.isp.example"), t);
  const auto* s = signal(pool.verdict());
  REQUIRE(s != nullptr);
  CHECK(s->weight == 1);
  CHECK(s->reason.find("dsl-203-0-113-6.isp.example") != std::string::npos);
  CHECK(server.queries("6.113.0.203.in-addr.arpa", dns::RrType::PTR) == 1);

  policy::Transaction hosting(cfg, verified("198.51.100.7", "host7.hoster.example"), t);
  REQUIRE(signal(hosting.verdict()) != nullptr);
  CHECK(signal(hosting.verdict())->weight == 0);  // shown, never counted
  CHECK(signal(hosting.verdict())->reason.find("does not carry its own address") != std::string::npos);

  policy::Transaction bare(cfg, verified("192.0.2.7", "host7.example.net"), t);
  REQUIRE(signal(bare.verdict()) != nullptr);
  CHECK(signal(bare.verdict())->weight == 0);  // NXDOMAIN: "has no name"

  policy::Transaction silent(cfg, verified("100.64.0.7", "host7.isp.example"), t);
  REQUIRE(signal(silent.verdict()) != nullptr);
  CHECK(signal(silent.verdict())->weight == 0);  // timeouts say nothing
  CHECK(silent.verdict().action == policy::Action::Accept);
  CHECK(silent.waited_ms() < 400);  // within the connection's one deadline (300 ms)

  // A name that decides by itself, or a server's name: no neighbour is asked.
  const auto before = server.total_queries();
  policy::Transaction server_named(cfg, verified("203.0.113.50", "mail.isp.example"), t);
  server_named.verdict();
  policy::Transaction pool_named(cfg, verified("203.0.113.60", "dsl-203-0-113-60.isp.example"), t);
  pool_named.verdict();
  CHECK(server.queries("49.113.0.203.in-addr.arpa", dns::RrType::PTR) == 0);
  CHECK(server.queries("59.113.0.203.in-addr.arpa", dns::RrType::PTR) == 0);
  // Only each client's own PTR (for its TTL), and the DUHL source's A and MX of its name.
  CHECK(server.total_queries() - before == 6);
}

TEST_CASE("a question HELO shares with CONNECT, or two HELO sources share, is asked once", "[policy][component]") {
  test::FakeDnsServer server;
  // The HELO name is the verified name (as for most real servers): the DUHL source asked its
  // address and its domain's MX at CONNECT; the HELO source and the DUHL source ask them again.
  // (Names not scripted answer NXDOMAIN.)
  // Another client says HELO with a name other than its verified one: the HELO and DUHL sources
  // both want that name's address.
  server.script("mx.sender2.example", dns::RrType::A, test::Script::records({"192.0.2.26"}, 86400));
  server.script("sender2.example", dns::RrType::MX, test::Script::records({"10 mx.sender2.example."}, 86400));
  dns::Transport t({{*dns::ServerAddress::parse(server.address())}});
  auto cfg = config_with({}, 99);
  auto has = [](const policy::Verdict& v, std::string_view name) {
    return std::any_of(v.signals.begin(), v.signals.end(), [&](const auto& s) { return s.name == name; });
  };

  policy::Transaction same(
      cfg, {net::IpAddress::parse("192.0.2.25"), "gone.sender.example", {rdns::RdnsStatus::Ok, "gone.sender.example"}},
      t);
  same.helo("gone.sender.example", t);
  CHECK(has(same.verdict(), "helo-unresolvable"));  // the answers CONNECT got, where HELO's questions need them
  CHECK(server.queries("gone.sender.example", dns::RrType::A) == 1);
  CHECK(server.queries("gone.sender.example", dns::RrType::AAAA) == 1);
  CHECK(server.queries("sender.example", dns::RrType::MX) == 1);

  policy::Transaction other(
      cfg, {net::IpAddress::parse("192.0.2.26"), "host.other.example", {rdns::RdnsStatus::Ok, "host.other.example"}},
      t);
  other.helo("mx.sender2.example", t);
  const auto& v = other.verdict();
  CHECK(has(v, "mx-confirmed"));  // by the HELO name: an MX of its domain, with the client's address
  CHECK_FALSE(has(v, "helo-unresolvable"));
  CHECK(server.queries("mx.sender2.example", dns::RrType::A) == 1);
  CHECK(server.queries("sender2.example", dns::RrType::MX) == 1);
}

TEST_CASE("the MTA's unknown is a hint: no-ptr and forged rest on dynmilter's own answers", "[policy][component]") {
  test::FakeDnsServer server;
  // 198.51.100.5 has a PTR that confirms (the MTA's own lookup failed for now); .6 has none;
  // .7's PTR lookup fails here too; .8's PTR does not confirm.
  server.script("5.100.51.198.in-addr.arpa", dns::RrType::PTR, test::Script::records({"mx1.good.test."}, 86400));
  server.script("mx1.good.test", dns::RrType::A, test::Script::records({"198.51.100.5"}, 86400));
  server.script("7.100.51.198.in-addr.arpa", dns::RrType::PTR, test::Script::of(Kind::ServFail));
  server.script("8.100.51.198.in-addr.arpa", dns::RrType::PTR, test::Script::records({"mx8.good.test."}, 86400));
  server.script("mx8.good.test", dns::RrType::A, test::Script::records({"192.0.2.8"}, 86400));
  dns::Transport t({{*dns::ServerAddress::parse(server.address())}});
  auto cfg = config_with({"clean.test"}, 3);
  // What Postfix sends for a missing PTR and for a temporary failure alike.
  auto postfix_unknown = [](const char* ip) {
    rdns::RdnsMacros m{"unknown", "unknown", std::nullopt, "unknown"};
    return policy::ClientFacts{net::IpAddress::parse(ip), "unknown", rdns::from_macros(m)};
  };
  auto has = [](const policy::Verdict& v, std::string_view name) {
    return std::any_of(v.signals.begin(), v.signals.end(),
                       [&](const auto& s) { return s.name == name && s.weight > 0; });
  };

  policy::Transaction has_ptr(cfg, postfix_unknown("198.51.100.5"), t);
  CHECK(has_ptr.mta_rdns().status == rdns::RdnsStatus::NoPtr);  // what the MTA's macros alone would say
  const auto& v = has_ptr.verdict();
  CHECK(has_ptr.facts().rdns.status == rdns::RdnsStatus::Ok);
  CHECK(has_ptr.facts().rdns.name == "mx1.good.test");
  CHECK_FALSE(has(v, "no-ptr"));
  CHECK(v.action == policy::Action::Accept);

  policy::Transaction none(cfg, postfix_unknown("198.51.100.6"), t);
  CHECK(has(none.verdict(), "no-ptr"));  // our own NXDOMAIN

  policy::Transaction failing(cfg, postfix_unknown("198.51.100.7"), t);
  CHECK(failing.verdict().signals.empty());  // neither we nor the MTA know: nothing counts
  CHECK(failing.verdict().action == policy::Action::Accept);

  // Sendmail's FORGED or FAIL is not taken on its word either: here our lookup confirms.
  rdns::RdnsMacros sendmail{"[198.51.100.5]", "mx1.good.test", std::string("FORGED"), "[198.51.100.5]"};
  policy::Transaction forged_by_mta(
      cfg, {net::IpAddress::parse("198.51.100.5"), "[198.51.100.5]", rdns::from_macros(sendmail)}, t);
  CHECK_FALSE(has(forged_by_mta.verdict(), "forged"));
  policy::Transaction forged(cfg, postfix_unknown("198.51.100.8"), t);
  CHECK(has(forged.verdict(), "forged"));
}

TEST_CASE("with the PTR TTL and MX signals off, no PTR is asked and no list's TTL is taken for it",
          "[policy][component]") {
  test::FakeDnsServer server;
  server.script("7.113.0.203.pbl.test", dns::RrType::A, test::Script::records({"127.0.0.10"}, 60));
  dns::Transport t({{*dns::ServerAddress::parse(server.address())}});
  auto c = *config_with({"pbl.test=127.0.0.[10..11]*3"}, 3);
  for (const char* off : {"ptr-ttl-short=0", "mx-confirmed=0"})
    c.rdns_weights.push_back(*policy::parse_weight_setting(off, nullptr));
  policy::Transaction txn(std::make_shared<const config::Config>(c), client("203.0.113.7"), t);
  CHECK(txn.verdict().action == policy::Action::Reject);
  CHECK_FALSE(txn.facts().ptr_ttl);  // the list's answer (TTL 60) is not the PTR's
  CHECK(server.queries("7.113.0.203.in-addr.arpa", dns::RrType::PTR) == 0);
}

namespace {
// 192.0.2.1..40: good.example mail servers, each with a PTR that maps back; the root's NS set.
void sane_world(test::FakeDnsServer& s) {
  s.script("", dns::RrType::NS, test::Script::records({"a.root-servers.net."}, 86400));
  for (int i = 1; i <= 40; ++i) {
    const auto n = std::to_string(i);
    s.script(n + ".2.0.192.in-addr.arpa", dns::RrType::PTR,
             test::Script::records({"mx" + n + ".good.example."}, 86400));
    s.script("mx" + n + ".good.example", dns::RrType::A, test::Script::records({"192.0.2." + n}, 86400));
  }
}
// The same server turned liar: NXDOMAIN for everything, the root included.
void lying_world(test::FakeDnsServer& s) {
  s.script("", dns::RrType::NS, test::Script::of(Kind::NxDomain));
  for (int i = 1; i <= 40; ++i)
    s.script(std::to_string(i) + ".2.0.192.in-addr.arpa", dns::RrType::PTR, test::Script::of(Kind::NxDomain));
}
policy::ClientFacts unverified(const std::string& ip) { return {net::IpAddress::parse(ip), "unknown", {}}; }
}  // namespace

TEST_CASE("a resolver that turns into a liar mid-run costs at most two refusals, none at a slow pace",
          "[policy][component][freshness]") {
  test::FakeDnsServer server;
  sane_world(server);
  dns::Transport t({{*dns::ServerAddress::parse(server.address())}});
  dnsbl::HealthBoard board;
  dnsbl::Prober prober(t, board, {}, 1000ms, /*check_resolver=*/true);  // sets the board's checker
  prober.probe_once();
  REQUIRE(board.resolver().sane);
  const auto cfg = config_with({}, 3);  // no-ptr (+3, primary) alone refuses
  auto refused = [&](const policy::Verdict& v) { return v.action == policy::Action::Reject; };

  for (int i = 1; i <= 5; ++i) {  // a sane resolver: every good client passes
    policy::Transaction txn(cfg, unverified("192.0.2." + std::to_string(i)), t, &board);
    CHECK_FALSE(refused(txn.verdict()));
  }

  SECTION("one client at a time, slower than the freshness window: none refused") {
    lying_world(server);
    for (int i = 6; i <= 10; ++i) {
      std::this_thread::sleep_for(dnsbl::HealthBoard::kFreshFor + 50ms);
      policy::Transaction txn(cfg, unverified("192.0.2." + std::to_string(i)), t, &board);
      CHECK_FALSE(refused(txn.verdict()));
      CHECK(txn.facts().rdns.status == rdns::RdnsStatus::TempFail);
    }
    CHECK_FALSE(board.resolver().sane);  // found by the first client's check, not by a probe
  }

  SECTION("thirty clients at once, right after a check found the resolver sane: at most two refused") {
    // A wave of clients without PTR while the resolver is sane: each check passes, no-ptr counts.
    for (int i = 0; i < 3; ++i) {
      policy::Transaction txn(cfg, unverified("198.51.100." + std::to_string(i + 1)), t, &board);
      CHECK(refused(txn.verdict()));
    }
    lying_world(server);  // the checks above are fresh: the worst moment to begin lying
    std::vector<std::unique_ptr<policy::Transaction>> wave;
    for (int i = 11; i <= 40; ++i)
      wave.push_back(std::make_unique<policy::Transaction>(cfg, unverified("192.0.2." + std::to_string(i)), t, &board));
    int n = 0;
    for (auto& txn : wave) n += refused(txn->verdict()) ? 1 : 0;
    CHECK(n <= dnsbl::HealthBoard::kNegativesPerCheck);
    CHECK_FALSE(board.resolver().sane);
  }
}

TEST_CASE("a real wave of clients without PTR is refused, with one freshness check per few clients",
          "[policy][component][freshness]") {
  test::FakeDnsServer server;
  sane_world(server);
  dns::Transport t({{*dns::ServerAddress::parse(server.address())}});
  dnsbl::HealthBoard board;
  dnsbl::Prober prober(t, board, {}, 1000ms, true);
  prober.probe_once();
  const auto cfg = config_with({}, 3);
  const auto before = server.queries("", dns::RrType::NS);
  for (int i = 1; i <= 12; ++i) {
    policy::Transaction txn(cfg, unverified("198.51.100." + std::to_string(i)), t, &board);
    CHECK(txn.verdict().action == policy::Action::Reject);
    CHECK(txn.facts().rdns.status == rdns::RdnsStatus::NoPtr);
  }
  CHECK(board.resolver().sane);
  const auto checks = server.queries("", dns::RrType::NS) - before;
  CHECK(checks >= 4);  // a check leans at most kNegativesPerCheck + 1 answers (and lasts kFreshFor)
  CHECK(checks <= 12);
}

TEST_CASE("a list that flips to listing everyone mid-run: once its rate surges, its refusals become deferrals",
          "[policy][component][guard]") {
  test::FakeDnsServer server;
  dns::Transport t({{*dns::ServerAddress::parse(server.address())}});
  dnsbl::HealthBoard board;
  board.track({"flip.test"});
  board.update("flip.test", dnsbl::ZoneHealth{dnsbl::Health::Healthy});
  const auto cfg = config_with({"flip.test"}, 3);  // weight 1 by default: give it 3
  auto c = std::make_shared<config::Config>(*cfg);
  c->dnsbls = {*dnsbl::ZoneSpec::parse("flip.test*3", nullptr)};
  const std::shared_ptr<const config::Config> flip = c;
  auto addr = [](int i) { return "198.18." + std::to_string(i / 256) + "." + std::to_string(i % 256); };
  auto query = [&](int i) { return std::to_string(i % 256) + "." + std::to_string(i / 256) + ".18.198.flip.test"; };
  int i = 0, refused = 0;
  for (; i < 1200; ++i) {  // it lists one client in ten: those are refused
    if (i % 10 == 0) server.script(query(i), dns::RrType::A, test::Script::records({"127.0.0.2"}));
    policy::Transaction txn(flip, client(addr(i).c_str()), t, &board);
    refused += txn.verdict().action == policy::Action::Reject;
  }
  CHECK(refused == 120);
  // It turns bad: every client listed from here on.
  int rejected = 0, deferred = 0;
  for (int k = 0; k < 300; ++k, ++i) {
    server.script(query(i), dns::RrType::A, test::Script::records({"127.0.0.2"}));
    policy::Transaction txn(flip, client(addr(i).c_str()), t, &board);
    const auto& v = txn.verdict();
    rejected += v.action == policy::Action::Reject;
    if (v.action == policy::Action::Tempfail) {
      ++deferred;
      CHECK(v.note.find("flip.test lists far more clients than usual") != std::string::npos);
      CHECK(v.reply->code == "450");
    }
  }
  CHECK(rejected < 200);  // refused only until the recent share passed 90%
  CHECK(deferred > 100);
  CHECK(board.snapshot()->at("flip.test").surging);
}

TEST_CASE("domain policy: one connection, recipients in several domains, each judged by its own settings",
          "[policy][component][domains]") {
  test::FakeDnsServer server;
  server.script("7.113.0.203.pbl.test", dns::RrType::A, test::Script::records({"127.0.0.10"}));
  dns::Transport t({{*dns::ServerAddress::parse(server.address())}});
  auto c = std::make_shared<config::Config>(*config_with({"pbl.test=127.0.0.[10..11]*3"}, 3));
  auto table = std::make_shared<std::vector<config::DomainPolicy>>();
  table->push_back({"optout.example", true, {}, {}, {}, "t:1"});
  table->push_back({".dry.example", false, config::PolicyAction::Log, {}, {}, "t:2"});
  table->push_back({"strict.example", false, {}, 4, {}, "t:3"});  // 3 points do not reach 4 here
  table->push_back({"boss@optout.example", false, config::PolicyAction::Tempfail, {}, {}, "t:4"});
  c->domain_policies = table;
  policy::Transaction txn(std::make_shared<const policy::PreparedConfig>(c), client("203.0.113.7"), t);
  const config::DomainPolicy* entry = nullptr;
  const auto* v = txn.verdict_for("<user@other.example>", &entry);
  REQUIRE(v);
  CHECK(entry == nullptr);
  CHECK(v->action == policy::Action::Reject);  // the configuration's own
  CHECK(txn.verdict_for("<user@optout.example>", &entry) == nullptr);
  CHECK(entry->key == "optout.example");
  v = txn.verdict_for("<User@Mail.DRY.example>", &entry);
  REQUIRE(v);
  CHECK(entry->key == ".dry.example");
  CHECK(v->action == policy::Action::Accept);
  CHECK(v->note.rfind("dry run: would reject", 0) == 0);
  v = txn.verdict_for("<user@strict.example>");
  REQUIRE(v);
  CHECK(v->action == policy::Action::Accept);
  CHECK(v->score == 3);
  v = txn.verdict_for("<boss@optout.example>", &entry);  // the address before its domain
  REQUIRE(v);
  CHECK(entry->key == "boss@optout.example");
  CHECK(v->action == policy::Action::Tempfail);
  CHECK(v->reply->code == "450");
  CHECK(server.queries("7.113.0.203.pbl.test") == 1);  // one set of lookups for every recipient
}
