// Small values: durations and DNS server addresses as operators write them; the rate limit.
#include "dns/server_address.hpp"
#include "util/duration.hpp"
#include "util/rate_limit.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace dyn;
using std::chrono::milliseconds;

TEST_CASE("durations: seconds by default, ms, m and h suffixes", "[util]") {
  CHECK(util::Duration::parse("5")->value == milliseconds(5000));
  CHECK(util::Duration::parse("2.5s")->value == milliseconds(2500));
  CHECK(util::Duration::parse("250ms")->value == milliseconds(250));
  CHECK(util::Duration::parse("1m")->value == milliseconds(60000));
  CHECK(util::Duration::parse("1500ms")->to_string() == "1500ms");
  CHECK(util::Duration::parse("3s")->to_string() == "3s");
  CHECK(util::Duration::parse("1h")->value == milliseconds(3600000));
  for (const char* bad : {"", "s", "-1", "5d", "5 s", "nan", "1e30"}) {
    INFO(bad);
    CHECK_FALSE(util::Duration::parse(bad));
  }
}

TEST_CASE("DNS server addresses with and without ports", "[dns]") {
  struct Case { const char* in; const char* ip; unsigned port; const char* shown; };
  const Case cases[] = {
      {"192.0.2.53", "192.0.2.53", 53, "192.0.2.53"},
      {"127.0.0.1:5300", "127.0.0.1", 5300, "127.0.0.1:5300"},
      {"2001:db8::53", "2001:db8::53", 53, "2001:db8::53"},
      {"[2001:db8::53]:5353", "2001:db8::53", 5353, "[2001:db8::53]:5353"},
      {"[::1]", "::1", 53, "::1"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    auto s = dns::ServerAddress::parse(c.in);
    REQUIRE(s);
    CHECK(s->ip.to_string() == c.ip);
    CHECK(s->port == c.port);
    CHECK(s->to_string() == c.shown);
  }
  for (const char* bad : {"", "dns.example", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000", "[::1", "[::1]x", "[::1]:"}) {
    INFO(bad);
    CHECK_FALSE(dns::ServerAddress::parse(bad));
  }
}

TEST_CASE("resolv.conf nameserver lines are read, other lines and scoped addresses skipped", "[dns]") {
  const std::string path = "/tmp/dynmilter-test-resolv.conf";
  std::ofstream(path) << "# comment\nsearch example\nnameserver 192.0.2.1\nnameserver fe80::1%eth0\n"
                         "nameserver   2001:db8::1  \noptions ndots:2\nnameserver bogus\n";
  auto servers = dns::read_resolv_conf(path);
  REQUIRE(servers.size() == 2);
  CHECK(servers[0].to_string() == "192.0.2.1");
  CHECK(servers[1].to_string() == "2001:db8::1");
  CHECK(dns::read_resolv_conf("/nonexistent").empty());
  std::remove(path.c_str());
}

TEST_CASE("rate limit: one message per key per interval, counting the ones held back", "[util]") {
  using namespace std::chrono_literals;
  dyn::util::RateLimit limit(300s);
  const dyn::util::RateLimit::Clock::time_point t0{};
  CHECK(limit.allow("a.test", t0) == std::optional<std::uint64_t>(0));
  CHECK_FALSE(limit.allow("a.test", t0 + 1s));
  CHECK_FALSE(limit.allow("a.test", t0 + 299s));
  CHECK(limit.allow("b.test", t0 + 10s) == std::optional<std::uint64_t>(0));  // keys are independent
  CHECK(limit.allow("a.test", t0 + 300s) == std::optional<std::uint64_t>(2));
  CHECK_FALSE(limit.allow("a.test", t0 + 301s));
  CHECK(limit.allow("a.test", t0 + 900s) == std::optional<std::uint64_t>(1));
}
