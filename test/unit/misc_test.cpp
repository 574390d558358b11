// Small values: durations and DNS server addresses as operators write them; the rate limit; the
// buffered random bytes.
#include "dns/server_address.hpp"
#include "dns/types.hpp"
#include "util/byte_size.hpp"
#include "util/ascii.hpp"
#include "util/duration.hpp"
#include "util/random.hpp"
#include "util/rate_limit.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <fstream>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

using namespace dyn;
using std::chrono::milliseconds;

TEST_CASE("ASCII case folding: A-Z only, every other byte as it is, whatever the locale", "[util]") {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  std::string folded = all;
  util::ascii_lower_in_place(folded);
  for (int c = 0; c < 256; ++c) {
    const bool upper = c >= 'A' && c <= 'Z';
    CHECK(static_cast<unsigned char>(folded[static_cast<std::size_t>(c)]) == (upper ? c + 32 : c));
  }
  // Latin-1 capitals (a Latin-1 locale's tolower would fold them) stay as they are.
  CHECK(util::ascii_lower('\xC4') == '\xC4');
  CHECK(dns::canonical_name("DSL-203-0-113-7.Pool.ISP.Example.") == "dsl-203-0-113-7.pool.isp.example");
}

TEST_CASE("durations: seconds by default, ms, m, h and d suffixes, at most a year", "[util]") {
  CHECK(util::Duration::parse("5")->value == milliseconds(5000));
  CHECK(util::Duration::parse("2.5s")->value == milliseconds(2500));
  CHECK(util::Duration::parse("250ms")->value == milliseconds(250));
  CHECK(util::Duration::parse("1m")->value == milliseconds(60000));
  CHECK(util::Duration::parse("1500ms")->to_string() == "1500ms");
  CHECK(util::Duration::parse("3s")->to_string() == "3s");
  CHECK(util::Duration::parse("1h")->value == milliseconds(3600000));
  CHECK(util::Duration::parse("30d")->to_string() == "30d");
  CHECK(util::Duration::parse("86400")->to_string() == "1d");
  CHECK(util::Duration::parse("366d"));
  for (const char* bad : {"", "s", "-1", "5w", "367d", "5 s", "nan", "1e30"}) {
    INFO(bad);
    CHECK_FALSE(util::Duration::parse(bad));
  }
}

TEST_CASE("DNS server addresses with and without ports", "[dns]") {
  struct Case {
    const char* in;
    const char* ip;
    unsigned port;
    const char* shown;
  };
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
  for (const char* bad :
       {"", "dns.example", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000", "[::1", "[::1]x", "[::1]:"}) {
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

TEST_CASE("random bytes: buffered per thread, never handed out twice, fresh in a forked child", "[util]") {
  // Across several refills of the 512-byte buffer, no 8-byte draw repeats.
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    std::uint64_t v = 0;
    util::random_bytes(&v, sizeof v);
    CHECK(seen.insert(v).second);
  }
  // A request larger than the buffer is filled whole.
  std::array<unsigned char, 2000> big{};
  util::random_bytes(big.data(), big.size());
  int zeros = 0;
  for (auto b : big) zeros += b == 0;
  CHECK(zeros < 40);  // about 8 expected
  // Query ids spread evenly: 64 buckets of 1024 values, 64,000 draws (chi-square, 63 degrees of
  // freedom: over 120 happens by chance about once in 100,000 runs).
  std::array<int, 64> buckets{};
  for (int i = 0; i < 64000; ++i) ++buckets[util::random_u16() >> 10];
  double chi2 = 0;
  for (int n : buckets) chi2 += (n - 1000.0) * (n - 1000.0) / 1000.0;
  CHECK(chi2 < 120);
  // After fork, the child does not repeat what the parent draws next from its buffer.
  util::random_bytes(&big[0], 1);  // the buffer is now partly used
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::uint64_t v = 0;
    util::random_bytes(&v, sizeof v);
    const bool ok = ::write(fds[1], &v, sizeof v) == static_cast<ssize_t>(sizeof v);
    ::_exit(ok ? 0 : 1);
  }
  std::uint64_t from_child = 0, mine = 0;
  CHECK(::read(fds[0], &from_child, sizeof from_child) == static_cast<ssize_t>(sizeof from_child));
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(fds[0]);
  ::close(fds[1]);
  util::random_bytes(&mine, sizeof mine);
  CHECK(from_child != mine);
}

TEST_CASE("byte sizes: K, M, G, T suffixes in powers of 1024, and back", "[util]") {
  CHECK(util::ByteSize::parse("1G")->value == 1ull << 30);
  CHECK(util::ByteSize::parse("512m")->value == 512ull << 20);
  CHECK(util::ByteSize::parse("100")->value == 100);
  CHECK(util::ByteSize{1ull << 30}.to_string() == "1G");
  CHECK(util::ByteSize{1536ull << 20}.to_string() == "1536M");
  CHECK(util::ByteSize{100}.to_string() == "100");
  for (const char* bad : {"", "G", "1.5G", "-1", "1GB", "99999999999999999999", "16777216T"})
    CHECK_FALSE(util::ByteSize::parse(bad));
}
