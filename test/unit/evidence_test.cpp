// The evidence seam: each source plans its own questions and judges only its own answers;
// gather() routes them and keeps the sources' order.
#include "options/options.hpp"
#include "policy/policy.hpp"
#include "rdns/neighbours.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>

using namespace dyn;

namespace {
config::Config with_lists(std::vector<std::string> lists) {
  auto c = config::default_config();
  c.dnsbls.clear();
  for (const auto& l : lists) c.dnsbls.push_back(*dnsbl::ZoneSpec::parse(l, nullptr));
  return c;
}
dns::Answer a(const char* value) {
  return dns::Answer{dns::Status::Ok, {dns::Record{dns::RrType::A, 60, value}}, 0, ""};
}
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
  const auto late = policy::gather(c, f);
  CHECK(late.lists[1].outcome.listing == dnsbl::Listing::Unknown);
  CHECK(late.could_add == 5);
}

TEST_CASE("a book of answers: each source finds its own questions' answers, in any order the batches held them",
          "[evidence]") {
  const auto c = with_lists({"a.test*2", "b.test*3"});
  auto f = facts(rdns::RdnsStatus::Ok, "mail.example.org");
  f.helo = "nowhere.example";
  const policy::Prepared p = policy::prepare(c);
  CHECK(p.sources.size() == policy::sources(c).size());
  // Two batches, as a transaction may hold them: the HELO questions first, the CONNECT ones
  // reversed; plus one nobody planned (it must not be handed to anyone).
  auto connect = policy::plan(c, f, &p), helo = policy::plan_helo(c, f, &p);
  std::reverse(connect.begin(), connect.end());
  connect.push_back(dns::Question{"stray.example", dns::RrType::A});
  const std::vector<dns::Answer> connect_answers{nx(), nx(), a("127.0.0.2"), nx(), a("127.0.0.2")};
  const std::vector<dns::Answer> helo_answers{nx(), nx(), nx(), nx()};
  policy::AnswerBook book;
  book.add(helo, helo_answers);
  book.add(connect, connect_answers);
  const auto e = policy::gather(c, f, book, {}, &p);
  REQUIRE(e.lists.size() == 2);
  CHECK(e.lists[0].outcome.listing == dnsbl::Listing::NotListed);  // a.test: the fourth of the reversed batch
  CHECK(e.lists[1].outcome.listing == dnsbl::Listing::Listed);     // b.test: the third
  CHECK(names(e.signals) == "server-word,helo-unresolvable");
  // The same answers in plan order give the same evidence.
  const auto in_order = policy::gather(c, f, {nx(), a("127.0.0.2"), nx(), nx()}, {}, {nx(), nx(), nx(), nx()});
  CHECK(names(in_order.signals) == names(e.signals));
  // HELO answers not believed: the HELO source hears nothing, so it says nothing.
  book.distrust_helo();
  CHECK(names(policy::gather(c, f, book, {}, &p).signals) == "server-word");
}

TEST_CASE("reverse-DNS facts and name checks: no PTR and forged count, a temporary failure never does",
          "[evidence][rdns]") {
  const auto c = with_lists({});
  using S = rdns::RdnsStatus;
  CHECK(names(policy::gather(c, facts(S::NoPtr, "", "[203.0.113.7]")).signals) == "no-ptr");
  CHECK(policy::gather(c, facts(S::TempFail, "", "dsl-203-0-113-7.pool.isp.example")).signals.empty());
  CHECK(names(policy::gather(c, facts(S::Forged, "dsl-203-0-113-7.pool.isp.example")).signals) ==
        "forged,ip-in-name,dynamic-word");
  // No macros: the CONNECT host name is judged.
  CHECK(names(policy::gather(c, facts(S::Unknown, "", "dsl-203-0-113-7.pool.isp.example")).signals) ==
        "ip-in-name,dynamic-word");
  CHECK(policy::judged_name(facts(S::Ok, "mx.example.org", "other.example")) == "mx.example.org");
  CHECK(policy::judged_name(facts(S::NoPtr, "", "other.example")).empty());
}

TEST_CASE("a short PTR TTL is its own source's signal", "[evidence]") {
  const auto c = with_lists({});
  auto f = facts(rdns::RdnsStatus::Ok, "h.example.org");
  f.ptr_ttl = 3600;
  CHECK(names(policy::gather(c, f).signals) == "ptr-ttl-short");
  f.ptr_ttl = 86400;
  CHECK(policy::gather(c, f).signals.empty());
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
  CHECK(rdns::pool_around("host7.isp.example",
                          {N{a6, "dsl-203-0-113-6.isp.example"}, N{a8, "dsl-203-0-113-8.isp.example"}}, &why));
  CHECK_FALSE(rdns::pool_around("mail.smallbiz.example",
                                {N{a6, "dsl-203-0-113-6.isp.example"}, N{a8, "dsl-203-0-113-8.isp.example"}}, &why));
  CHECK(why.find("not under smallbiz.example") != std::string::npos);  // its own domain: a business line
  CHECK_FALSE(rdns::pool_around("host7.isp.example",
                                {N{a6, "mail-203-0-113-6.isp.example"}, N{a8, "mail-203-0-113-8.isp.example"}}, &why));
  CHECK(why.find("named like a server") != std::string::npos);
  CHECK_FALSE(rdns::pool_around("host7.isp.example", {N{a6, "dsl-203-0-113-6.isp.example"}, N{a8, ""}}, &why));
  CHECK(why.find("has no name") != std::string::npos);
  CHECK_FALSE(rdns::pool_around("host7.isp.example",
                                {N{a6, "dsl-203-0-113-6.isp.example"}, N{a8, "cable-203-0-113-8.isp.example"}}, &why));
  CHECK(why == "the neighbours are named differently");
  CHECK_FALSE(rdns::pool_around("host7.isp.example",
                                {N{a6, "dsl-203-0-113-9.isp.example"}, N{a8, "dsl-203-0-113-8.isp.example"}}, &why));
  CHECK(why.find("does not carry its own address") != std::string::npos);
  CHECK_FALSE(rdns::pool_around("host7.co.uk",  // under a public suffix: other owners, not a pool
                                {N{a6, "dsl-203-0-113-6.co.uk"}, N{a8, "dsl-203-0-113-8.co.uk"}}, &why));
  CHECK(why.find("public suffix") != std::string::npos);
  CHECK_FALSE(rdns::pool_around("localhost",
                                {N{a6, "dsl-203-0-113-6.isp.example"}, N{a8, "dsl-203-0-113-8.isp.example"}}, &why));
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
  auto ptr = [](const char* name) {
    return dns::Answer{dns::Status::Ok, {dns::Record{dns::RrType::PTR, 60, name}}, 0, ""};
  };
  const auto pooled = policy::gather(c, f, {ptr("dsl-203-0-113-6.isp.example"), ptr("dsl-203-0-113-8.isp.example")});
  REQUIRE(pooled.signals.size() == 1);
  CHECK(pooled.signals[0].name == "neighbours-pooled");
  CHECK(pooled.signals[0].weight == 1);
  const auto failed =
      policy::gather(c, f, {ptr("dsl-203-0-113-6.isp.example"), dns::Answer::failure(dns::Status::ServFail, "x")});
  REQUIRE(failed.signals.size() == 1);
  CHECK(failed.signals[0].weight == 0);  // a failure says nothing (shown as a note)
  CHECK(failed.signals[0].reason == "neighbour 203.0.113.8 not known: servfail");
  auto off = c;
  off.rdns_weights.push_back(*policy::parse_weight_setting("neighbours-pooled=0", nullptr));
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
  c.reply_text = *smtp::ReplyTemplate::parse("Your IP address {ip} is listed.\\n{txt}", nullptr);
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

TEST_CASE("DUHL rules as DUHL wrote them: an MX host with MX, A and PTR TTLs of 12 hours, short TTLs earn nothing",
          "[evidence][duhl]") {
  const auto c = with_lists({});
  auto f = facts(rdns::RdnsStatus::Ok, "mail.example.org");
  auto mx = [](const char* host, std::uint32_t ttl = 86400) {
    return dns::Answer{dns::Status::Ok, {dns::Record{dns::RrType::MX, ttl, host}}, 0, ""};
  };
  auto addr = [](const char* ip, std::uint32_t ttl) {
    return dns::Answer{dns::Status::Ok, {dns::Record{dns::RrType::A, ttl, ip}}, 0, ""};
  };
  // The DUHL signals among the evidence (the name checks add a weight-0 note for "mail").
  auto duhl = [](policy::Evidence e) {
    std::erase_if(e.signals, [](const rdns::Signal& s) {
      return s.name.find("ttl") == std::string::npos && s.name != "mx-confirmed";
    });
    return e;
  };
  // The neighbours are not asked around a server's name: the plan is the name's A, then the MX.
  REQUIRE(policy::plan(c, f).size() == 2);
  struct Case {
    const char* what;
    dns::Answer address, mx;
    std::optional<std::uint32_t> ptr_ttl;
    const char* want;  // name(weight) of each DUHL signal
  };
  const Case cases[] = {
      {"all long", addr("203.0.113.7", 86400), mx("mail.example.org"), 86400, "mx-confirmed(-2)"},
      {"PTR TTL not known", addr("203.0.113.7", 86400), mx("mail.example.org"), std::nullopt, "mx-confirmed(-2)"},
      {"MX TTL short (dynamic DNS)", addr("203.0.113.7", 86400), mx("mail.example.org", 60), 86400, "mx-ttl-short(1)"},
      {"A TTL short", addr("203.0.113.7", 300), mx("mail.example.org"), 86400, "a-ttl-short(1) mx-confirmed(0)"},
      {"PTR TTL short", addr("203.0.113.7", 86400), mx("mail.example.org"), 300, "ptr-ttl-short(1) mx-confirmed(0)"},
      {"another MX host", addr("203.0.113.7", 300), mx("other.example.org"), 86400, "a-ttl-short(1)"},
      {"the name's A is elsewhere, the MX failed", addr("192.0.2.1", 300),
       dns::Answer::failure(dns::Status::ServFail, "x"), 86400, ""},
  };
  for (const auto& k : cases) {
    INFO(k.what);
    f.ptr_ttl = k.ptr_ttl;
    std::string got;
    for (const auto& s : duhl(policy::gather(c, f, {k.address, k.mx})).signals)
      got += (got.empty() ? "" : " ") + s.name + "(" + std::to_string(s.weight) + ")";
    CHECK(got == k.want);
  }
  f.ptr_ttl = 86400;
  const auto e = duhl(policy::gather(c, f, {addr("203.0.113.7", 86400), mx("mail.example.org")}));
  REQUIRE(e.signals.size() == 1);
  CHECK(e.signals[0].reason ==
        "the client's name mail.example.org is an MX host of example.org, with MX, address and "
        "PTR TTLs of 43200 s or more");
  // An unverified name is not confirmed by anything: nothing asked.
  CHECK(policy::plan(c, facts(rdns::RdnsStatus::Forged, "mail.example.org")).empty());
  // HELO: its MX names it and it has the client's address, with long TTLs; the client has a
  // verified name of its own (its provider's).
  auto g = facts(rdns::RdnsStatus::Ok, "host7.hoster.example");
  g.ptr_ttl = 86400;
  g.helo = "mx1.client.example";
  const auto qs = policy::plan_helo(c, g);
  REQUIRE(qs.size() == 4);  // helo-unresolvable's A and AAAA, then the MX and the A
  auto helo_case = [&](const policy::ClientFacts& facts, std::uint32_t ttl) {
    return duhl(policy::gather(
        c, facts, {}, {}, {addr("203.0.113.7", ttl), {}, mx("mx1.client.example", ttl), addr("203.0.113.7", ttl)}));
  };
  auto h = helo_case(g, 86400);
  REQUIRE(h.signals.size() == 1);
  CHECK(h.signals[0].name == "mx-confirmed");
  CHECK(h.signals[0].weight == -2);
  CHECK(h.signals[0].reason ==
        "the HELO name mx1.client.example is an MX host of client.example, with MX, address and "
        "PTR TTLs of 43200 s or more");
  // Dynamic DNS: MX and A with TTL 60 earn nothing but mx-ttl-short.
  h = helo_case(g, 60);
  REQUIRE(h.signals.size() == 1);
  CHECK(h.signals[0].name == "mx-ttl-short");
  // A home host with no PTR cannot buy the rule with its HELO name, whatever its TTLs.
  auto home = facts(rdns::RdnsStatus::NoPtr, "");
  home.helo = "mx1.client.example";
  CHECK(helo_case(home, 86400).signals.empty());
  // A HELO name that is some other server's MX host, from another address: not confirmed.
  CHECK(duhl(policy::gather(c, g, {}, {},
                            {addr("192.0.2.9", 86400), {}, mx("mx1.client.example"), addr("192.0.2.9", 86400)}))
            .signals.empty());
}

namespace {
// A book that answers each planned question with answer(question): the DNS world of one client.
struct World {
  std::vector<dns::Question> questions;
  std::vector<dns::Answer> answers;
  policy::AnswerBook book;
  template <class F>
  World(const config::Config& c, const policy::ClientFacts& f, F&& answer) {
    questions = policy::plan(c, f);
    for (auto& q : policy::plan_helo(c, f)) questions.push_back(std::move(q));
    for (const auto& q : questions) answers.push_back(answer(q));
    book.add(questions, answers);
  }
};
}  // namespace

TEST_CASE("strength: supporting evidence alone never refuses, whatever its sum, and the reply names what decided",
          "[evidence][strength]") {
  auto c = with_lists({"pbl.test"});
  // A forward-confirmed small business server, listed nowhere, with 300 s TTLs (as many clouds
  // use) and a HELO name that does not resolve: three supporting signals reach the threshold.
  auto smallbiz = [&](const char* name) {
    auto f = facts(rdns::RdnsStatus::Ok, name);
    f.ptr_ttl = 300;
    f.helo = "srv01.smallbiz.local";
    f.id = "ref0123456";
    return f;
  };
  auto world = [](std::string name) {
    return [name](const dns::Question& q) {
      if (q.name == name && q.type == dns::RrType::A)
        return dns::Answer{dns::Status::Ok, {dns::Record{dns::RrType::A, 300, "203.0.113.7"}}, 0, ""};
      return nx();
    };
  };
  auto f = smallbiz("mail.smallbiz.example");
  World w(c, f, world("mail.smallbiz.example"));
  auto v = policy::decide(c, f, w.book);
  CHECK(v.score == 3);
  CHECK(v.action == policy::Action::Accept);
  CHECK_FALSE(v.reached);
  CHECK(v.decisive.empty());
  CHECK(v.note == "score 3 from supporting evidence alone: not enough to refuse");
  CHECK(v.supporting_only);

  // The same client with a pool name is refused: pool words are primary.
  f = smallbiz("pool-17.smallbiz.example");
  World pool(c, f, world("pool-17.smallbiz.example"));
  v = policy::decide(c, f, pool.book);
  REQUIRE(v.action == policy::Action::Reject);
  CHECK(v.decisive == std::vector<std::string>{"dynamic-word"});
  REQUIRE(v.reply);
  CHECK(v.reply->text.find("(generic reverse DNS name pool-17.smallbiz.example)") != std::string::npos);

  // An operator who makes the HELO check primary refuses the first client, and the reply says
  // what decided: the TTLs and the HELO name, not the name "mail.smallbiz.example".
  c.signal_classes.push_back(*policy::parse_class_setting("helo-unresolvable=primary", nullptr));
  f = smallbiz("mail.smallbiz.example");
  v = policy::decide(c, f, w.book);
  REQUIRE(v.action == policy::Action::Reject);
  REQUIRE(v.reply);
  CHECK(v.reply->text ==
        "Your IP address 203.0.113.7 appears to be dynamically assigned (an unresolvable HELO name and short DNS TTLs "
        "(300 s)). Please smarthost your mail through your ISP's mail server. Mail to postmaster reaches a person; "
        "quote reference ref0123456.");
  // A supporting signal made primary and back: later settings win; unknown names are refused.
  c.signal_classes.push_back(*policy::parse_class_setting("helo-unresolvable=supporting", nullptr));
  CHECK(policy::decide(c, f, w.book).action == policy::Action::Accept);
  std::string why;
  CHECK_FALSE(policy::parse_class_setting("no-such-signal=primary", &why));
  CHECK(why.find("unknown signal") != std::string::npos);
  CHECK_FALSE(policy::parse_class_setting("no-ptr=strong", &why));
  CHECK(why == "bad class 'strong' (want primary or supporting)");
}

TEST_CASE("signals: each source declares its own, the settings change weights and classes by name", "[evidence]") {
  // Every signal a source may emit is declared once, with a weight, a class and words.
  std::vector<std::string_view> names;
  for (const auto* spec : policy::signal_catalog()) {
    CHECK_FALSE(spec->words.empty());
    CHECK(std::find(names.begin(), names.end(), spec->name) == names.end());
    names.push_back(spec->name);
  }
  for (const char* n : {"no-ptr", "forged", "ip-in-name", "ip-in-name-bare", "ip-in-name-partial", "dynamic-word",
                        "generic-word", "dynamic-domain", "device-id", "neighbours-pooled", "helo-ip",
                        "helo-unresolvable", "ptr-ttl-short", "mx-confirmed", "a-ttl-short", "mx-ttl-short"})
    CHECK(policy::find_signal(n) != nullptr);
  CHECK(names.size() == 16);
  CHECK(policy::find_signal("rule:x") == nullptr);

  std::string why;
  auto s = policy::parse_weight_setting("no-ptr=5", &why);
  REQUIRE(s);
  CHECK(s->to_string() == "no-ptr=5");
  CHECK_FALSE(policy::parse_weight_setting("nope=1", &why));
  CHECK(why.find("unknown signal") != std::string::npos);
  CHECK(why.find("mx-ttl-short") != std::string::npos);  // the error lists what is known
  CHECK_FALSE(policy::parse_weight_setting("no-ptr", &why));
  CHECK_FALSE(policy::parse_weight_setting("no-ptr=1.5", &why));

  // Defaults, then settings: later ones win; the name checks' share follows.
  auto settings = policy::default_weight_settings();
  CHECK(policy::Weights(settings).of("no-ptr") == 3);
  settings.push_back(*policy::parse_weight_setting("no-ptr=0", nullptr));
  settings.push_back(*policy::parse_weight_setting("ip-in-name=7", nullptr));
  const policy::Weights w(settings);
  CHECK(w.of("no-ptr") == 0);
  CHECK(w.of("mx-confirmed") == -2);
  CHECK(w.names().ip_in_name == 7);
  CHECK(w.names().dynamic_word == 3);
  CHECK(w.of("no-such") == 0);

  const policy::Classes defaults;
  CHECK(defaults.of("no-ptr") == rdns::Strength::Primary);
  CHECK(defaults.of("ptr-ttl-short") == rdns::Strength::Supporting);
  CHECK(defaults.of("rule:anything") == rdns::Strength::Primary);
  const policy::Classes changed({*policy::parse_class_setting("no-ptr=supporting", nullptr)});
  CHECK(changed.of("no-ptr") == rdns::Strength::Supporting);
}
