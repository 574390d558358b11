// Rule files and Postfix pcre_tables: what loads, what is refused with file:line, and
// Postfix's lookup semantics (first match wins, if/endif, negation, flags).
#include "options/options.hpp"
#include "policy/policy.hpp"
#include "rules/rule_set.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <sstream>

using namespace dyn;

namespace {
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/dynmilter-rules-XXXXXX";
    ::close(::mkstemp(name));
    path = name;
    std::ofstream(path) << text;
  }
  ~TempFile() { ::unlink(path.c_str()); }
};
std::string load_error(const std::string& text, bool table = false) {
  TempFile f(text);
  try {
    if (table)
      rules::load_pcre_table(f.path);
    else
      rules::load_rule_file(f.path);
  } catch (const rules::Error& e) {
    std::string m = e.what();
    return m.rfind(f.path, 0) == 0 ? m.substr(f.path.size()) : m;
  }
  return "";
}
}  // namespace

TEST_CASE("a rule file loads, examples are checked, hits carry file:line", "[rules]") {
  TempFile f(
      "# an ISP's pools\n"
      "[example-isp-dsl]\n"
      "pattern = /^dsl-[0-9-]+\\.pool\\.isp\\.example$/\n"
      "weight = 3\n"
      "reason = Example ISP's residential DSL pool\n"
      "match = dsl-203-0-113-7.pool.isp.example\n"
      "match = DSL-1-2-3-4.POOL.ISP.EXAMPLE\n"
      "nomatch = mail.isp.example\n"
      "\n"
      "[example-isp-business]\n"
      "pattern = /\\.biz\\.isp\\.example$/\n"
      "weight = -3\n"
      "reason = Example ISP's business lines are static\n"
      "\n"
      "[embedded-on-cable]\n"
      "check = ip-in-name\n"
      "pattern = /\\.cable\\.isp\\.example$/\n"
      "weight = 2\n"
      "reason = address in a cable pool name\n"
      "match = c-203-0-113-7.cable.isp.example 203.0.113.7\n"
      "nomatch = c-203-0-113-8.cable.isp.example 203.0.113.7\n");
  const auto set = rules::RuleSet::load({f.path}, {}, 3);
  auto hits = set.evaluate("dsl-9-9-9-9.pool.isp.example", std::nullopt);
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].rule == "example-isp-dsl");
  CHECK(hits[0].where == f.path + ":2");
  CHECK(hits[0].weight == 3);
  CHECK(set.evaluate("x.biz.isp.example", std::nullopt).at(0).weight == -3);
  CHECK(set.evaluate("c-203-0-113-7.cable.isp.example", net::IpAddress::parse("203.0.113.7")).size() == 1);
  CHECK(set.evaluate("c-203-0-113-7.cable.isp.example", std::nullopt).empty());  // the check needs the address
}

TEST_CASE("bad rule files are refused with file:line", "[rules]") {
  struct Case {
    std::string text;
    const char* want;
  };
  const Case cases[] = {
      {"pattern = /x/\n", ":1: 'pattern' outside a rule"},
      {"[a]\npattern = x\n", ":2: a pattern is written /regex/"},
      {"[a]\npattern = /(/\n", ":2: bad regular expression"},
      {"[a]\npattern = /x/\nweight = lots\n", ":3: bad weight 'lots'"},
      {"[a]\npattern = /x/\nreason = r\n", ":1: rule 'a' has no weight"},
      {"[a]\nweight = 1\nreason = r\n", ":1: rule 'a' has neither a pattern nor a check"},
      {"[a]\npattern = /x/\nweight = 1\n", ":1: rule 'a' has no reason"},
      {"[a]\npattern = /^dsl/\nweight = 1\nreason = r\nmatch = mail.example\n",
       ":5: example 'mail.example' does not match rule 'a'"},
      {"[a]\npattern = /dsl/\nweight = 1\nreason = r\nnomatch = dsl.example\n",
       ":5: counter-example 'dsl.example' matches rule 'a'"},
      {"[a]\npattern = /x/\nweight = 1\nreason = r\ncolour = red\n", ":5: unknown key 'colour'"},
      {"[a b]\n", ":1: bad rule name 'a b'"},
      {"[a]\npattern = /x/\nweight = 1\nreason = r\n[a]\n", ":5: rule 'a' already defined"},
      {"[a]\ncheck = ptr-ttl\n", ":2: unknown check 'ptr-ttl'"},
      {"[a]\npattern = /x/\nweight = 1\nreason = r\nmatch = x.example 999.1.1.1\n", ":5: not an IP address in example"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const auto err = load_error(c.text);
    INFO("got: " << err);
    CHECK(err.rfind(c.want, 0) == 0);
  }
  CHECK(load_error("", false).empty());  // an empty file is fine
  // Text already read (what the fuzz target uses) is named as given.
  std::istringstream text("[a]\npattern = /x/\nweight = lots\n");
  CHECK_THROWS_WITH(rules::parse_rule_file(text, "mine.rules"), Catch::StartsWith("mine.rules:3: bad weight 'lots'"));
  std::istringstream table("/^dsl/ REJECT\n/(/ REJECT\n");
  const auto t = rules::parse_pcre_table(table, "mine.pcre");
  CHECK(t.entries.size() == 1);
  REQUIRE(t.warnings.size() == 1);
  CHECK(t.warnings[0].rfind("mine.pcre:2: ", 0) == 0);
}

TEST_CASE("pcre_table: first match wins, DUNNO stops, only REJECT counts", "[rules][pcre]") {
  TempFile f(
      "# comment\n"
      "/^mail\\./          DUNNO\n"
      "/^dsl-/i            REJECT Generic - Please relay via ISP\n"
      "/dsl/               OK\n"
      "/^cable-/           550 5.7.1 no cable\n"
      "/^warn-/            WARN just looking\n");
  const auto t = rules::load_pcre_table(f.path);
  CHECK(t.lookup("mail.dsl-1.example")->first == "DUNNO");
  CHECK(t.lookup("dsl-1.example")->first == "REJECT Generic - Please relay via ISP");
  CHECK(t.lookup("DSL-1.example")->first == "OK");  // 'i' made line 3 case-sensitive; line 4 (caseless) matches
  CHECK(t.lookup("x-dsl.example")->first == "OK");
  CHECK_FALSE(t.lookup("other.example"));
  const auto set = rules::RuleSet::load({}, {f.path}, 4);
  CHECK(set.evaluate("mail.dsl-1.example", std::nullopt).empty());
  CHECK(set.evaluate("dsl-1.example", std::nullopt).at(0).weight == 4);
  CHECK(set.evaluate("dsl-1.example", std::nullopt).at(0).where == f.path + ":3");
  CHECK(set.evaluate("cable-1.example", std::nullopt).size() == 1);
  CHECK(set.evaluate("warn-1.example", std::nullopt).empty());
}

TEST_CASE("pcre_table: flags toggle, default is case-insensitive", "[rules][pcre]") {
  TempFile f("/^abc/ REJECT one\n/^XYZ/i REJECT two\n");
  const auto t = rules::load_pcre_table(f.path);
  CHECK(t.lookup("ABC.example"));  // caseless by default
  CHECK(t.lookup("XYZ.example"));
  CHECK_FALSE(t.lookup("xyz.example"));  // i made it case-sensitive
}

TEST_CASE("pcre_table: if/endif nest, ! negates, continuation lines join", "[rules][pcre]") {
  TempFile f(
      "if /\\.isp\\.example$/\n"
      "  # a comment inside\n"
      "if !/^mail/\n"
      "/^dsl/ REJECT\n"
      "    dsl in isp\n"
      "endif\n"
      "endif\n"
      "%^dsl% REJECT other delimiter\n");
  const auto t = rules::load_pcre_table(f.path);
  CHECK(t.lookup("dsl-1.isp.example")->first == "REJECT dsl in isp");
  CHECK(t.lookup("dsl-1.elsewhere.example")->first == "REJECT other delimiter");
  CHECK_FALSE(t.lookup("mail.isp.example"));
}

TEST_CASE("pcre_table: a broken line is skipped with a warning, as Postfix does", "[rules][pcre]") {
  TempFile f("/^ok/ REJECT fine\n/(/ REJECT broken\nendif\n/^x/ whoops-no-result-is-fine REJECT\n/^y/\n");
  const auto t = rules::load_pcre_table(f.path);
  REQUIRE(t.warnings.size() == 3);
  CHECK(t.warnings[0].find(f.path + ":2: bad regular expression") == 0);
  CHECK(t.warnings[1].find(f.path + ":3: endif without if") == 0);
  CHECK(t.warnings[2].find(f.path + ":5: pattern without a result") == 0);
  CHECK(t.lookup("ok.example"));
  CHECK(t.lookup("x.example")->first == "whoops-no-result-is-fine REJECT");
  CHECK_FALSE(rules::is_reject_result(t.lookup("x.example")->first));
}

TEST_CASE("a catastrophic pattern fails its match instead of hanging", "[rules]") {
  std::string why;
  auto p = rules::Pattern::compile("^(a+)+$", rules::PatternOptions{}, &why);
  REQUIRE(p);
  const std::string evil = std::string(40, 'a') + "!";
  CHECK(p->match(evil) != rules::MatchResult::Match);
  CHECK(p->match("aaaa") == rules::MatchResult::Match);
}

TEST_CASE("rule hits become verdict signals with file:line, no PTR gives rules nothing to judge", "[rules]") {
  TempFile f("[pool]\npattern = /\\.pool\\.isp\\.example$/\nweight = 3\nreason = pool of Example ISP\n");
  auto c = config::default_config();
  c.dnsbls.clear();
  c.rules = std::make_shared<const rules::RuleSet>(rules::RuleSet::load({f.path}, {}, 3));
  policy::ClientFacts facts{net::IpAddress::parse("203.0.113.7"), "h7.pool.isp.example"};
  auto v = policy::decide(c, facts);
  CHECK(v.action == policy::Action::Reject);
  bool found = false;
  for (const auto& s : v.signals)
    found = found || (s.name == "rule:pool" && s.reason.find(f.path + ":1") != std::string::npos);
  CHECK(found);
  facts.rdns = {rdns::RdnsStatus::TempFail, ""};
  CHECK(policy::decide(c, facts).action == policy::Action::Accept);
}

TEST_CASE("required literals are ones every match must contain", "[rules][index]") {
  struct Case {
    const char* re;
    const char* want;
  };
  const Case cases[] = {
      {"\\.dynamicIP\\.rima-tde\\.net$", ".dynamicip.rima-tde.net"},
      {"^[12]?[0-9]{1,2}(-[12]?[0-9]{1,2}){3}\\.(net|cab)\\.prima\\.net\\.ar$", ".prima.net.ar"},
      {"d[iy]n(amic|amicIP|adsl)?[.-_]?.[0-9]{0,3}[.-]", ""},  // braces are a quantifier, not "0,3"
      {"([0-9]{1,3}[.-]){2,4}.[.-]d[iy]namic[ao]", "namic"},
      {"dial(in|up)?[0-9]?[.-]", "dial"},
      {"abcd?ef", "abc"},                 // d is optional
      {"ab+cdef", "cdef"},                // b at least once: runs "ab" and "cdef"; the longest is kept
      {"dsl|cable", ""},                  // a top-level alternative requires nothing
      {"(?i)pool\\.example", ""},         // inline options: give up
      {"x\\d+abc", "abc"},                // \d is a class, not a literal
      {"pool\\.exam{2}ple", "pool.exa"},  // the m before {2} is left out: conservative
      // Braces that are not {n}, {n,} or {n,m} are literal characters, and what they hold counts:
      // here a top-level '|' with empty alternatives, so every name matches (found by the fuzzer).
      {"(cable|d0)ls9[-]{pp|||t}1,3}\\.", ""},
      {"dsl{x}pool\\.example", "pool.example"},
      {"pool\\.exa{,3}mple", "pool.ex"},  // {,3}: a quantifier from PCRE2 10.43; the a is left out
  };
  for (const auto& c : cases) {
    INFO(c.re);
    CHECK(rules::required_literal(c.re, false) == c.want);
  }
  CHECK(rules::required_literal("pool\\.example", true).empty());  // extended mode: give up
  CHECK(rules::required_literal("dsl\\Q.x\\E", false).empty());    // \Q..\E quoting: give up (found by fuzzing)
}

TEST_CASE("the literal index finds every pattern whose literal occurs, case-insensitively", "[rules][index]") {
  rules::LiteralIndex idx({".pool.isp.example", "", "dsl-", "isp.example"});
  std::vector<std::uint32_t> c;
  idx.candidate_list("DSL-1.POOL.ISP.EXAMPLE", c);
  CHECK(c == std::vector<std::uint32_t>{0, 1, 2, 3});
  idx.candidate_list("mail.isp.example", c);
  CHECK(c == std::vector<std::uint32_t>{1, 3});
  idx.candidate_list("", c);
  CHECK(c == std::vector<std::uint32_t>{1});
}
