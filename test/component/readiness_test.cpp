// dynmilter-check --sender: the readiness check of a sending domain against the fake DNS server,
// serving an authoritative zone with chosen TTLs: one domain that passes every rule, then one
// failure of each rule in turn; temporary failures are unknown, never fail.
#include "options/options.hpp"
#include "dns/transport.hpp"
#include "fake_dns_server.hpp"
#include "readiness/readiness.hpp"

#include <catch2/catch.hpp>

using namespace dyn;
using namespace std::chrono_literals;
using dns::RrType;
using test::Script;

namespace {

constexpr std::uint32_t kDay = 86400;

// good.example: MX mail.good.example (192.0.2.10), PTR mail.good.example, all TTLs one day.
void good_zone(test::FakeDnsServer& s, std::uint32_t mx_ttl = kDay, std::uint32_t a_ttl = kDay,
               std::uint32_t ptr_ttl = kDay) {
  s.script("good.example", RrType::MX, Script::records({"10 mail.good.example."}, mx_ttl).from_authority());
  s.script("mail.good.example", RrType::A, Script::records({"192.0.2.10"}, a_ttl).from_authority());
  s.script("mail.good.example", RrType::AAAA, Script::of(Script::Kind::NoData).from_authority());
  s.script("10.2.0.192.in-addr.arpa", RrType::PTR, Script::records({"mail.good.example."}, ptr_ttl).from_authority());
}

config::Config config_for(const test::FakeDnsServer& s) {
  auto c = config::default_config();
  c.dnsbls = {*dnsbl::ZoneSpec::parse("pbl.test=127.0.0.[10..11]*3", nullptr)};
  c.dns_servers = {*dns::ServerAddress::parse(s.address())};
  c.dns_timeout = util::Duration{400ms};
  return c;
}

readiness::Report run(test::FakeDnsServer& s, const std::string& domain, std::optional<std::string> ip = {}) {
  dns::Transport t({{*dns::ServerAddress::parse(s.address())}});
  return readiness::check(config_for(s), t, domain, ip ? net::IpAddress::parse(*ip) : std::nullopt, nullptr);
}

const readiness::Finding& rule(const readiness::Report& r, const std::string& name) {
  REQUIRE(r.servers.size() == 1);
  for (const auto& f : r.servers[0].findings)
    if (f.rule == name) return f;
  FAIL("no rule " << name);
  throw;
}

}  // namespace

TEST_CASE("a domain whose mail server meets every rule passes, and dynmilter would accept it",
          "[readiness][component]") {
  test::FakeDnsServer s;
  good_zone(s);
  const auto r = run(s, "good.example");
  CHECK(r.mx_hosts == std::vector<std::string>{"mail.good.example"});
  REQUIRE(r.servers.size() == 1);
  for (const auto& f : r.servers[0].findings) {
    INFO(f.rule << ": " << f.detail);
    CHECK(f.result == readiness::Result::Pass);
  }
  CHECK(r.servers[0].findings.size() == 9);
  CHECK(r.verdict == "accept");
  CHECK(r.all_pass());
  const auto json = readiness::format_json(r);
  CHECK(json.find("{\"domain\":\"good.example\",\"ip\":null,\"mx\":[\"mail.good.example\"],\"rules\":[{\"rule\":\"ptr-"
                  "exists\",\"result\":\"pass\"") == 0);
  CHECK(json.find("\"verdict\":\"accept\"}\n") != std::string::npos);
}

TEST_CASE("each rule fails in turn, with what to change", "[readiness][component]") {
  using readiness::Result;
  SECTION("short TTLs from the zone's own server fail") {
    test::FakeDnsServer s;
    good_zone(s, 3600, 300, 600);
    const auto r = run(s, "good.example");
    CHECK(rule(r, "mx-ttl").result == Result::Fail);
    CHECK(rule(r, "a-ttl").result == Result::Fail);
    CHECK(rule(r, "ptr-ttl").result == Result::Fail);
    CHECK(rule(r, "ptr-ttl").detail == "PTR record TTL 600 s < 43200 s (from the zone's authoritative server)");
    CHECK(rule(r, "ptr-ttl").fix.find("at least 43200 s") != std::string::npos);
    CHECK_FALSE(r.all_pass());
  }
  SECTION("a short TTL from a resolver's cache is unknown, not a failure") {
    test::FakeDnsServer s;
    good_zone(s);
    s.script("10.2.0.192.in-addr.arpa", RrType::PTR, Script::records({"mail.good.example."}, 600));
    CHECK(rule(run(s, "good.example"), "ptr-ttl").result == Result::Unknown);
  }
  SECTION("no PTR: ptr-exists and fcrdns fail; dynmilter would reject (no reverse DNS name)") {
    test::FakeDnsServer s;
    good_zone(s);
    s.script("10.2.0.192.in-addr.arpa", RrType::PTR, Script::of(Script::Kind::NxDomain));
    const auto r = run(s, "good.example");
    CHECK(rule(r, "ptr-exists").result == Result::Fail);
    CHECK(rule(r, "fcrdns").result == Result::Fail);
    CHECK(rule(r, "ptr-not-generic").result == Result::Unknown);
    CHECK(r.verdict == "reject");
    CHECK(r.servers[0].reply.find("550 5.7.1 Your IP address 192.0.2.10 appears to be dynamically assigned") == 0);
  }
  SECTION("a PTR name that does not map back, generic, and not the MX name") {
    test::FakeDnsServer s;
    good_zone(s);
    s.script("10.2.0.192.in-addr.arpa", RrType::PTR,
             Script::records({"dsl-192-0-2-10.pool.isp.example."}, kDay).from_authority());
    s.script("dsl-192-0-2-10.pool.isp.example", RrType::A, Script::records({"192.0.2.99"}));
    const auto r = run(s, "good.example");
    CHECK(rule(r, "fcrdns").result == Result::Fail);
    CHECK(rule(r, "fcrdns").detail == "dsl-192-0-2-10.pool.isp.example has addresses 192.0.2.99, not 192.0.2.10");
    CHECK(rule(r, "ptr-not-generic").result == Result::Fail);
    CHECK(rule(r, "ptr-not-generic").detail.find("ip-in-name") != std::string::npos);
    CHECK(rule(r, "ptr-is-mx-name").result == Result::Fail);
    CHECK(rule(r, "ptr-is-mx-name").fix.find("whose name is mail.good.example") != std::string::npos);
  }
  SECTION("an address that is no MX host's (--sender-ip)") {
    test::FakeDnsServer s;
    good_zone(s);
    s.script("20.2.0.192.in-addr.arpa", RrType::PTR, Script::records({"out.good.example."}, kDay).from_authority());
    s.script("out.good.example", RrType::A, Script::records({"192.0.2.20"}));
    const auto r = run(s, "good.example", "192.0.2.20");
    CHECK(rule(r, "mx-maps-to-ip").result == Result::Fail);
    CHECK(rule(r, "mx-maps-to-ip").detail == "192.0.2.20 is not an address of any MX host (mail.good.example)");
    CHECK(rule(r, "a-ttl").result == Result::Unknown);
    CHECK(rule(r, "fcrdns").result == Result::Pass);
  }
  SECTION("listed: not-listed fails with the list's own text") {
    test::FakeDnsServer s;
    good_zone(s);
    s.script("10.2.0.192.pbl.test", RrType::A, Script::records({"127.0.0.10"}));
    s.script("10.2.0.192.pbl.test", RrType::TXT, Script::records({"\"https://check.pbl.test/query/ip/192.0.2.10\""}));
    const auto r = run(s, "good.example");
    CHECK(rule(r, "not-listed").result == Result::Fail);
    CHECK(rule(r, "not-listed").detail == "listed in pbl.test (\"https://check.pbl.test/query/ip/192.0.2.10\")");
    // As the daemon judges it: the listing (+3) and the DUHL static rule met with day-long TTLs
    // (mx-confirmed, -2) leave it under the threshold.
    CHECK(r.verdict == "accept");
  }
  SECTION("listed in a list with an access key: its text is asked under the keyed zone, the key never shown") {
    test::FakeDnsServer s;
    good_zone(s);
    const std::string keyed = "k3y0123456789abcdef.zen.dq.spamhaus.net";
    s.script("10.2.0.192." + keyed, RrType::A, Script::records({"127.0.0.10"}));
    s.script("10.2.0.192." + keyed, RrType::TXT, Script::records({"\"https://check.spamhaus.example/192.0.2.10\""}));
    auto c = config_for(s);
    c.dnsbls = {*dnsbl::ZoneSpec::parse(keyed + "=127.0.0.[10..11]*3", nullptr)};
    dns::Transport t({{*dns::ServerAddress::parse(s.address())}});
    const auto r = readiness::check(c, t, "good.example", std::nullopt, nullptr);
    CHECK(rule(r, "not-listed").result == Result::Fail);
    CHECK(rule(r, "not-listed").detail ==
          "listed in zen.dq.spamhaus.net (\"https://check.spamhaus.example/192.0.2.10\")");
    CHECK(r.servers[0].reply.find("k3y0123456789abcdef") == std::string::npos);
  }
  SECTION("an exempt server: no list is asked, and the report says so instead of passing it") {
    test::FakeDnsServer s;
    good_zone(s);
    s.script("10.2.0.192.pbl.test", RrType::A, Script::records({"127.0.0.10"}));
    auto c = config_for(s);
    c.exempt_networks = {*net::Cidr::parse("192.0.2.0/24")};
    dns::Transport t({{*dns::ServerAddress::parse(s.address())}});
    const auto r = readiness::check(c, t, "good.example", std::nullopt, nullptr);
    CHECK(rule(r, "not-listed").result == Result::Unknown);
    CHECK(rule(r, "not-listed").detail == "no list asked: client in an exempt network (this configuration accepts it)");
    CHECK(r.verdict == "accept");
  }
  SECTION("no MX: the domain stands in; a null MX; a domain that does not exist") {
    test::FakeDnsServer s;
    s.script("nomx.example", RrType::MX, Script::of(Script::Kind::NoData));
    s.script("nomx.example", RrType::A, Script::records({"192.0.2.30"}));
    auto r = run(s, "nomx.example");
    CHECK(r.mx_hosts == std::vector<std::string>{"nomx.example"});
    CHECK(rule(r, "mx-ttl").result == Result::Fail);
    s.script("null.example", RrType::MX, Script::records({"0 ."}));
    r = run(s, "null.example");
    REQUIRE(r.domain_findings.size() == 1);
    CHECK(r.domain_findings[0].detail.find("null MX") == 0);
    CHECK(r.verdict == "unknown");
    r = run(s, "absent.example");
    REQUIRE(r.domain_findings.size() == 1);
    CHECK(r.domain_findings[0].detail == "the domain absent.example does not exist");
  }
}

TEST_CASE("temporary DNS failures are unknown, never fail", "[readiness][component]") {
  test::FakeDnsServer s;
  good_zone(s);
  s.script("10.2.0.192.in-addr.arpa", RrType::PTR, Script::of(Script::Kind::ServFail));
  const auto r = run(s, "good.example");
  for (const char* name : {"ptr-exists", "fcrdns", "ptr-ttl", "ptr-not-generic", "ptr-is-mx-name"}) {
    INFO(name);
    CHECK(rule(r, name).result == readiness::Result::Unknown);
  }
  s.script("good.example", RrType::MX, Script::of(Script::Kind::Drop));
  const auto dead = run(s, "good.example");
  REQUIRE(dead.domain_findings.size() == 1);
  CHECK(dead.domain_findings[0].result == readiness::Result::Unknown);
}

TEST_CASE("dynmilter-check --sender shows each server's evidence as the address check does: the neighbours it asked",
          "[readiness][component]") {
  // c7.acme.example says little by itself (no server word); the addresses on each side are named like a pool.
  test::FakeDnsServer s;
  s.script("acme.example", RrType::MX, Script::records({"10 c7.acme.example."}, kDay).from_authority());
  s.script("c7.acme.example", RrType::A, Script::records({"192.0.2.50"}, kDay).from_authority());
  s.script("c7.acme.example", RrType::AAAA, Script::of(Script::Kind::NoData).from_authority());
  s.script("50.2.0.192.in-addr.arpa", RrType::PTR, Script::records({"c7.acme.example."}, kDay).from_authority());
  s.script("49.2.0.192.in-addr.arpa", RrType::PTR,
           Script::records({"dyn-192-0-2-49.acme.example."}, kDay).from_authority());
  s.script("51.2.0.192.in-addr.arpa", RrType::PTR,
           Script::records({"dyn-192-0-2-51.acme.example."}, kDay).from_authority());
  const auto r = run(s, "acme.example", "192.0.2.50");
  REQUIRE(r.servers.size() == 1);
  const auto& e = r.servers[0].evidence;
  INFO(readiness::format_text(r));
  REQUIRE(e.size() == 2);  // and the DUHL static rule: an MX host with day-long TTLs
  CHECK(e[0].rfind("neighbours-pooled (+1, supporting): the neighbours are named like a pool", 0) == 0);
  CHECK(e[1].rfind("mx-confirmed (-2, supporting)", 0) == 0);
  CHECK(r.servers[0].score == -1);
  CHECK(r.servers[0].verdict == "accept");  // supporting evidence alone never refuses
  CHECK(readiness::format_text(r).find("  signal   neighbours-pooled (+1, supporting)") != std::string::npos);
  CHECK(readiness::format_json(r).find("\"signals\":[\"neighbours-pooled (+1, supporting)") != std::string::npos);
}
