// Rules mined from labeled names (replay/propose.hpp): what they cover, what they must never
// cover whatever the input claims, the names set aside, and that the file written loads.
#include "rdns/name_words.hpp"
#include "replay/propose.hpp"
#include "rules/pattern.hpp"
#include "rules/rule_set.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace dyn;

namespace {

replay::LabeledName dyn_name(std::string n) { return {true, std::move(n), "Dec  1", "Dec  3", false}; }
replay::LabeledName server(std::string n) { return {false, std::move(n), {}, {}, false}; }

bool matches(const replay::ProposedRule& r, const std::string& name) {
  auto p = rules::Pattern::compile(r.pattern, rules::PatternOptions{}, nullptr);
  REQUIRE(p);
  return p->match(name) == rules::MatchResult::Match;
}

const replay::ProposedRule* rule_for(const replay::Proposal& p, std::string_view domain) {
  for (const auto& r : p.rules)
    if (r.domain == domain) return &r;
  return nullptr;
}

}  // namespace

TEST_CASE("mined rules: a provider's private encoding, generalised, anchored at its domain", "[propose]") {
  std::vector<replay::LabeledName> names;
  for (const char* n : {"p3764165-ipxg00h01tokaisakaetozai.aichi.ocn.ne.jp", "p1234567-ipxg00h01nagoya.aichi.ocn.ne.jp",
                        "p7654321-ipngn1101funabasi.chiba.ocn.ne.jp", "p2345678-ipngn1201marunouchi.tokyo.ocn.ne.jp",
                        "a151145.upc-a.chello.nl", "f140230.upc-f.chello.nl", "g96134.upc-g.chello.nl"})
    names.push_back(dyn_name(n));
  names.push_back(server("mfsmax.ocn.ne.jp"));
  const auto p = replay::propose_rules(names, replay::MiningOptions{});
  const auto* ocn = rule_for(p, "ocn.ne.jp");
  REQUIRE(ocn);
  CHECK(ocn->matched == 4);
  CHECK(ocn->adds == 4);
  CHECK(ocn->first_seen == "Dec  1");
  CHECK(matches(*ocn, "p9999999-ipxg00h01toyota.aichi.ocn.ne.jp"));  // unseen customer, unseen town
  CHECK_FALSE(matches(*ocn, "mfsmax.ocn.ne.jp"));
  CHECK_FALSE(matches(*ocn, "p3764165-ipxg00h01tokaisakaetozai.aichi.ocn.ne.jp.evil.example"));
  const auto* chello = rule_for(p, "chello.nl");
  REQUIRE(chello);
  CHECK(matches(*chello, "k10064.upc-k.chello.nl"));
  CHECK_FALSE(matches(*chello, "a151145.upc-a.chello.nl.example"));
  CHECK(replay::format_summary(p).find("ocn.ne.jp") != std::string::npos);
}

TEST_CASE("mined rules never cover a server word, a server seen, or another provider", "[propose]") {
  std::vector<replay::LabeledName> names;
  // Forged or mistaken labels: server names claimed dynamic. The rule that results must still
  // leave every name with a server word alone.
  for (const char* n : {"mail1.isp.example", "mail2.isp.example", "smtp3.isp.example", "mx4.isp.example",
                        "dsl-1-2-3-4.isp.example", "dsl-1-2-3-5.isp.example", "dsl-1-2-3-6.isp.example"})
    names.push_back(dyn_name(n));
  const auto p = replay::propose_rules(names, replay::MiningOptions{});
  REQUIRE_FALSE(p.rules.empty());
  for (const auto& r : p.rules) {
    INFO(r.pattern);
    for (const char* n : {"mail1.isp.example", "smtp9.isp.example", "mx1.isp.example", "relay-1-2-3-4.isp.example",
                          "static-1-2-3-4.isp.example", "dsl-1-2-3-4.other.example", "dsl-1-2-3-4.isp.example.com"})
      CHECK_FALSE(matches(r, n));
  }
  // Dynamic and server names of one shape: no rule, and the summary says why.
  std::vector<replay::LabeledName> same;
  for (int i = 0; i < 6; ++i) same.push_back(dyn_name("cpe-1-2-3-" + std::to_string(i) + ".cable.isp.example"));
  same.push_back(server("cpe-1-2-3-99.cable.isp.example"));
  const auto q = replay::propose_rules(same, replay::MiningOptions{});
  CHECK(q.rules.empty());
  REQUIRE(q.providers.size() == 1);
  CHECK(q.providers[0].note.find("share one shape") != std::string::npos);
  CHECK(q.providers[0].note.find("cpe-1-2-3-99.cable.isp.example") != std::string::npos);
  // Too few: no rule.
  const auto few = replay::propose_rules({dyn_name("a1.x.example"), dyn_name("a2.x.example")}, {});
  CHECK(few.rules.empty());
  CHECK(few.providers[0].note.find("fewer than") != std::string::npos);
}

TEST_CASE("names that cannot be mined are set aside with a reason, never a crash", "[propose]") {
  std::string deep;
  for (int i = 0; i < 300; ++i) deep += "a.";
  deep += "isp.example";
  for (const std::string& n :
       {std::string(""), std::string(300, 'a'), deep, std::string("xn--bcher-kva.isp.example"), std::string("1.2.3.4"),
        std::string("4.3.2.1.in-addr.arpa"), std::string("host name.isp.example"), std::string("localhost"),
        std::string("isp.example"), std::string("a\xff.isp.example")}) {
    INFO(n);
    CHECK_FALSE(replay::unminable(n).empty());
  }
  CHECK(replay::unminable("dsl-1-2-3-4.isp.example").empty());
  std::vector<replay::LabeledName> names = {dyn_name(deep), dyn_name("xn--bcher-kva.isp.example"), dyn_name("1.2.3.4")};
  const auto p = replay::propose_rules(names, {});
  CHECK(p.names == 3);
  CHECK(p.skipped.size() == 3);
  CHECK(replay::format_summary(p).find("set aside") != std::string::npos);
}

TEST_CASE("the rule file written loads as dynmilter loads it, examples checked", "[propose]") {
  std::vector<replay::LabeledName> names;
  for (int i = 0; i < 8; ++i) names.push_back(dyn_name("host-10-0-" + std::to_string(i) + "-9.pool.isp.example"));
  names.push_back(server("mail.isp.example"));
  const auto p = replay::propose_rules(names, {});
  REQUIRE(p.rules.size() == 1);
  const auto text = replay::format_rule_file(p, "a test", 3);
  CHECK(text.find("action-for = rule:NAME=log") != std::string::npos);
  CHECK(text.find("nomatch = mail.isp.example") != std::string::npos);
  std::istringstream in(text);
  const auto loaded = rules::parse_rule_file(in, "mined.rules");
  REQUIRE(loaded.size() == 1);
  // Repeats are counted, not kept twice; memory stays with distinct names.
  replay::RuleMiner miner({});
  for (int k = 0; k < 1000; ++k) miner.add(dyn_name("host-10-0-1-9.pool.isp.example"));
  const auto once = miner.finish();
  CHECK(once.providers.at(0).dynamic == 1000);
  CHECK(once.rules.empty());  // one distinct name is not enough
}
