// plan() and decide() as pure functions: which questions, which verdict, for given answers.
#include "options/options.hpp"
#include "policy/policy.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <map>

using namespace dyn;

namespace {
config::Config with_lists(std::vector<std::string> lists, int threshold) {
  auto c = config::default_config();
  c.dnsbls.clear();
  for (const auto& l : lists) c.dnsbls.push_back(*dnsbl::ZoneSpec::parse(l, nullptr));
  c.threshold = threshold;
  return c;
}
dns::Answer listed(const char* code) {
  return dns::Answer{dns::Status::Ok, {dns::Record{dns::RrType::A, 60, code}}, 0, ""};
}
dns::Answer nx() { return dns::Answer{dns::Status::NxDomain, {}, 0, ""}; }
dns::Answer timeout() { return dns::Answer::failure(dns::Status::Timeout, "t"); }
policy::ClientFacts client(const char* ip, const char* name = "x.example") { return {net::IpAddress::parse(ip), name}; }
}  // namespace

TEST_CASE("plan asks every list about the client, exempt and address-less clients ask nothing", "[policy]") {
  auto c = with_lists({"a.test", "b.test*2"}, 1);
  auto qs = policy::plan(c, client("203.0.113.7"));
  REQUIRE(qs.size() == 4);
  CHECK(qs[0].name == "7.113.0.203.a.test");
  CHECK(qs[1].name == "7.113.0.203.b.test");
  CHECK(qs[0].type == dns::RrType::A);
  // The name x.example says little: the neighbours' PTRs are asked with the lists.
  CHECK(qs[2] == dns::Question{"6.113.0.203.in-addr.arpa", dns::RrType::PTR});
  CHECK(qs[3] == dns::Question{"8.113.0.203.in-addr.arpa", dns::RrType::PTR});
  CHECK(policy::plan(c, client("203.0.113.7", "mail.example.org")).size() == 2);  // a server's name: no need
  CHECK(policy::plan(c, client("127.0.0.1")).empty());
  CHECK(policy::plan(c, client("192.168.1.20")).empty());
  CHECK(policy::plan(c, client("fd00::1")).empty());
  CHECK(policy::plan(c, policy::ClientFacts{std::nullopt, "unknown"}).empty());
}

TEST_CASE("weights add up, reject at the threshold", "[policy]") {
  auto c = with_lists({"a.test*2", "b.test*2", "allow.test*-3"}, 4);
  struct Case {
    std::vector<dns::Answer> answers;
    int score;
    policy::Action action;
  };
  const Case cases[] = {
      {{listed("127.0.0.2"), nx(), nx()}, 2, policy::Action::Accept},
      {{listed("127.0.0.2"), listed("127.0.0.2"), nx()}, 4, policy::Action::Reject},
      {{listed("127.0.0.2"), listed("127.0.0.2"), listed("127.0.0.2")}, 1, policy::Action::Accept},  // allowlisted
      {{listed("127.0.0.2"), listed("127.255.255.254"), nx()}, 2, policy::Action::Accept},  // error code adds nothing
  };
  for (const auto& k : cases) {
    auto v = policy::decide(c, client("203.0.113.7"), k.answers);
    CHECK(v.score == k.score);
    CHECK(v.action == k.action);
    CHECK(v.basis == policy::Basis::Scored);
  }
}

TEST_CASE("the reject reply names the address and the lists that listed it", "[policy]") {
  auto c = with_lists({"a.test", "b.test"}, 1);
  auto facts = client("203.0.113.7");
  facts.id = "7kq2mhx9vd";
  auto v = policy::decide(c, facts, {listed("127.0.0.10"), listed("127.0.0.11")});
  REQUIRE(v.action == policy::Action::Reject);
  REQUIRE(v.reply);
  CHECK(v.reply->text ==
        "Your IP address 203.0.113.7 appears to be dynamically assigned (listed in a.test, b.test). "
        "Please smarthost your mail through your ISP's mail server. Mail to postmaster reaches a person; "
        "quote reference 7kq2mhx9vd.");
  // The first bypass address, when there is one, is the one named.
  c.bypass = std::make_shared<std::vector<std::string>>(std::vector<std::string>{"help@example.org"});
  v = policy::decide(c, facts, {listed("127.0.0.10"), listed("127.0.0.11")});
  REQUIRE(v.reply);
  CHECK(v.reply->text.find("Mail to help@example.org reaches a person; quote reference 7kq2mhx9vd.") !=
        std::string::npos);
}

TEST_CASE("a lookup failure never rejects, tempfail only when configured and it could matter", "[policy]") {
  auto c = with_lists({"a.test", "b.test"}, 2);
  auto v = policy::decide(c, client("203.0.113.7"), {listed("127.0.0.2"), timeout()});
  CHECK(v.action == policy::Action::Accept);
  c.on_dns_error = config::DnsErrorAction::Tempfail;
  v = policy::decide(c, client("203.0.113.7"), {listed("127.0.0.2"), timeout()});
  CHECK(v.action == policy::Action::Tempfail);
  REQUIRE(v.reply);
  CHECK(v.reply->code == "451");
  // Both failed would reach 2, but a list's error *code* (not a failure) does not defer.
  v = policy::decide(c, client("203.0.113.7"), {listed("127.0.0.2"), listed("127.255.255.254")});
  CHECK(v.action == policy::Action::Accept);
  // The failed list could not have reached the threshold: no reason to defer.
  c = with_lists({"a.test", "b.test"}, 3);
  c.dnsbls[0].weight = 1;
  c.dnsbls[1].weight = 1;
  c.threshold = 2;
  c.on_dns_error = config::DnsErrorAction::Tempfail;
  v = policy::decide(c, client("203.0.113.7"), {nx(), timeout()});
  CHECK(v.action == policy::Action::Accept);
}

TEST_CASE("exempt networks and missing addresses pass with a note", "[policy]") {
  auto c = with_lists({"a.test"}, 1);
  auto v = policy::decide(c, client("10.1.2.3"));
  CHECK(v.action == policy::Action::Accept);
  CHECK(v.basis == policy::Basis::ExemptNetwork);
  v = policy::decide(c, policy::ClientFacts{std::nullopt, ""});
  CHECK(v.action == policy::Action::Accept);
  CHECK(v.basis == policy::Basis::NoAddress);
  CHECK_FALSE(v.note.empty());
  // Missing answers (a caller bug) count as timeouts, never as listings.
  v = policy::decide(c, client("203.0.113.7"));
  CHECK(v.action == policy::Action::Accept);
}

TEST_CASE("postmaster and abuse of any domain are role recipients", "[policy]") {
  for (const char* r : {"<postmaster@example.org>", "postmaster@example.org", "<Postmaster>", "POSTMASTER",
                        "<abuse@mx.example.net>", "abuse"})
    CHECK(policy::is_role_recipient(r));
  for (const char* r : {"<user@example.org>", "<postmaster.x@example.org>", "<notabuse@example.org>", "<>", ""})
    CHECK_FALSE(policy::is_role_recipient(r));
}

TEST_CASE("the log line carries client, name, each list, score, action and time", "[policy]") {
  auto c = with_lists({"a.test", "b.test"}, 1);
  auto f = client("203.0.113.7", "dsl-7.pool.example");
  auto v = policy::decide(c, f, {listed("127.0.0.11"), timeout()});
  const auto line = policy::log_line(f, v, 12.34, 0.5);
  CHECK(line.find("client=203.0.113.7") != std::string::npos);
  CHECK(line.find("name=dsl-7.pool.example") != std::string::npos);
  CHECK(line.find("list=a.test:listed(127.0.0.11)") != std::string::npos);
  CHECK(line.find("list=b.test:unknown") != std::string::npos);
  CHECK(line.find("signal=dynamic-word(+3) score=4 action=reject") != std::string::npos);  // 'dsl' in the name
  CHECK(line.find("elapsed=12.3ms waited=0.5ms") != std::string::npos);
}

TEST_CASE("HELO: an address instead of a name, or a name without address records", "[policy][helo]") {
  auto c = with_lists({}, 3);
  policy::ClientFacts f = client("203.0.113.7", "");
  auto names = [](const policy::Verdict& v) {
    std::string out;
    for (const auto& s : v.signals) out += s.name + "(" + std::to_string(s.weight) + ") ";
    return out;
  };
  f.helo = "[203.0.113.7]";
  CHECK(names(policy::decide(c, f)) == "helo-ip(1) ");
  f.helo = "203.0.113.7";
  CHECK(names(policy::decide(c, f)) == "helo-ip(1) ");
  f.helo = "[IPv6:2001:db8::7]";
  CHECK(names(policy::decide(c, f)) == "helo-ip(1) ");
  CHECK(policy::plan_helo(c, f).empty());  // f.helo is an address literal

  f.helo = "nowhere.example";
  const auto qs = policy::plan_helo(c, f);
  REQUIRE(qs.size() == 4);
  CHECK(qs[0] == dns::Question{"nowhere.example", dns::RrType::A});
  CHECK(qs[1] == dns::Question{"nowhere.example", dns::RrType::AAAA});
  CHECK(qs[2] == dns::Question{"nowhere.example", dns::RrType::MX});  // mx-confirmed (DUHL source)
  CHECK(qs[3] == dns::Question{"nowhere.example", dns::RrType::A});
  const dns::Answer nodata{dns::Status::NoData, {}, 0, ""};
  CHECK(names(policy::decide(c, f, {}, {}, {nx(), nodata})) == "helo-unresolvable(1) ");
  CHECK(names(policy::decide(c, f, {}, {}, {nx(), listed("192.0.2.1")})).empty());  // it has an address
  CHECK(names(policy::decide(c, f, {}, {}, {timeout(), nx()})).empty());            // a failure says nothing
  policy::ClientFacts local = f;
  local.helo = "localhost";
  CHECK(policy::plan_helo(c, local).empty());  // not a host name worth a lookup
  c.rdns_weights.push_back(*policy::parse_weight_setting("helo-unresolvable=0", nullptr));
  CHECK(policy::plan_helo(c, f).size() == 2);  // the signal is off: no A/AAAA for it (the DUHL MX and A stay)
  c.rdns_weights.push_back(*policy::parse_weight_setting("mx-confirmed=0", nullptr));
  c.rdns_weights.push_back(*policy::parse_weight_setting("mx-ttl-short=0", nullptr));
  CHECK(policy::plan_helo(c, f).empty());  // and with the MX signals off, none at all
}

TEST_CASE("a short PTR TTL adds a weak signal (the old DUHL rule)", "[policy]") {
  auto c = with_lists({}, 3);
  policy::ClientFacts f = client("203.0.113.7", "");
  f.ptr_ttl = 3600;
  auto v = policy::decide(c, f);
  REQUIRE(v.signals.size() == 1);
  CHECK(v.signals[0].name == "ptr-ttl-short");
  CHECK(v.signals[0].weight == 1);
  f.ptr_ttl = 86400;
  CHECK(policy::decide(c, f).signals.empty());
}

TEST_CASE("bypass recipients: addresses and whole domains, case-insensitive", "[policy]") {
  auto c = with_lists({"a.test*3"}, 3);
  c.bypass =
      std::make_shared<std::vector<std::string>>(std::vector<std::string>{"help@example.org", "@unblock.example.net"});
  CHECK(policy::exempt_recipient(c, "<Help@Example.org>") == "bypass");
  CHECK(policy::exempt_recipient(c, "<anyone@UNBLOCK.example.net>") == "bypass");
  CHECK(policy::exempt_recipient(c, "<postmaster@example.org>") == "role");
  CHECK(policy::exempt_recipient(c, "<user@example.org>").empty());
  CHECK(policy::exempt_recipient(c, "<help@example.org.evil>").empty());
  CHECK(policy::exempt_recipient(c, "<x@sub.unblock.example.net>").empty());  // the domain exactly
  // {bypass} in the reply names the first bypass address.
  c.reply_text = *smtp::ReplyTemplate::parse("Blocked {ip}; write to {bypass}.", nullptr);
  auto v = policy::decide(c, client("203.0.113.7"), {listed("127.0.0.2")});
  REQUIRE(v.reply);
  CHECK(v.reply->text == "Blocked 203.0.113.7; write to help@example.org.");
}

TEST_CASE("the action setting: reject, tempfail with the same text, tag and log accept", "[policy]") {
  auto c = with_lists({"a.test*3"}, 3);
  const auto f = client("203.0.113.7");
  c.action = config::PolicyAction::Tempfail;
  auto v = policy::decide(c, f, {listed("127.0.0.2")});
  CHECK(v.action == policy::Action::Tempfail);
  REQUIRE(v.reply);
  CHECK(v.reply->code == "450");
  CHECK(v.reply->xcode == "4.7.1");
  CHECK(v.reply->text.find("Your IP address 203.0.113.7") == 0);
  c.action = config::PolicyAction::Tag;
  v = policy::decide(c, f, {listed("127.0.0.2")});
  CHECK(v.action == policy::Action::Accept);
  CHECK(v.tag);
  CHECK(policy::tag_header(f, v, 3) == "dynamic; score=3; threshold=3; client=203.0.113.7; listed=a.test");
  CHECK(policy::log_line(f, v, 1, 0).find("action=tag") != std::string::npos);
  c.action = config::PolicyAction::Log;
  v = policy::decide(c, f, {listed("127.0.0.2")});
  CHECK(v.action == policy::Action::Accept);
  CHECK_FALSE(v.tag);
  const auto line = policy::log_line(f, v, 1, 0);
  CHECK(line.find("action=log note=\"dry run: would reject (listed in a.test)\"") != std::string::npos);
  CHECK(line.find(" decisive=a.test ") != std::string::npos);  // what enforcing would have rested on
  // Below the threshold nothing changes, whatever the action.
  v = policy::decide(c, f, {nx()});
  CHECK_FALSE(v.reached);
  CHECK(policy::log_line(f, v, 1, 0).find("action=accept") != std::string::npos);
}

TEST_CASE("allowlists: networks, verified host names, and an allow threshold for DNSWL scores", "[policy]") {
  auto c = with_lists({"a.test*3", "wl.test*-5"}, 3);
  auto list = std::make_shared<config::Allowlist>();
  list->networks = {*net::Cidr::parse("198.51.100.0/24")};
  list->domains = {"partner.example"};
  c.allowlist = list;
  CHECK(policy::plan(c, client("198.51.100.9")).empty());  // no lookups for allowed networks
  auto v = policy::decide(c, client("198.51.100.9"));
  CHECK(v.basis == policy::Basis::Allowlisted);
  CHECK(v.action == policy::Action::Accept);

  policy::ClientFacts verified{
      net::IpAddress::parse("203.0.113.7"), "mx.partner.example", {rdns::RdnsStatus::Ok, "mx.partner.example"}};
  CHECK(policy::decide(c, verified, {listed("127.0.0.2"), nx()}).basis == policy::Basis::Allowlisted);
  policy::ClientFacts forged = verified;
  forged.rdns = {rdns::RdnsStatus::Forged, "mx.partner.example"};  // anyone can write that PTR
  CHECK(policy::decide(c, forged, {listed("127.0.0.2"), nx()}).action == policy::Action::Reject);
  policy::ClientFacts lookalike = verified;
  lookalike.rdns = {rdns::RdnsStatus::Ok, "mx.evilpartner.example"};
  CHECK(policy::decide(c, lookalike, {listed("127.0.0.2"), nx()}).action == policy::Action::Reject);

  // DNSWL: the allowlist's negative weight alone does not outweigh a name that rejects...
  policy::ClientFacts dyn_name{net::IpAddress::parse("203.0.113.7"), "", {rdns::RdnsStatus::NoPtr, ""}};
  CHECK(policy::decide(c, dyn_name, {listed("127.0.0.2"), listed("127.0.0.2")}).score == 1);
  // ...but with an allow threshold it accepts before anything else counts.
  c.allow_threshold = -5;
  v = policy::decide(c, dyn_name, {nx(), listed("127.0.0.2")});
  CHECK(v.basis == policy::Basis::Allowlisted);
  CHECK(v.note.find("allow threshold -5") != std::string::npos);
}

TEST_CASE("allow files: networks, domains and patterns, one per line, errors name file:line", "[config]") {
  const std::string good = "/tmp/dynmilter-allow-good", bad = "/tmp/dynmilter-allow-bad",
                    bad_re = "/tmp/dynmilter-allow-bad-re";
  std::ofstream(good) << "# partners\n192.0.2.0/24\n\n2001:db8::/32  # a comment\npartner.example\n"
                         "/^mx[0-9]+\\.bulk\\.example$/\n";
  std::ofstream(bad) << "192.0.2.0/24\n192.0.2.1/24\n";
  std::ofstream(bad_re) << "partner.example\n\n/^mx(/\n";
  const char* argv_good[] = {"dynmilter",
                             "--allow-file",
                             good.c_str(),
                             "--allow-network",
                             "198.51.100.7",
                             "--allow-hostname",
                             "/^out[0-9]\\.other\\.example$/"};
  auto inv = config::parse_invocation(7, argv_good, config::kDaemon);
  CHECK(inv.config.allowlist->networks.size() == 3);
  CHECK(inv.config.allowlist->domains == std::vector<std::string>{"partner.example"});
  REQUIRE(inv.config.allowlist->patterns.size() == 2);
  CHECK(inv.config.allowlist->patterns[1].where == good + ":6");

  // A pattern is matched against forward-confirmed names only.
  auto c = inv.config;
  c.dnsbls = {*dnsbl::ZoneSpec::parse("a.test*3", nullptr)};
  policy::ClientFacts f{
      net::IpAddress::parse("203.0.113.7"), "MX12.bulk.example", {rdns::RdnsStatus::Ok, "MX12.bulk.example."}};
  auto v = policy::decide(c, f, {listed("127.0.0.2")});
  CHECK(v.basis == policy::Basis::Allowlisted);
  CHECK(v.note.find("allowed pattern /^mx[0-9]+\\.bulk\\.example$/ (" + good + ":6)") != std::string::npos);
  f.rdns.status = rdns::RdnsStatus::Forged;
  CHECK(policy::decide(c, f, {listed("127.0.0.2")}).action == policy::Action::Reject);
  f.rdns = {rdns::RdnsStatus::Ok, "out1.other.example"};
  CHECK(policy::decide(c, f, {listed("127.0.0.2")}).basis == policy::Basis::Allowlisted);

  for (const auto& [file, want] : {std::pair{bad, bad + ":2: host bits set"}, std::pair{bad_re, bad_re + ":3: "}}) {
    const char* argv_bad[] = {"dynmilter", "--allow-file", file.c_str()};
    std::string err;
    try {
      config::parse_invocation(3, argv_bad, config::kDaemon);
    } catch (const config::Error& e) {
      err = e.what();
    }
    CHECK(err.find(want) == 0);
  }
  std::remove(good.c_str());
  std::remove(bad.c_str());
  std::remove(bad_re.c_str());
}

TEST_CASE("bypass files: one address or @domain per line, errors name file:line", "[config]") {
  const std::string good = "/tmp/dynmilter-bypass-good", bad = "/tmp/dynmilter-bypass-bad";
  std::ofstream(good) << "# people who help blocked senders\nUnblock@Example.org\n@help.example.net\n";
  std::ofstream(bad) << "ok@example.org\nnot-an-address\n";
  const char* argv_good[] = {"dynmilter", "--bypass-recipient", "first@example.org", "--bypass-file", good.c_str()};
  auto inv = config::parse_invocation(5, argv_good, config::kDaemon);
  CHECK(*inv.config.bypass ==
        std::vector<std::string>{"first@example.org", "unblock@example.org", "@help.example.net"});
  CHECK(policy::exempt_recipient(inv.config, "<x@HELP.example.net>") == "bypass");
  const char* argv_bad[] = {"dynmilter", "--bypass-file", bad.c_str()};
  std::string err;
  try {
    config::parse_invocation(3, argv_bad, config::kDaemon);
  } catch (const config::Error& e) {
    err = e.what();
  }
  CHECK(err.find(bad + ":2: bypass address 'not-an-address'") == 0);
  std::remove(good.c_str());
  std::remove(bad.c_str());
}

TEST_CASE("per-list and per-rule actions: a contribution never brings a client past its own action", "[policy]") {
  auto c = with_lists({"strong.test*3", "new.test*3"}, 3);
  const auto f = client("203.0.113.7");
  c.action_for = {*config::ActionFor::parse("new.test=log", nullptr)};
  // Listed by the trusted list alone, or by both: reject.
  CHECK(policy::decide(c, f, {listed("127.0.0.2"), nx()}).action == policy::Action::Reject);
  CHECK(policy::decide(c, f, {listed("127.0.0.2"), listed("127.0.0.2")}).action == policy::Action::Reject);
  // Only the list on trial: accepted, the would-be verdict logged.
  auto v = policy::decide(c, f, {nx(), listed("127.0.0.2")});
  CHECK(v.reached);
  CHECK(v.action == policy::Action::Accept);
  CHECK(v.limited_by_action_for);
  CHECK(policy::log_line(f, v, 1, 0).find("action=log") != std::string::npos);

  // Mixed: 2 from a tag-limited list plus 1 from a tempfail-limited signal reach 3 only at tag.
  c = with_lists({"tagged.test*2"}, 3);
  c.action_for = {*config::ActionFor::parse("tagged.test=tag", nullptr),
                  *config::ActionFor::parse("no-ptr=tempfail", nullptr)};
  c.rdns_weights.push_back(*policy::parse_weight_setting("no-ptr=1", nullptr));
  policy::ClientFacts noptr{net::IpAddress::parse("203.0.113.7"), "", {rdns::RdnsStatus::NoPtr, ""}};
  v = policy::decide(c, noptr, {listed("127.0.0.2")});
  CHECK(v.score == 3);
  CHECK(v.tag);
  CHECK(v.action == policy::Action::Accept);
  // A stronger signal that reaches alone the threshold at its own action: tempfail, with its code.
  c.rdns_weights.push_back(*policy::parse_weight_setting("no-ptr=3", nullptr));
  v = policy::decide(c, noptr, {listed("127.0.0.2")});
  CHECK(v.action == policy::Action::Tempfail);
  REQUIRE(v.reply);
  CHECK(v.reply->code == "450");
}

TEST_CASE("action-for settings and rule actions are checked at load, reply codes must match their actions",
          "[config]") {
  const std::string rules = "/tmp/dynmilter-action-rules", conf = "/tmp/dynmilter-action-conf";
  std::ofstream(rules)
      << "[trial]\npattern = /^trial-/\nweight = 3\nreason = on trial\naction = log\nmatch = trial-1.example\n";
  auto run = [](std::vector<const char*> argv) {
    argv.insert(argv.begin(), "dynmilter");
    try {
      config::parse_invocation(static_cast<int>(argv.size()), argv.data(), config::kDaemon);
    } catch (const config::Error& e) {
      return std::string(e.what());
    }
    return std::string("ok");
  };
  CHECK(run({"--rules", rules.c_str(), "--action-for", "rule:trial=tag", "--action-for", "zen.spamhaus.org=tempfail",
             "--action-for", "no-ptr=log"}) == "ok");
  CHECK(run({"--action-for", "rule:nonesuch=log"}).find("names no --dnsbl zone, signal or rule:NAME") !=
        std::string::npos);
  CHECK(run({"--action-for", "no-ptr=drop"}).find("want KEY=reject|tempfail|tag|log") != std::string::npos);
  CHECK(run({"--reject-code", "450 4.7.1"}).find("reject-code 450 4.7.1 is not a permanent (5xx) reply") !=
        std::string::npos);
  CHECK(run({"--tempfail-code", "554 5.7.1"}).find("tempfail-code 554 5.7.1 is not a temporary (4xx)") !=
        std::string::npos);
  CHECK(run({"--reject-code", "554 4.7.1"}).find("does not match reply code 554") != std::string::npos);
  CHECK(run({"--reject-code", "554 5.7.1"}) == "ok");
  // From the config file, the refusal names file:line; the command line overrides the file.
  std::ofstream(conf) << "# policy\nthreshold = 5\nreject-code = 421 4.7.0\n";
  CHECK(run({"-c", conf.c_str()}) ==
        conf + ":3: reject-code 421 4.7.0 is not a permanent (5xx) reply, as action reject needs");
  CHECK(run({"-c", conf.c_str(), "--reject-code", "550 5.7.1"}) == "ok");
  std::ofstream(conf) << "threshold = 0\n";
  CHECK(run({"-c", conf.c_str()}) == conf + ":1: threshold must be positive (got 0)");
  std::ofstream(conf) << "\naction-for = rule:nonesuch=log\n";
  CHECK(run({"-c", conf.c_str()}).find(conf + ":2: action-for 'rule:nonesuch'") == 0);
  // The rule's own action limits it like --action-for does.
  const char* argv[] = {"dynmilter", "--rules", rules.c_str()};
  auto c = config::parse_invocation(3, argv, config::kDaemon).config;
  c.dnsbls.clear();
  policy::ClientFacts f{
      net::IpAddress::parse("203.0.113.7"), "trial-1.example", {rdns::RdnsStatus::Ok, "trial-1.example"}};
  auto v = policy::decide(c, f);
  CHECK(v.reached);
  CHECK(v.action == policy::Action::Accept);
  CHECK(v.note.find("dry run") == 0);
  std::remove(rules.c_str());
  std::remove(conf.c_str());
}

TEST_CASE("multi-line reply templates become multi-line replies, each line valid", "[policy]") {
  std::string err;
  auto t = smtp::ReplyTemplate::parse(
      "Your IP address {ip} appears to be dynamically assigned.\\n"
      "Please smarthost through your ISP.\\nReference {id}",
      &err);
  REQUIRE(t);
  auto c = with_lists({"a.test*3"}, 3);
  c.reply_text = *t;
  auto f = client("203.0.113.7");
  f.id = "abc234defg";
  auto v = policy::decide(c, f, {listed("127.0.0.2")});
  REQUIRE(v.reply);
  CHECK(v.reply->lines() == std::vector<std::string>{"Your IP address 203.0.113.7 appears to be dynamically assigned.",
                                                     "Please smarthost through your ISP.", "Reference abc234defg"});
  CHECK_FALSE(smtp::ReplyTemplate::parse("\\nstarts empty", &err));
  CHECK(err.find("line is empty") != std::string::npos);
  CHECK_FALSE(smtp::ReplyTemplate::parse("two\\n\\nbreaks", &err));
  std::string many = "x";
  for (int i = 0; i < 32; ++i) many += "\\nx";
  CHECK_FALSE(smtp::ReplyTemplate::parse(many, &err));
  CHECK(err.find("more than 32 lines") != std::string::npos);
  // A host name the client chose cannot add a line.
  policy::ClientFacts evil{net::IpAddress::parse("203.0.113.7"), "a\nb.example"};
  c.reply_text = *smtp::ReplyTemplate::parse("Blocked {hostname}", nullptr);
  v = policy::decide(c, evil, {listed("127.0.0.2")});
  REQUIRE(v.reply);
  CHECK(v.reply->lines().size() == 1);
}

TEST_CASE("incident references use 31 unambiguous characters, each as likely as the others", "[policy]") {
  const std::string alphabet = "23456789abcdefghjkmnpqrstuvwxyz";
  std::map<char, int> count;
  constexpr int kIds = 31'000;  // 310,000 characters: about 10,000 of each, a standard deviation of ~100
  for (int i = 0; i < kIds; ++i) {
    const auto id = policy::new_incident_id();
    REQUIRE(id.size() == 10);
    for (const char ch : id) ++count[ch];
  }
  CHECK(count.size() == alphabet.size());
  for (const auto& [ch, n] : count) {
    INFO("character '" << ch << "' came " << n << " times");
    CHECK(alphabet.find(ch) != std::string::npos);
    CHECK(n > 9'000);   // 10 standard deviations either side: a biased mapping (such as b % 31 on
    CHECK(n < 11'000);  // every byte, which favours 8 characters by 1/8) fails this
  }
}

TEST_CASE("an incident reference ties the reply to the log line", "[policy]") {
  auto c = with_lists({"a.test*3"}, 3);
  c.reply_text = *smtp::ReplyTemplate::parse("Blocked {ip}, ref {id}.", nullptr);
  auto f = client("203.0.113.7");
  f.id = policy::new_incident_id();
  CHECK(f.id.size() == 10);
  CHECK(f.id != policy::new_incident_id());
  auto v = policy::decide(c, f, {listed("127.0.0.2")});
  REQUIRE(v.reply);
  CHECK(v.reply->text == "Blocked 203.0.113.7, ref " + f.id + ".");
  CHECK(policy::log_line(f, v, 1, 0).rfind("id=" + f.id + " client=203.0.113.7", 0) == 0);
}

TEST_CASE("replies and log lines never show a list's access key", "[policy]") {
  auto c = with_lists({"abcdefghij0123456789klmn.zen.dq.spamhaus.net=127.0.0.[10..11]*3"}, 3);
  const auto f = client("203.0.113.7");
  CHECK(policy::plan(c, f).at(0).name == "7.113.0.203.abcdefghij0123456789klmn.zen.dq.spamhaus.net");  // asked with it
  auto v = policy::decide(c, f, {listed("127.0.0.10")});
  REQUIRE(v.reply);
  CHECK(v.reply->text.find("listed in zen.dq.spamhaus.net") != std::string::npos);
  CHECK(v.reply->text.find("abcdefghij") == std::string::npos);
  CHECK(policy::log_line(f, v, 1, 0).find("abcdefghij") == std::string::npos);
}

TEST_CASE("a list's public name is what the reply, the log line and the header say", "[policy]") {
  auto c = with_lists({"a.test"}, 1);
  c.dnsbls[0].display = "Example PBL";
  auto facts = client("203.0.113.7");
  const auto v = policy::decide(c, facts, {listed("127.0.0.10")});
  REQUIRE(v.reply);
  CHECK(v.reply->text.find("(listed in Example PBL)") != std::string::npos);
  CHECK(v.reply->text.find("a.test") == std::string::npos);
  const auto line = policy::log_line(facts, v, 1.0, 0.0);
  CHECK(line.find(" list=\"Example PBL\":listed(127.0.0.10)") != std::string::npos);
  CHECK(line.find(" decisive=\"Example PBL\"") != std::string::npos);
}
