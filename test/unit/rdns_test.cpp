// Reverse-DNS checks: the client's address in its name in every common spelling, pool and server
// words, the MTA's macros normalised, and names that must pass (the costly error is rejecting a
// real mail server). Example names are made up in the shapes ISPs use, not copied from any list.
#include "rdns/classify.hpp"
#include "rdns/facts.hpp"
#include "rdns/ip_in_name.hpp"
#include "rdns/name_words.hpp"

#include <catch2/catch.hpp>
#include <libpsl.h>

#include <algorithm>
#include <fstream>

using namespace dyn;
using rdns::Embedding;

namespace {
net::IpAddress ip(const char* s) { return *net::IpAddress::parse(s); }
std::string signal_names(const std::vector<rdns::Signal>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s.name;
  return out;
}
}  // namespace

TEST_CASE("the IPv4 address is found in each common spelling", "[rdns]") {
  struct Case {
    const char* name;
    const char* addr;
    Embedding want;
  };
  const Case cases[] = {
      {"dsl-203-0-113-7.pool.isp.example", "203.0.113.7", Embedding::Full},  // dashed
      {"203.0.113.7.cust.isp.example", "203.0.113.7", Embedding::Full},      // dotted
      {"7.113.0.203.dyn.isp.example", "203.0.113.7", Embedding::Full},       // reversed
      {"203-000-113-007.res.isp.example", "203.0.113.7", Embedding::Full},   // zero-padded
      {"c203000113007.cable.isp.example", "203.0.113.7", Embedding::Full},   // run together, padded
      {"dyn20301137.isp.example", "203.0.113.7", Embedding::Full},           // run together (plain)
      {"cpe-cb007107.isp.example", "203.0.113.7", Embedding::Full},          // hex
      {"0x077100cb.isp.example", "203.0.113.7", Embedding::Full},            // hex, reversed
      {"n203000113007.isp.example", "203.0.113.7", Embedding::Full},         // run together, padded
      {"n20300011307.isp.example", "203.0.113.7", Embedding::Full},          // run together, mixed padding
      {"a-113-7.w203-0.isp.example", "203.0.113.7", Embedding::Full},        // in two halves
      {"a-113-8.w203-0.isp.example", "203.0.113.7", Embedding::None},        // one half is wrong
      {"ip-203-0-113.pool.isp.example", "203.0.113.7", Embedding::Partial},  // three octets
      {"host7.isp.example", "203.0.113.7", Embedding::None},
      {"mail.example.net", "203.0.113.7", Embedding::None},
      {"a-1-2-3-4.isp.example", "203.0.113.7", Embedding::None},
      {"DSL-203-0-113-7.Pool.ISP.Example.", "203.0.113.7", Embedding::Full},  // case, trailing dot
  };
  for (const auto& c : cases) {
    INFO(c.name << " for " << c.addr);
    CHECK(rdns::find_ip_in_name(c.name, ip(c.addr)).level == c.want);
  }
}

TEST_CASE("the IPv6 address is found as groups or nibbles", "[rdns]") {
  const auto a = ip("2001:db8:1c00:570d:d118:5ff5:6236:8e43");
  CHECK(rdns::find_ip_in_name("2001-db8-1c00-570d-d118-5ff5-6236-8e43.cable.dyn.isp.example", a).level ==
        Embedding::Full);
  CHECK(rdns::find_ip_in_name("20010db81c00570dd1185ff562368e43.pool.isp.example", a).level == Embedding::Full);
  CHECK(rdns::find_ip_in_name("3.4.e.8.6.3.2.6.5.f.f.5.8.1.1.d.d.0.7.5.0.0.c.1.8.b.d.0.1.0.0.2.ip6.isp.example", a)
            .level == Embedding::Full);
  CHECK(rdns::find_ip_in_name("d1185ff562368e43.pool.isp.example", a).level == Embedding::Partial);
  CHECK(rdns::find_ip_in_name("mail.isp.example", a).level == Embedding::None);
}

TEST_CASE("names split into host part, registrable domain and words", "[rdns]") {
  auto w = rdns::split_name("dsl-203-0-113-7.pool.isp.example");
  CHECK(w.host == "dsl-203-0-113-7.pool");
  CHECK(w.domain == "isp.example");
  CHECK(std::vector<std::string>(w.words.begin(), w.words.end()) == std::vector<std::string>{"dsl", "pool"});
  w = rdns::split_name("c1.cust.isp.co.uk");
  CHECK(w.domain == "isp.co.uk");
  CHECK(w.host == "c1.cust");
  // Case, trailing dots, and names too short to have a host part.
  w = rdns::split_name("PC-7.Dyn.ISP.Example..");
  CHECK(w.host == "pc-7.dyn");
  CHECK(w.domain == "isp.example");
  CHECK(std::vector<std::string>(w.words.begin(), w.words.end()) == std::vector<std::string>{"pc", "dyn"});
  for (const char* whole : {"isp.co.uk", "co.uk", "example", "", ".", "isp.example"}) {
    INFO(whole);
    w = rdns::split_name(whole);
    CHECK(w.host.empty());
    CHECK(w.words.empty());
    CHECK(w.domain == rdns::registrable_domain(whole));
  }
  CHECK(rdns::registrable_domain("isp.co.uk") == "isp.co.uk");
  CHECK(rdns::registrable_domain("a.b.isp.com.au") == "isp.com.au");
  CHECK(rdns::registrable_domain("host.isp.de") == "isp.de");       // two letters, not a generic second level
  CHECK(rdns::registrable_domain("a.co.example") == "co.example");  // the country code must be two letters
  CHECK(rdns::registrable_domain("Mail.Sender.Example.") == "sender.example");
  CHECK(rdns::split_name("a..isp.example").host == "a.");  // an empty label stays in place
  // The Public Suffix List (ICANN section): wildcards and exceptions, deep suffixes.
  CHECK(rdns::registrable_domain("x.y.z.kawasaki.jp") == "y.z.kawasaki.jp");    // *.kawasaki.jp
  CHECK(rdns::registrable_domain("x.city.kawasaki.jp") == "city.kawasaki.jp");  // !city.kawasaki.jp
  CHECK(rdns::registrable_domain("host.isp.co.ck") == "isp.co.ck");             // *.ck
  CHECK(rdns::registrable_domain("host.www.ck") == "www.ck");                   // !www.ck
  CHECK(rdns::registrable_domain("mail.cne.gob.ve") == "cne.gob.ve");
  CHECK(rdns::registrable_domain("p3764165-ipxg00h01tokaisakaetozai.aichi.ocn.ne.jp") == "ocn.ne.jp");
  // The private section is not a provider boundary: a provider names its own hosts there.
  CHECK(rdns::registrable_domain("ec2-1-2-3-4.compute-1.amazonaws.com") == "amazonaws.com");
  CHECK(rdns::split_name("ec2-1-2-3-4.compute-1.amazonaws.com").host == "ec2-1-2-3-4.compute-1");
  for (const std::string& odd : std::vector<std::string>{".com", "com", "..", "a.", std::string(300, 'a')}) {
    INFO(odd);
    CHECK(rdns::registrable_domain(odd).size() <= 300);  // no crash, no split beyond the name
  }
}

TEST_CASE("generic names of pools are dynamic, with reasons", "[rdns]") {
  const rdns::NameWeights w;
  struct Case {
    const char* name;
    const char* addr;
    const char* signals;
    int score;
  };
  const Case cases[] = {
      {"dsl-203-0-113-7.pool.isp.example", "203.0.113.7", "ip-in-name,dynamic-word", 6},
      {"203-0-113-7.isp.example", "203.0.113.7", "ip-in-name-bare", 2},  // hosting providers write this too
      {"cpe-cb007107.cable.isp.example", "203.0.113.7", "ip-in-name,dynamic-word", 6},
      {"ppp17.dialup.isp.example", "203.0.113.7", "dynamic-word", 3},
      {"h7.home.isp.example", "203.0.113.7", "generic-word", 1},
      {"a7.skybroadbandx.example", "203.0.113.7", "dynamic-domain", 1},
      // A cable modem's MAC address (after a vendor prefix) or a device serial in the first label.
      {"s01060011aabbccdd.cg.shawcablex.example", "203.0.113.7", "device-id,dynamic-domain", 3},
      {"h0011aabbccdd.ne.client2.isp.example", "203.0.113.7", "device-id,generic-word", 3},
      {"x0011aabbccdd.isp.example", "203.0.113.7", "device-id", 2},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto s = rdns::name_signals(c.name, ip(c.addr), w);
    CHECK(signal_names(s) == c.signals);
    CHECK(rdns::total(s) == c.score);
    for (const auto& sig : s) CHECK_FALSE(sig.reason.empty());
  }
}

TEST_CASE("a device id needs 12 to 16 hex digits with letters and digits, after at most two letters", "[rdns]") {
  const std::pair<const char*, bool> cases[] = {
      {"s01060011aabbccdd.cg.isp.example", true},  // prefix + MAC
      {"h0011aabbccdd.isp.example", true},        {"0011aabbccdd.isp.example", true},
      {"001122334455.isp.example", false},        // digits only: a run-together number, not an id
      {"aabbccddeeff.isp.example", false},        // letters only: a word-like string
      {"xyz0011aabbccdd.isp.example", false},     // three letters before it
      {"0011aabbccddeeff00.isp.example", false},  // 18 hex digits
      {"h0011aabbcc.isp.example", false},         // 10 hex digits
      {"mail0011aabbccdd.isp.example", false},
  };
  for (const auto& [name, want] : cases) {
    INFO(name);
    CHECK(rdns::device_id(rdns::split_name(name)).empty() != want);
  }
}

TEST_CASE("server and hosting names pass, even with the address in them", "[rdns]") {
  const rdns::NameWeights w;
  // Shapes of real senders' names: outbound clusters, providers' relays, cloud instances.
  const std::pair<const char*, const char*> cases[] = {
      {"o203-0-113-7.outbound-mail.esp.example", "203.0.113.7"},
      {"203-0-113-7.mail-relay.social.example", "203.0.113.7"},
      {"out203-0-113-7.mail.bigmail.example", "203.0.113.7"},
      {"a113-7.smtp-out.region-2.esp.example", "203.0.113.7"},
      {"7.113.0.203.bc.googleusercontent.com", "203.0.113.7"},
      {"ec2-203-0-113-7.compute-1.cloud.example", "203.0.113.7"},
      {"static-203-0-113-7.isp.example", "203.0.113.7"},
      {"mx1.example.org", "203.0.113.7"},
      {"smtp.business.isp.example", "203.0.113.7"},
  };
  for (const auto& [name, addr] : cases) {
    INFO(name);
    const auto s = rdns::name_signals(name, ip(addr), w);
    CHECK(rdns::total(s) == 0);
  }
}

TEST_CASE("a server word inside a longer word cancels nothing beside a whole pool word", "[rdns]") {
  const rdns::NameWeights w;
  // "cmta" (a cable head-end) is not an MTA when the name also says "dyn" outright.
  const auto s = rdns::name_signals("47-218-105-159.bcstcmta04.res.dyn.example.net", ip("47.218.105.159"), w);
  CHECK(rdns::total(s) >= 3);
  // Without a whole pool word the part still cancels ("smtprelay7" is a relay).
  CHECK(rdns::total(rdns::name_signals("smtprelay7.isp.example", ip("203.0.113.7"), w)) == 0);
  // A whole server word cancels whatever else the name says.
  CHECK(rdns::total(rdns::name_signals("mail.dsl.isp.example", ip("203.0.113.7"), w)) == 0);
}

TEST_CASE("the name's score is the sum of its signals' weights, none when a server word cancels them", "[rdns]") {
  const rdns::NameWeights w;
  const std::pair<const char*, const char*> cases[] = {{"dsl-203-0-113-7.pool.isp.example", "203.0.113.7"},
                                                       {"203-0-113-7.hoster.example", "203.0.113.7"},
                                                       {"7.sub-203-0-113.wireless.example", "203.0.113.7"},
                                                       {"cpe-ac1f6b2c9d40.cable.example", "203.0.113.7"},
                                                       {"user.isp.example", "203.0.113.7"},
                                                       {"host.skybroadband.example", "203.0.113.7"},
                                                       {"mail.example.org", "203.0.113.7"},
                                                       {"smtp-203-0-113-7.isp.example", "203.0.113.7"},
                                                       {"example", "203.0.113.7"},
                                                       {"[203.0.113.7]", "203.0.113.7"}};
  for (const auto& [name, ip] : cases) {
    INFO(name);
    const auto address = net::IpAddress::parse(ip);
    const auto signals = rdns::name_signals(name, address, w);
    const bool cancelled = !signals.empty() && signals.front().name == "server-word";
    const auto score = rdns::name_score(name, address, w);
    CHECK(score.has_value() == !cancelled);
    if (score) CHECK(*score == rdns::total(signals));
  }
  CHECK(rdns::name_score("dsl-203-0-113-7.pool.isp.example", net::IpAddress::parse("203.0.113.7"), w) ==
        w.ip_in_name + w.dynamic_word);
  CHECK_FALSE(rdns::name_score("mail.example.org", std::nullopt, w).has_value());
}

TEST_CASE("odd names give no signal and no crash", "[rdns]") {
  const rdns::NameWeights w;
  for (const char* name : {"", "unknown", "[203.0.113.7]", "localhost", ".", "..", "b\xc3\xbcro.example",
                           "name with space.example", "xn--bro-hoa.example"}) {
    INFO(name);
    CHECK(rdns::total(rdns::name_signals(name, ip("203.0.113.7"), w)) == 0);
  }
  CHECK(rdns::name_signals(std::string(300, 'a') + ".example", ip("203.0.113.7"), w).empty());
  CHECK(rdns::plausible_host_name("dsl-1.isp.example."));
}

TEST_CASE("MTA macros normalise to Ok, Forged, NoPtr, TempFail", "[rdns]") {
  using S = rdns::RdnsStatus;
  auto f = [](std::optional<std::string> name, std::optional<std::string> ptr, std::optional<std::string> resolve,
              std::string host = "h") {
    return rdns::from_macros({std::move(name), std::move(ptr), std::move(resolve), host});
  };
  // Sendmail and Postfix (which sends client_resolve when asked through smfi_setsymlist).
  CHECK(f("dsl-1.isp.example", "dsl-1.isp.example", "OK").status == S::Ok);
  CHECK(f("dsl-1.isp.example", "dsl-1.isp.example", "OK").name == "dsl-1.isp.example");
  CHECK(f("unknown", "fake.isp.example", "FORGED").status == S::Forged);
  CHECK(f("unknown", "fake.isp.example", "FORGED").name == "fake.isp.example");
  CHECK(f("unknown", "localhost", "FAIL").status == S::NoPtr);  // Postfix keeps a stale client_ptr after XCLIENT
  CHECK(f("unknown", "localhost", "FAIL").name.empty());
  CHECK(f("unknown", "unknown", "TEMP").status == S::TempFail);
  // Postfix without client_resolve.
  CHECK(f("mail.example.net", "mail.example.net", std::nullopt).status == S::Ok);
  CHECK(f("unknown", "fake.isp.example", std::nullopt).status == S::Forged);
  CHECK(f("unknown", "unknown", std::nullopt).status == S::NoPtr);
  // Nothing sent, or nonsense.
  CHECK(f(std::nullopt, std::nullopt, std::nullopt).status == S::Unknown);
  CHECK(f("unknown", std::nullopt, "MAYBE").status == S::Unknown);
}

TEST_CASE("our own forward confirmation: Ok, Forged, NoPtr, and failures that say nothing", "[rdns]") {
  using S = rdns::RdnsStatus;
  const auto a = ip("203.0.113.7");
  const dns::Answer ptr{dns::Status::Ok, {dns::Record{dns::RrType::PTR, 300, "dsl-7.pool.isp.example"}}, 0, ""};
  const dns::Answer fwd_ok{dns::Status::Ok, {dns::Record{dns::RrType::A, 300, "203.0.113.7"}}, 0, ""};
  const dns::Answer fwd_other{dns::Status::Ok, {dns::Record{dns::RrType::A, 300, "198.51.100.1"}}, 0, ""};
  const dns::Answer nodata{dns::Status::NoData, {}, 0, ""};
  const dns::Answer nx{dns::Status::NxDomain, {}, 0, ""};
  const auto fail = dns::Answer::failure(dns::Status::ServFail, "x");
  CHECK(rdns::confirm(ptr, {fwd_ok, nodata}, a).status == S::Ok);
  CHECK(rdns::confirm(ptr, {fwd_ok, nodata}, a).name == "dsl-7.pool.isp.example");
  CHECK(rdns::confirm(ptr, {fwd_other, nodata}, a).status == S::Forged);
  CHECK(rdns::confirm(ptr, {nx, nx}, a).status == S::Forged);
  CHECK(rdns::confirm(ptr, {fail, nodata}, a).status == S::Unknown);  // can't tell
  CHECK(rdns::confirm(ptr, {fail, fwd_ok}, a).status == S::Ok);       // one family confirms
  CHECK(rdns::confirm(nx, {}, a).status == S::NoPtr);
  CHECK(rdns::confirm(nodata, {}, a).status == S::NoPtr);
  CHECK(rdns::confirm(fail, {}, a).status == S::Unknown);
}

TEST_CASE("the Public Suffix List's shape that registrable_domain relies on: long rules have public parents",
          "[rdns]") {
  // registrable_domain asks about a suffix of more than three labels only when its parent is a
  // public suffix. True when every ICANN rule of four labels or more has a public parent.
  std::ifstream in("/usr/share/publicsuffix/public_suffix_list.dat");
  if (!in) {
    WARN("no /usr/share/publicsuffix/public_suffix_list.dat (package publicsuffix): not checked");
    return;
  }
  psl_ctx_t* psl = psl_latest(nullptr);
  REQUIRE(psl);
  std::string line;
  int long_rules = 0;
  while (std::getline(in, line)) {
    if (line.find("===BEGIN PRIVATE DOMAINS===") != std::string::npos) break;
    if (line.empty() || line.starts_with("//") || line.starts_with("!")) continue;
    if (std::count(line.begin(), line.end(), '.') < 3) continue;  // three labels or fewer
    ++long_rules;
    const std::string parent = line.substr(line.find('.') + 1);
    INFO(line);
    CHECK(psl_is_public_suffix2(psl, parent.c_str(), PSL_TYPE_ICANN));
  }
  CHECK(long_rules > 0);
  psl_free(psl);
}
