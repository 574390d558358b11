// The evidence seam: each source plans its own questions and judges only its own answers;
// gather() routes them and keeps the sources' order.
#include "config/options.hpp"
#include "policy/policy.hpp"
#include "rdns/neighbours.hpp"

#include <catch2/catch.hpp>

using namespace dyn;

namespace {
config::Config with_lists(std::vector<std::string> lists) {
  auto c = config::default_config();
  c.dnsbls.clear();
  for (const auto& l : lists) c.dnsbls.push_back(*dnsbl::ZoneSpec::parse(l, nullptr));
  return c;
}
dns::Answer a(const char* value) { return dns::Answer{dns::Status::Ok, {dns::Record{dns::RrType::A, 60, value}}, 0, ""}; }
dns::Answer nx() { return dns::Answer{dns::Status::NxDomain, {}, 0, ""}; }
std::string names(const std::vector<rdns::Signal>& signals) {
  std::string out;
  for (const auto& s : signals) out += (out.empty() ? "" : ",") + s.name;
  return out;
}
policy::ClientFacts facts(rdns::RdnsStatus status, std::string rdns_name, std::string hostname = "") {
  policy::ClientFacts f{net::IpAddress::parse("203.0.113.7"), std::move(hostname)};
  f.rdns = rdns::RdnsFacts{status, std::move(rdns_name)};
  return f;
}
}  // namespace

TEST_CASE("every source is listed once per configuration, lists first and in their order", "[evidence]") {
  const auto c = with_lists({"a.test", "b.test"});
  std::string order;
  for (const auto& s : policy::sources(c)) order += std::string(s->name()) + " ";
  CHECK(order == "dnsbl dnsbl rdns name rules neighbours helo ptr-ttl duhl ");
}

TEST_CASE("gather hands each source its own answers", "[evidence]") {
  const auto c = with_lists({"a.test*2", "b.test*3"});
  auto f = facts(rdns::RdnsStatus::Ok, "mail.example.org");
  f.helo = "nowhere.example";
  const auto questions = policy::plan(c, f);
  REQUIRE(questions.size() == 4);  // the two lists, then the DUHL source's A and MX of the name
  CHECK(questions[1].name == "7.113.0.203.b.test");
  CHECK(questions[2] == dns::Question{"mail.example.org", dns::RrType::A});
  CHECK(questions[3] == dns::Question{"example.org", dns::RrType::MX});
  REQUIRE(policy::plan_helo(c, f).size() == 4);
  // The second list listed, the first not; both HELO lookups found nothing.
  const auto e = policy::gather(c, f, {nx(), a("127.0.0.2")}, {}, {nx(), nx()});
  REQUIRE(e.lists.size() == 2);
  CHECK(e.lists[0].outcome.listing == dnsbl::Listing::NotListed);
  CHECK(e.lists[1].outcome.listing == dnsbl::Listing::Listed);
  CHECK(e.lists[1].weight == 3);
  CHECK(names(e.signals) == "server-word,helo-unresolvable");
  // Answers that never came count as timeouts: the lists are unknown, and what they could add is kept.
  const auto late = policy::gather(c, f, {});
  CHECK(late.lists[1].outcome.listing == dnsbl::Listing::Unknown);
  CHECK(late.could_add == 5);
}

TEST_CASE("a connection's prepared sources: the counts planned are the ones gather cuts by", "[evidence]") {
  const auto c = with_lists({"a.test*2", "b.test*3"});
  auto f = facts(rdns::RdnsStatus::Ok, "mail.example.org");
  const policy::Prepared p = policy::prepare(c);
  policy::Asked asked;
  CHECK(p.sources.size() == policy::sources(c).size());
  CHECK(policy::plan(c, f, &p, &asked) == policy::plan(c, f));
  REQUIRE(asked.connect);
  CHECK(std::vector<std::size_t>(asked.connect->begin(), asked.connect->end()) == std::vector<std::size_t>{1, 1, 0, 0, 0, 0, 0, 0, 2});
  f.helo = "nowhere.example";
  CHECK(policy::plan_helo(c, f, &p, &asked).size() == 4);
  REQUIRE(asked.helo);
  const std::vector<dns::Answer> answers{nx(), a("127.0.0.2"), nx(), nx()}, helo{nx(), nx(), nx(), nx()};
  const auto with = policy::gather(c, f, answers, {}, helo, nullptr, &p, &asked);
  const auto without = policy::gather(c, f, answers, {}, helo);
  CHECK(names(with.signals) == names(without.signals));
  REQUIRE(with.lists.size() == 2);
  CHECK(with.lists[1].outcome.listing == without.lists[1].outcome.listing);
  CHECK(with.could_add == without.could_add);
  // A HELO that asks nothing forgets the counts of the one before.
  f.helo = "";
  CHECK(policy::plan_helo(c, f, &p, &asked).empty());
  CHECK_FALSE(asked.helo);
}

TEST_CASE("reverse-DNS facts and name checks: no PTR and forged count, a temporary failure never does",
          "[evidence][rdns]") {
  const auto c = with_lists({});
  using S = rdns::RdnsStatus;
  CHECK(names(policy::gather(c, facts(S::NoPtr, "", "[203.0.113.7]"), {}).signals) == "no-ptr");
  CHECK(policy::gather(c, facts(S::TempFail, "", "dsl-203-0-113-7.pool.isp.example"), {}).signals.empty());
  CHECK(names(policy::gather(c, facts(S::Forged, "dsl-203-0-113-7.pool.isp.example"), {}).signals) ==
        "forged,ip-in-name,dynamic-word");
  // No macros: the CONNECT host name is judged.
  CHECK(names(policy::gather(c, facts(S::Unknown, "", "dsl-203-0-113-7.pool.isp.example"), {}).signals) ==
        "ip-in-name,dynamic-word");
  CHECK(policy::judged_name(facts(S::Ok, "mx.example.org", "other.example")) == "mx.example.org");
  CHECK(policy::judged_name(facts(S::NoPtr, "", "other.example")).empty());
}

TEST_CASE("a short PTR TTL is its own source's signal", "[evidence]") {
  const auto c = with_lists({});
  auto f = facts(rdns::RdnsStatus::Ok, "h.example.org");
  f.ptr_ttl = 3600;
  CHECK(names(policy::gather(c, f, {}).signals) == "ptr-ttl-short");
  f.ptr_ttl = 86400;
  CHECK(policy::gather(c, f, {}).signals.empty());
}

TEST_CASE("neighbours: the two addresses next to the client, inside its /24 or /64", "[evidence][neighbours]") {
  auto pair = [](const char* ip) {
    const auto n = rdns::neighbours(*net::IpAddress::parse(ip));
    return n[0].to_string() + " " + n[1].to_string();
  };
  CHECK(pair("203.0.113.7") == "203.0.113.6 203.0.113.8");
  CHECK(pair("203.0.113.0") == "203.0.113.1 203.0.113.2");
  CHECK(pair("203.0.113.255") == "203.0.113.253 203.0.113.254");
  CHECK(pair("2001:db8::7") == "2001:db8::6 2001:db8::8");
  CHECK(pair("::") == "::1 ::2");
  CHECK(pair("2001:db8::ffff:ffff:ffff:ffff") == "2001:db8::ffff:ffff:ffff:fffd 2001:db8::ffff:ffff:ffff:fffe");
  CHECK(pair("2001:db8:0:1::") == "2001:db8:0:1::1 2001:db8:0:1::2");  // never into the next /64
}

TEST_CASE("neighbours: a pool is two names alike, each with its own address, under the client's domain",
          "[evidence][neighbours]") {
  CHECK(rdns::name_shape("DSL-203-0-113-6.Pool.example.") == "dsl-#-#-#-#.pool.example");
  CHECK(rdns::name_shape("cpe-cb007106.isp.example") == "cpe-#.isp.example");
  CHECK(rdns::parent_domain("host7.isp.example") == "isp.example");
  const auto a6 = *net::IpAddress::parse("203.0.113.6"), a8 = *net::IpAddress::parse("203.0.113.8");
  std::string why;
  using N = rdns::Neighbour;
  CHECK(rdns::pool_around("host7.isp.example", {N{a6, "dsl-203-0-113-6.isp.example"}, N{a8, "dsl-203-0-113-8.isp.example"}}, &why));
  CHECK_FALSE(rdns::pool_around("mail.smallbiz.example", {N{a6, "dsl-203-0-113-6.isp.example"}, N{a8, "dsl-203-0-113-8.isp.example"}}, &why));
  CHECK(why.find("not under smallbiz.example") != std::string::npos);  // its own domain: a business line
  CHECK_FALSE(rdns::pool_around("host7.isp.example", {N{a6, "mail-203-0-113-6.isp.example"}, N{a8, "mail-203-0-113-8.isp.example"}}, &why));
  CHECK(why.find("named like a server") != std::string::npos);
  CHECK_FALSE(rdns::pool_around("host7.isp.example", {N{a6, "dsl-203-0-113-6.isp.example"}, N{a8, ""}}, &why));
  CHECK(why.find("has no name") != std::string::npos);
  CHECK_FALSE(rdns::pool_around("host7.isp.example", {N{a6, "dsl-203-0-113-6.isp.example"}, N{a8, "cable-203-0-113-8.isp.example"}}, &why));
  CHECK(why == "the neighbours are named differently");
  CHECK_FALSE(rdns::pool_around("host7.isp.example", {N{a6, "dsl-203-0-113-9.isp.example"}, N{a8, "dsl-203-0-113-8.isp.example"}}, &why));
  CHECK(why.find("does not carry its own address") != std::string::npos);
  CHECK_FALSE(rdns::pool_around("localhost", {N{a6, "dsl-203-0-113-6.isp.example"}, N{a8, "dsl-203-0-113-8.isp.example"}}, &why));
  // Hundreds of labels, garbage: no signal, no crash.
  std::string long_name;
  for (int i = 0; i < 120; ++i) long_name += "a.";
  long_name += "isp.example";
  CHECK_FALSE(rdns::pool_around(long_name, {N{a6, long_name}, N{a8, "\x01\xff.isp.example"}}, &why));
}

TEST_CASE("neighbours through gather: weighed only around a name that says little", "[evidence][neighbours]") {
  const auto c = with_lists({});
  auto f = facts(rdns::RdnsStatus::Ok, "host7.isp.example");
  const auto qs = policy::plan(c, f);
  REQUIRE(qs.size() == 4);  // the two neighbours, then the DUHL source's A and MX
  auto ptr = [](const char* name) { return dns::Answer{dns::Status::Ok, {dns::Record{dns::RrType::PTR, 60, name}}, 0, ""}; };
  const auto pooled = policy::gather(c, f, {ptr("dsl-203-0-113-6.isp.example"), ptr("dsl-203-0-113-8.isp.example")});
  REQUIRE(pooled.signals.size() == 1);
  CHECK(pooled.signals[0].name == "neighbours-pooled");
  CHECK(pooled.signals[0].weight == 1);
  const auto failed = policy::gather(c, f, {ptr("dsl-203-0-113-6.isp.example"), dns::Answer::failure(dns::Status::ServFail, "x")});
  REQUIRE(failed.signals.size() == 1);
  CHECK(failed.signals[0].weight == 0);  // a failure says nothing (shown as a note)
  CHECK(failed.signals[0].reason == "neighbour 203.0.113.8 not known: servfail");
  auto off = c;
  off.rdns_weights.push_back(*rdns::WeightSetting::parse("neighbours-pooled=0", nullptr));
  CHECK(policy::plan(off, f).size() == 2);  // 0 turns the neighbour lookups off (the DUHL A and MX stay)
  CHECK(policy::plan(off, f)[0].type == dns::RrType::A);
}

TEST_CASE("decisive evidence: what the verdict could not have reached the threshold without", "[evidence][decisive]") {
  auto c = with_lists({"a.test*3", "b.test*3"});
  auto f = facts(rdns::RdnsStatus::Ok, "mail.example.org");
  // Two lists of weight 3 each: either alone reaches 3, so neither decided.
  auto v = policy::decide(c, f, {a("127.0.0.2"), a("127.0.0.2")});
  CHECK(v.score == 6);
  CHECK(v.decisive.empty());
  CHECK(policy::evidence_hits(v).size() == 2);
  // One list and a signal of 1 (HELO an address): the list decided, the signal did not.
  f.helo = "[203.0.113.7]";
  v = policy::decide(c, f, {a("127.0.0.2"), nx()});
  CHECK(v.score == 4);
  CHECK(v.decisive == std::vector<std::string>{"a.test"});
  // Under the threshold nothing decides.
  v = policy::decide(c, f, {nx(), nx()});
  CHECK(v.decisive.empty());
}

TEST_CASE("{txt}: the list's TXT is asked only when the reply shows it, and an empty line is left out",
          "[evidence][txt]") {
  auto c = with_lists({"a.test*3"});
  auto f = facts(rdns::RdnsStatus::Ok, "mail.example.org");
  REQUIRE(policy::plan(c, f).size() == 3);  // the default reply has no {txt}: no TXT query (A, MX: DUHL)
  c.reply_text = *policy::ReplyTemplate::parse("Your IP address {ip} is listed.\\n{txt}", nullptr);
  const auto qs = policy::plan(c, f);
  REQUIRE(qs.size() == 4);
  CHECK(qs[1] == dns::Question{"7.113.0.203.a.test", dns::RrType::TXT});
  const dns::Answer txt{dns::Status::Ok, {dns::Record{dns::RrType::TXT, 60, "See https://lists.example/7\r\n"}}, 0, ""};
  auto v = policy::decide(c, f, {a("127.0.0.2"), txt});
  REQUIRE(v.reply);
  CHECK(v.reply->text == "Your IP address 203.0.113.7 is listed.\nSee https://lists.example/7??");  // sanitised
  v = policy::decide(c, f, {a("127.0.0.2"), nx()});  // no text: the {txt} line goes
  REQUIRE(v.reply);
  CHECK(v.reply->text == "Your IP address 203.0.113.7 is listed.");
}

TEST_CASE("DUHL rules: mx-confirmed from the name's or the HELO's MX, a-ttl-short from the name's address", "[evidence][duhl]") {
  const auto c = with_lists({});
  auto f = facts(rdns::RdnsStatus::Ok, "mail.example.org");
  auto mx = [](const char* host) { return dns::Answer{dns::Status::Ok, {dns::Record{dns::RrType::MX, 86400, host}}, 0, ""}; };
  auto addr = [](const char* ip, std::uint32_t ttl) { return dns::Answer{dns::Status::Ok, {dns::Record{dns::RrType::A, ttl, ip}}, 0, ""}; };
  // The DUHL signals among the evidence (the name checks add a weight-0 note for "mail").
  auto duhl = [](policy::Evidence e) {
    std::erase_if(e.signals, [](const rdns::Signal& s) { return s.name != "mx-confirmed" && s.name != "a-ttl-short"; });
    return e;
  };
  // The neighbours are not asked around a server's name: the plan is the name's A, then the MX.
  REQUIRE(policy::plan(c, f).size() == 2);
  auto e = duhl(policy::gather(c, f, {addr("203.0.113.7", 86400), mx("mail.example.org")}));
  REQUIRE(e.signals.size() == 1);
  CHECK(e.signals[0].name == "mx-confirmed");
  CHECK(e.signals[0].weight == -2);
  CHECK(e.signals[0].reason == "the client's name mail.example.org is an MX host of example.org");
  e = duhl(policy::gather(c, f, {addr("203.0.113.7", 300), mx("other.example.org")}));
  REQUIRE(e.signals.size() == 1);
  CHECK(e.signals[0].name == "a-ttl-short");
  CHECK(e.signals[0].reason == "the address record of mail.example.org has a TTL of 300 s, under 43200 s");
  // A short TTL of a record that is not the client's address, or a failure, says nothing.
  CHECK(duhl(policy::gather(c, f, {addr("192.0.2.1", 300), dns::Answer::failure(dns::Status::ServFail, "x")})).signals.empty());
  // An unverified name is not confirmed by anything: nothing asked.
  CHECK(policy::plan(c, facts(rdns::RdnsStatus::Forged, "mail.example.org")).empty());
  // HELO: its MX names it, and it has the client's address.
  auto g = facts(rdns::RdnsStatus::NoPtr, "");
  g.helo = "mx1.client.example";
  const auto qs = policy::plan_helo(c, g);
  REQUIRE(qs.size() == 4);  // helo-unresolvable's A and AAAA, then the MX and the A
  e = policy::gather(c, g, {}, {}, {addr("203.0.113.7", 60), {}, mx("mx1.client.example"), addr("203.0.113.7", 60)});
  REQUIRE(e.signals.size() == 2);
  CHECK(e.signals[0].name == "no-ptr");
  CHECK(e.signals[1].name == "mx-confirmed");
  CHECK(e.signals[1].reason == "the HELO name mx1.client.example is an MX host of client.example and has the client's address");
  // A HELO name that is some other server's MX host, from another address: not confirmed.
  CHECK(policy::gather(c, g, {}, {}, {addr("192.0.2.9", 60), {}, mx("mx1.client.example"), addr("192.0.2.9", 60)}).signals.size() == 1);
}
