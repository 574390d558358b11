// Local zones: the key index, the interval flattening, rbldnsd's file syntax and its answers.
// The expected answers below are what rbldnsd 1.0~20210120 (Debian 12) gave for the same lines;
// test/integration/localzone_diff.sh compares the two on generated data as well.
#include "localzone/flatten.hpp"
#include "localzone/keeper.hpp"
#include "localzone/sorted_keys.hpp"
#include "localzone/zones.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

using namespace dyn;
using namespace dyn::localzone;

namespace {

std::shared_ptr<const Dataset> load(Kind kind, const std::string& text, std::vector<std::string>* warnings = nullptr) {
  return Dataset::parse(kind, {FileText{"test.zone", text}}, warnings);
}

net::IpAddress ip(const char* text) { return *net::IpAddress::parse(text); }

// The A values for an address, as dotted quads, sorted (rbldnsd's order is its memory's).
std::vector<std::string> a_of(const Dataset& d, const char* address) {
  std::vector<std::string> out;
  for (auto id : d.lookup(ip(address))) {
    const auto a = d.value(id).a;
    out.push_back(std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
                  std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string txt_of(const Dataset& d, const char* address) {
  const auto ids = d.lookup(ip(address));
  if (ids.empty()) return "(not listed)";
  return d.txt(d.value(ids[0]), ip(address)).value_or("(no txt)");
}

using V = std::vector<std::string>;

// The local zone k.local (ip4tset) from a data file in a fresh directory, installed in a Keeper.
struct KeptZone {
  explicit KeptZone(const char* data) {
    char d[] = "/tmp/dynlzXXXXXX";
    REQUIRE(::mkdtemp(d));
    dir = d;
    path = dir + "/data";
    std::ofstream(path) << data;
    keeper.install(keeper.prepare({*Spec::parse("k.local:ip4tset:" + path, nullptr)}, {}));
  }
  ~KeptZone() { std::filesystem::remove_all(dir); }
  std::string dir, path;
  Keeper keeper;
};

}  // namespace

TEST_CASE("SortedKeys finds the last key <= x like a binary search, in small and large sets", "[localzone]") {
  std::mt19937 rng(7);
  for (std::size_t n : {0u, 1u, 1000u, 70000u, 300000u}) {
    for (bool clumped : {false, true}) {
      std::set<std::uint32_t> ref;
      while (ref.size() < n) {
        std::uint32_t k = rng();
        if (clumped) k = 0x0a000000u | (rng() % 4 == 0 ? rng() & 0xffffff : (rng() & 0x3ff));  // dense spots
        ref.insert(k);
      }
      const std::vector<std::uint32_t> keys(ref.begin(), ref.end());
      const SortedKeys sk(keys);
      REQUIRE(sk.size() == n);
      std::vector<std::uint32_t> probes = {0, 1, 0xffffffffu, 0x0a000000u, 0x0a0003ffu, 0x0a000400u};
      for (int i = 0; i < 20000; ++i) probes.push_back(clumped && i % 2 ? 0x0a000000u | (rng() & 0x7ff) : rng());
      for (auto k : keys) {
        if (probes.size() > 60000) break;
        probes.push_back(k);
        probes.push_back(k - 1);
        probes.push_back(k + 1);
      }
      for (auto x : probes) {
        const auto it = std::upper_bound(keys.begin(), keys.end(), x);
        const std::size_t want =
            it == keys.begin() ? SortedKeys::npos : static_cast<std::size_t>(it - keys.begin() - 1);
        INFO("n " << n << " clumped " << clumped << " x " << x);
        REQUIRE(sk.floor(x) == want);
        REQUIRE(sk.contains(x) == ref.count(x));
      }
      for (std::size_t i = 0; i < keys.size(); i += 997) CHECK(sk.at(i) == keys[i]);
    }
  }
}

TEST_CASE("flatten gives every point the innermost block's group", "[localzone]") {
  std::mt19937 rng(11);
  for (int round = 0; round < 200; ++round) {
    std::vector<Span<std::uint64_t>> spans;  // prefixes of a 12-bit space, some nested
    for (int i = 0; i < 12; ++i) {
      const int bits = 2 + static_cast<int>(rng() % 11);
      const std::uint64_t size = std::uint64_t{1} << (12 - bits);
      const std::uint64_t first = (rng() % 4096) & ~(size - 1);
      spans.push_back({first, first + size - 1, static_cast<std::uint32_t>(rng() % 4)});
    }
    // The loader drops a second block at the same place; so does this reference.
    std::vector<Span<std::uint64_t>> unique;
    for (const auto& s : spans)
      if (std::none_of(unique.begin(), unique.end(),
                       [&](const auto& u) { return u.first == s.first && u.last == s.last; }))
        unique.push_back(s);
    std::vector<std::uint32_t> want(4096, 0);  // each point: the group of the smallest block covering it
    for (std::uint64_t p = 0; p < 4096; ++p) {
      std::uint64_t best = UINT64_MAX;
      for (const auto& s : unique)
        if (s.first <= p && p <= s.last && s.last - s.first < best) {
          best = s.last - s.first;
          want[p] = s.group;
        }
    }
    std::vector<std::uint64_t> starts;
    std::vector<std::uint32_t> groups;
    flatten<std::uint64_t>(unique, 4095, starts, groups);
    REQUIRE(std::is_sorted(starts.begin(), starts.end()));
    for (std::size_t i = 1; i < groups.size(); ++i) REQUIRE(groups[i] != groups[i - 1]);  // merged
    for (std::uint64_t p = 0; p < 4096; ++p) {
      const auto it = std::upper_bound(starts.begin(), starts.end(), p);
      const std::uint32_t got = it == starts.begin() ? 0 : groups[static_cast<std::size_t>(it - starts.begin() - 1)];
      INFO("round " << round << " point " << p);
      REQUIRE(got == want[p]);
    }
  }
}

TEST_CASE("ip4set: values, defaults and TXT templates as rbldnsd answers them", "[localzone]") {
  const auto d = load(Kind::Ip4Set,
                      ":127.0.0.2:IP address $ is listed\n"
                      "; a comment\n# another\n"
                      "127.0.0.4\n"
                      "127.0.0.5 :5\n"
                      "127.0.0.6 :6:\n"
                      "127.0.0.7 IP address $ running an open relay\n"
                      "127.0.0.8 :8:text with # hash and $1 and $$ and $9\n"
                      "127.0.0.9 :9:#starts with hash\n"
                      "127.0.0.10 # trailing comment\n"
                      "127.0.0.11 :1.2:weird\n"
                      "127.0.0.12 =eq text $\n"
                      "127.0.0.13 dollar-eq $= end\n"
                      "$1 See http://x/bl\n");
  CHECK(a_of(*d, "127.0.0.4") == V{"127.0.0.2"});
  CHECK(txt_of(*d, "127.0.0.4") == "IP address 127.0.0.4 is listed");
  CHECK(a_of(*d, "127.0.0.5") == V{"127.0.0.5"});
  CHECK(txt_of(*d, "127.0.0.5") == "IP address 127.0.0.5 is listed");  // ":A" keeps the scope's TXT
  CHECK(a_of(*d, "127.0.0.6") == V{"127.0.0.6"});
  CHECK(txt_of(*d, "127.0.0.6") == "(no txt)");  // ":A:" has none
  CHECK(txt_of(*d, "127.0.0.7") == "IP address 127.0.0.7 running an open relay");
  CHECK(txt_of(*d, "127.0.0.8") == "text with # hash and See http://x/bl and $ and $9");  // $1 defined later
  CHECK(txt_of(*d, "127.0.0.9") == "#starts with hash");
  CHECK(txt_of(*d, "127.0.0.10") == "IP address 127.0.0.10 is listed");
  CHECK(a_of(*d, "127.0.0.11") == V{"1.0.0.2"});  // inet_aton's reading of 1.2
  CHECK(txt_of(*d, "127.0.0.12") == "eq text 127.0.0.12");
  CHECK(txt_of(*d, "127.0.0.13") == "dollar-eq dollar-eq $= end end");
  CHECK(a_of(*d, "127.0.0.3").empty());
}

TEST_CASE("ip4set: the most specific octet level decides, an exclusion there wins, values add up", "[localzone]") {
  const auto d = load(Kind::Ip4Set,
                      "10.1.0.0/25 :3:A\n10.1.0.0/26 :4:B\n10.1.0.7 :5:C\n!10.1.0.9\n"
                      "10.2/16\n!10.2.3/24\n10.2.3.4 :7:\n"
                      "10.3.0.0/24 :2:one\n10.3.0.0/24 :3:two\n!10.3.0.0/24\n"
                      "10.5.0.1-255 :4:\n10.6-10.7 :5:\n11/8 :7:\n");
  CHECK(a_of(*d, "10.1.0.1") == V{"127.0.0.3", "127.0.0.4"});  // /25 and /26 are both single addresses
  CHECK(a_of(*d, "10.1.0.70") == V{"127.0.0.3"});
  CHECK(a_of(*d, "10.1.0.7") == V{"127.0.0.3", "127.0.0.4", "127.0.0.5"});
  CHECK(a_of(*d, "10.1.0.9").empty());
  CHECK(a_of(*d, "10.2.9.9") == V{"127.0.0.2"});
  CHECK(a_of(*d, "10.2.3.9").empty());
  CHECK(a_of(*d, "10.2.3.4") == V{"127.0.0.7"});
  CHECK(a_of(*d, "10.3.0.1").empty());
  CHECK(a_of(*d, "10.5.0.0").empty());
  CHECK(a_of(*d, "10.5.0.255") == V{"127.0.0.4"});
  CHECK(a_of(*d, "10.7.255.255") == V{"127.0.0.5"});
  CHECK(a_of(*d, "11.2.3.4") == V{"127.0.0.7"});
  CHECK(a_of(*d, "12.0.0.0").empty());
  CHECK(a_of(*d, "255.255.255.255").empty());
  CHECK(a_of(*d, "2001:db8::1").empty());  // the other family
}

TEST_CASE("ip4trie and ip6trie: the longest prefix decides, exclusions, the first of two equal prefixes",
          "[localzone]") {
  std::vector<std::string> warnings;
  const auto t4 = load(Kind::Ip4Trie,
                       ":2:trie $\n10.0.0.0/8 :3:eight\n10.1.0.0/16\n!10.1.2.0/24\n10.1.2.128/25 :5:\n"
                       "10.9.0.0/16 :6:\n10.9.0.0/16 :7:\n0/0 :8:\n!127/8\n",
                       &warnings);
  CHECK(a_of(*t4, "10.1.1.10") == V{"127.0.0.2"});
  CHECK(txt_of(*t4, "10.1.1.10") == "trie 10.1.1.10");
  CHECK(a_of(*t4, "10.2.1.10") == V{"127.0.0.3"});
  CHECK(a_of(*t4, "10.1.2.1").empty());
  CHECK(a_of(*t4, "10.1.2.200") == V{"127.0.0.5"});
  CHECK(a_of(*t4, "10.9.1.1") == V{"127.0.0.6"});
  CHECK(a_of(*t4, "0.0.0.0") == V{"127.0.0.8"});
  CHECK(a_of(*t4, "255.255.255.255") == V{"127.0.0.8"});
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == "test.zone:7: ignored: a second entry for the same prefix (the first, line 6, holds)");

  const auto t6 = load(Kind::Ip6Trie,
                       ":127.0.1.2: Listed, see http://example.com/lookup?$\n2001:21ab:c000/36\n"
                       "2001:21ab:def7:4242 :127.0.1.3: This one smells funny\n2605:6001:42::/52\n::1\n"
                       "!2605:6001:42::bead\n2001:db8::/32 :5:\n2001:db8:0:1::/64 :6:x $ y\n::/0 :9:\n");
  CHECK(txt_of(*t6, "2001:21ab:c000::5") == "Listed, see http://example.com/lookup?2001:21ab:c000::5");
  CHECK(a_of(*t6, "2001:21ab:def7:4242::1") == V{"127.0.1.3"});
  CHECK(txt_of(*t6, "2001:21ab:def7:4242::1") == "This one smells funny");
  CHECK(a_of(*t6, "2605:6001:42::bead").empty());  // the exclusion is the longest prefix, not ::/0
  CHECK(a_of(*t6, "::1") == V{"127.0.1.2"});
  CHECK(txt_of(*t6, "2001:db8::7") == "(no txt)");
  CHECK(txt_of(*t6, "2001:db8:0:1::9") == "x 2001:db8:0:1::9 y");
  CHECK(a_of(*t6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == V{"127.0.0.9"});
  CHECK(a_of(*t6, "192.0.2.1").empty());
}

TEST_CASE("ip4tset and ip6tset: one value for all, the first default line, ip6tset exclusions", "[localzone]") {
  const auto t4 = load(Kind::Ip4TSet, ":3:v4 $\n:4:ignored\n192.0.2.1\n192.0.2.1\n198.51.100.7 whatever\n");
  CHECK(a_of(*t4, "192.0.2.1") == V{"127.0.0.3"});
  CHECK(txt_of(*t4, "198.51.100.7") == "v4 198.51.100.7");
  CHECK(a_of(*t4, "192.0.2.2").empty());
  CHECK(t4->entries() == 3);
  const auto t6 =
      load(Kind::Ip6TSet, ":3:v6 $ listed\n2001:20fe:23:41ed\nabac:adab:ad00:42f\n!abac:adab:ad00:42f::2\n");
  CHECK(txt_of(*t6, "2001:20fe:23:41ed::1") == "v6 2001:20fe:23:41ed::1 listed");
  CHECK(a_of(*t6, "abac:adab:ad00:42f::2").empty());
  CHECK(a_of(*t6, "abac:adab:ad00:42f::3") == V{"127.0.0.3"});
  CHECK(a_of(*t6, "abac:adab:ad00:430::3").empty());
}

TEST_CASE("the $= base template", "[localzone]") {
  const auto d = load(Kind::Ip4Set,
                      "$= See http://www.example.com/bl?$= ($) for details\n127.0.0.2 r123\n127.0.0.3\n"
                      "127.0.0.4 =See other blocklists for details about $\n1.2.3.4 :4:\n");
  CHECK(txt_of(*d, "127.0.0.2") == "See http://www.example.com/bl?r123 (127.0.0.2) for details");
  CHECK(txt_of(*d, "127.0.0.3") == "See http://www.example.com/bl?127.0.0.3 (127.0.0.3) for details");
  CHECK(txt_of(*d, "127.0.0.4") == "See other blocklists for details about 127.0.0.4");
  CHECK(txt_of(*d, "1.2.3.4") == "See http://www.example.com/bl?1.2.3.4 (1.2.3.4) for details");
}

TEST_CASE("bad data files: the first bad line named file:line, nothing half-loaded", "[localzone]") {
  struct Case {
    Kind kind;
    std::string text;
    const char* error;
  };
  const Case cases[] = {
      {Kind::Ip4Set, "192.0.2.0/24\n10.1.2.3/24\n",
       "test.zone:2: invalid range: the address has bits set past the prefix length"},
      {Kind::Ip4Set, "12\n", "test.zone:1: invalid address range"},
      {Kind::Ip4Set, "1.2.3.4/33\n", "test.zone:1: invalid address range"},
      {Kind::Ip4Set, "10.8.1-10.9\n", "test.zone:1: invalid address range"},
      {Kind::Ip4Set, "1.2.3.4 :0:zero\n", "test.zone:1: invalid A value (want :N for 127.0.0.N, or :a.b.c.d)"},
      {Kind::Ip4Set, "1.2.3.4 :9 junk\n", "test.zone:1: unrecognized value (want :A:TXT, :A or a TXT text)"},
      {Kind::Ip4Set, "$TTL soon\n", "test.zone:1: invalid $TTL (want a time such as 3600, 35m or 1h)"},
      {Kind::Ip4TSet, "10.0.0.0/8\n", "test.zone:1: invalid address (ip4tset wants a whole IPv4 address per line)"},
      {Kind::Ip4TSet, "!10.0.0.1\n", "test.zone:1: ip4tset has no exclusions (use ip4set)"},
      {Kind::Ip6TSet, "2001:db8::/64\n", "test.zone:1: invalid IPv6 address"},
      {Kind::Ip6TSet, "2001:db8::1\n",
       "test.zone:1: an ip6tset entry is a /64 written as four groups, e.g. 2001:db8:1:2"},
      {Kind::Ip6Trie, "2001:db8::1/200\n", "test.zone:1: invalid IPv6 address or prefix"},
      {Kind::Ip6Trie, "2001:db8::1::2\n", "test.zone:1: invalid IPv6 address or prefix"},
      {Kind::Ip6Trie, "2001:db8::1/64\n",
       "test.zone:1: invalid range: the address has bits set past the prefix length"},
      {Kind::Ip4Trie, "127.0.0.0/8\n",
       "test.zone: the data lists 127.0.0.1, which no list may list (RFC 5782): refused, "
       "as a list that answers 'listed' for everything would be"},
      {Kind::Ip4Set, std::string("1.2.3.4\n1.2.3.5\0\n", 17), "test.zone:2: a NUL byte in the line (not a text file?)"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    try {
      load(c.kind, c.text);
      FAIL("accepted");
    } catch (const LoadError& e) {
      CHECK(std::string(e.what()) == c.error);
    }
  }
  std::vector<std::string> warnings;
  const auto d = load(Kind::Ip4Set, "$MAXRANGE4 /24\n10.0.0.0/16\n10.1.1.0/24\n$WHAT ever\n", &warnings);
  CHECK(a_of(*d, "10.0.5.5").empty());
  CHECK(a_of(*d, "10.1.1.1") == V{"127.0.0.2"});
  CHECK(warnings == V{"test.zone:2: ignored: range of 65536 addresses is larger than $MAXRANGE4 256",
                      "test.zone:4: ignored: unknown or unsupported special entry $WHAT"});
}

TEST_CASE("a zone answers A, TXT, NXDOMAIN and NODATA, its datasets together", "[localzone]") {
  char dir[] = "/tmp/dynlzXXXXXX";
  REQUIRE(::mkdtemp(dir));
  const std::string sbl = std::string(dir) + "/sbl", pbl = std::string(dir) + "/pbl";
  {
    std::ofstream(sbl) << "$TTL 600\n:2:SBL listing $\n192.0.2.0/24\n";
    std::ofstream(pbl) << ":10:PBL $\n192.0.2.7\n198.51.100.1\n";
  }
  auto spec1 = Spec::parse("zen.local:ip4set:" + sbl, nullptr);
  auto spec2 = Spec::parse("ZEN.local.:ip4tset:" + pbl, nullptr);
  REQUIRE(spec1);
  REQUIRE(spec2);
  CHECK(spec2->to_string() == "zen.local:ip4tset:" + pbl);
  const auto set = ZoneSet::load({*spec1, *spec2}, nullptr, nullptr);
  auto ask = [&](const char* name, dns::RrType type) { return set->answer(dns::Question{name, type}); };
  auto both = ask("7.2.0.192.zen.local", dns::RrType::A);
  REQUIRE(both);
  CHECK(both->status == dns::Status::Ok);
  REQUIRE(both->records.size() == 2);
  CHECK(both->records[0].value == "127.0.0.2");
  CHECK(both->records[0].ttl == 600);
  CHECK(both->records[1].value == "127.0.0.10");
  CHECK(both->records[1].ttl == Dataset::kDefaultTtl);
  CHECK(both->origin.find("local zone zen.local (ip4set:") == 0);
  auto txt = ask("1.100.51.198.zen.local", dns::RrType::TXT);
  REQUIRE(txt);
  REQUIRE(txt->records.size() == 1);
  CHECK(txt->records[0].value == "PBL 198.51.100.1");
  CHECK(ask("1.1.51.198.zen.local", dns::RrType::A)->status == dns::Status::NxDomain);
  CHECK(ask("zen.local", dns::RrType::A)->status == dns::Status::NoData);
  CHECK(ask("junk.zen.local", dns::RrType::A)->status == dns::Status::NxDomain);
  CHECK(ask("7.2.0.192.zen.local", dns::RrType::MX)->status == dns::Status::NoData);
  CHECK_FALSE(ask("7.2.0.192.zen.spamhaus.org", dns::RrType::A));
  CHECK_FALSE(ask("xzen.local", dns::RrType::A));
  // Unchanged files are shared by the next generation; a changed one is read again.
  const auto again = ZoneSet::load({*spec1, *spec2}, set.get(), nullptr);
  CHECK(again->datasets()[0].data == set->datasets()[0].data);
  CHECK_FALSE(set->changed_on_disk());
  std::ofstream(pbl) << "203.0.113.9\n";
  CHECK(set->changed_on_disk());
  const auto third = ZoneSet::load({*spec1, *spec2}, again.get(), nullptr);
  CHECK(third->datasets()[0].data == set->datasets()[0].data);
  CHECK(third->datasets()[1].data != set->datasets()[1].data);
  CHECK(third->answer({"9.113.0.203.zen.local", dns::RrType::A})->status == dns::Status::Ok);
  std::filesystem::remove_all(dir);
}

TEST_CASE("$TIMESTAMP: stale data answers SERVFAIL, future data is refused", "[localzone]") {
  bool given = false;
  CHECK(parse_stamp("2024:01:02", &given) == std::optional<std::time_t>(1704153600));
  CHECK(parse_stamp("2024-01-02-03-04-05", &given) == std::optional<std::time_t>(1704153600 + 3 * 3600 + 4 * 60 + 5));
  CHECK_FALSE(parse_stamp("-", &given));
  CHECK_FALSE(given);
  CHECK_FALSE(parse_stamp("2024:13:01", &given));
  CHECK(given);
  const auto fresh = load(Kind::Ip4TSet, "$TIMESTAMP 2020:01:01 +1000w\n192.0.2.1\n");
  CHECK_FALSE(fresh->expired(std::time(nullptr)));
  const auto stale = load(Kind::Ip4TSet, "$TIMESTAMP 2020:01:01 2020:02:01\n192.0.2.1\n");
  CHECK(stale->expired(std::time(nullptr)));
  CHECK(stale->expires() == std::optional<std::time_t>(1580515200));
  try {
    load(Kind::Ip4TSet, "$TIMESTAMP 2999:01:01\n192.0.2.1\n");
    FAIL("accepted");
  } catch (const LoadError& e) {
    CHECK(std::string(e.what()) ==
          "test.zone:1: the data's $TIMESTAMP is in the future: refused, as rbldnsd refuses it");
  }
  char dir[] = "/tmp/dynlzXXXXXX";
  REQUIRE(::mkdtemp(dir));
  const std::string path = std::string(dir) + "/old";
  std::ofstream(path) << "$TIMESTAMP 2020:01:01 +1d\n192.0.2.1\n";
  const auto set = ZoneSet::load({*Spec::parse("old.local:ip4tset:" + path, nullptr)}, nullptr, nullptr);
  const auto a = set->answer({"1.2.0.192.old.local", dns::RrType::A});
  REQUIRE(a);
  CHECK(a->status == dns::Status::ServFail);
  CHECK(a->detail == "ip4tset data expired ($TIMESTAMP)");
  std::filesystem::remove_all(dir);
}

TEST_CASE("Keeper: a changed file is read again, a bad one keeps the old data, once per change", "[localzone]") {
  KeptZone zone("192.0.2.1\n");
  Keeper& keeper = zone.keeper;
  const std::string& path = zone.path;
  struct NoUpstream : dns::Querier {  // nothing here may leave the local zone
    void async_query(const dns::Question&, dns::Deadline, Callback done) override {
      done(dns::Answer::failure(dns::Status::NetworkError, "asked upstream"));
    }
  } upstream;
  LocalQuerier querier(keeper.zones(), upstream);
  auto status = [&](const char* name) {
    dns::Status got = dns::Status::Timeout;
    querier.async_query({name, dns::RrType::A}, dns::Clock::now(), [&](dns::Answer a) { got = a.status; });
    return got;
  };
  CHECK(status("1.2.0.192.k.local") == dns::Status::Ok);
  CHECK_FALSE(keeper.check_files());      // nothing changed
  auto rewrite = [&](const char* text) {  // a new file in place of the old, as rsync does
    std::ofstream(path + ".new") << text;
    std::filesystem::rename(path + ".new", path);
  };
  rewrite("192.0.2.1\n192.0.2.300\n");
  CHECK_FALSE(keeper.check_files());
  CHECK(keeper.failed_loads() == 1);
  CHECK_FALSE(keeper.check_files());  // the same bad file: not read, not counted again
  CHECK(keeper.failed_loads() == 1);
  CHECK(status("1.2.0.192.k.local") == dns::Status::Ok);  // the old data answers
  rewrite("192.0.2.2\n");
  CHECK(keeper.check_files());
  CHECK(status("1.2.0.192.k.local") == dns::Status::NxDomain);
  CHECK(status("2.2.0.192.k.local") == dns::Status::Ok);
  std::filesystem::remove(path);  // a vanished file keeps the data too
  CHECK_FALSE(keeper.check_files());
  CHECK(keeper.failed_loads() == 2);
  CHECK(status("2.2.0.192.k.local") == dns::Status::Ok);
}

TEST_CASE("answers known now, several at once: a local zone's first, then the upstream's for the rest", "[localzone]") {
  KeptZone zone("192.0.2.1\n");
  struct Upstream : dns::Querier {  // knows every name, so that an answer it gives shows
    void async_query(const dns::Question&, dns::Deadline, Callback done) override {
      done(dns::Answer::failure(dns::Status::NetworkError, "asked upstream"));
    }
    std::optional<dns::Answer> answer_now(const dns::Question&) override {
      return dns::Answer::failure(dns::Status::ServFail, "upstream's");
    }
  } upstream;
  LocalQuerier querier(zone.keeper.zones(), upstream);
  const std::vector<dns::Question> questions{
      {"1.2.0.192.k.local", dns::RrType::A}, {"x.other.test", dns::RrType::A}, {"2.2.0.192.k.local", dns::RrType::A}};
  std::vector<dns::Answer> answers(questions.size());
  std::vector<std::uint8_t> known(questions.size(), 0);
  querier.answer_known(questions, answers, known);
  CHECK(known == std::vector<std::uint8_t>{1, 1, 1});
  CHECK(answers[0].status == dns::Status::Ok);        // listed in the local zone
  CHECK(answers[1].detail == "upstream's");           // not a local zone's name
  CHECK(answers[2].status == dns::Status::NxDomain);  // the local zone's "not listed", not upstream's
}

TEST_CASE("without a zone loaded every question goes upstream, and a set put in or taken out applies at once",
          "[localzone]") {
  KeptZone zone("192.0.2.1\n");  // only for its file: this test swaps sets by hand
  struct Upstream : dns::Querier {
    void async_query(const dns::Question&, dns::Deadline, Callback done) override {
      done(dns::Answer::failure(dns::Status::ServFail, "upstream's"));
    }
    std::optional<dns::Answer> answer_now(const dns::Question&) override {
      return dns::Answer::failure(dns::Status::ServFail, "upstream's");
    }
  } upstream;
  LocalZones zones;
  LocalQuerier querier(zones, upstream);
  auto answers = [&] {
    const std::vector<dns::Question> q{{"1.2.0.192.k.local", dns::RrType::A}, {"2.2.0.192.k.local", dns::RrType::A}};
    std::vector<dns::Answer> a(q.size());
    std::vector<std::uint8_t> known(q.size(), 0);
    querier.answer_known(q, a, known);
    dns::Status async = dns::Status::Timeout;
    querier.async_query(q[0], dns::Clock::now(), [&](dns::Answer x) { async = x.status; });
    return std::vector<dns::Status>{a[0].status, a[1].status, async, querier.answer_now(q[0])->status};
  };
  using S = dns::Status;
  CHECK_FALSE(zones.any());
  CHECK(answers() == std::vector<S>{S::ServFail, S::ServFail, S::ServFail, S::ServFail});
  zones.replace(ZoneSet::load({*Spec::parse("k.local:ip4tset:" + zone.path, nullptr)}, nullptr, nullptr));
  CHECK(zones.any());
  CHECK(answers() == std::vector<S>{S::Ok, S::NxDomain, S::Ok, S::Ok});
  zones.replace(nullptr);
  CHECK_FALSE(zones.any());
  CHECK(answers() == std::vector<S>{S::ServFail, S::ServFail, S::ServFail, S::ServFail});
}

TEST_CASE("local zone specs: the values of --local-zone", "[localzone]") {
  std::string why;
  CHECK_FALSE(Spec::parse("zen.local:ip4set", &why));
  CHECK(why == "want ZONE:TYPE:FILE[,FILE...], e.g. zen.spamhaus.org:ip4set:/var/lib/rbldnsd/sbl");
  CHECK_FALSE(Spec::parse("zen.local:dnset:/x", &why));
  CHECK(why == "TYPE must be ip4set, ip4tset, ip4trie, ip6trie or ip6tset");
  CHECK_FALSE(Spec::parse("zen..local:ip4set:/x", &why));
  CHECK(why == "the zone is not a DNS name");
  CHECK_FALSE(Spec::parse("zen.local:ip4set:/x,,/y", &why));
  const auto s = Spec::parse("zen.local:ip4set:/a:b,/c", &why);
  REQUIRE(s);
  CHECK(s->files == V{"/a:b", "/c"});
}

TEST_CASE(
    "local data fails closed: a changed file that shrank, emptied, lists everything or lost its test point keeps the "
    "old data",
    "[localzone]") {
  // 100 addresses and the test point 127.0.0.2.
  std::string data = "127.0.0.2\n";
  for (int i = 1; i <= 100; ++i) data += "192.0.2." + std::to_string(i) + "\n";
  KeptZone zone(data.c_str());
  auto& keeper = zone.keeper;
  auto listed = [&](const char* address) {
    for (const auto& l : keeper.zones().current()->datasets())
      if (!l.data->lookup(*net::IpAddress::parse(address)).empty()) return true;
    return false;
  };
  auto rewrite = [&](const std::string& text) {
    std::ofstream(zone.path + ".new") << text;
    std::filesystem::rename(zone.path + ".new", zone.path);
  };
  REQUIRE(listed("192.0.2.77"));
  int failed = 0;
  auto refused = [&](const std::string& text) {
    rewrite(text);
    const bool installed = keeper.check_files();
    failed += !installed;
    return !installed && keeper.failed_loads() == static_cast<std::uint64_t>(failed) && listed("192.0.2.77");
  };
  std::string half = "127.0.0.2\n";  // 41 entries of 101: shrank by 59%
  for (int i = 1; i <= 40; ++i) half += "192.0.2." + std::to_string(i) + "\n";
  CHECK(refused(half));
  CHECK(refused(""));                                    // emptied
  CHECK(refused("# truncated by a failed transfer\n"));  // nothing left but a comment
  CHECK(refused(data + "127.0.0.1\n"));                  // lists 127.0.0.1: it lists everything
  CHECK(refused(data.substr(std::string("127.0.0.2\n").size()) + "192.0.2.200\n"));  // lost 127.0.0.2
  // A modest change is taken.
  std::string grown = data;
  for (int i = 101; i <= 150; ++i) grown += "192.0.2." + std::to_string(i) + "\n";
  rewrite(grown);
  CHECK(keeper.check_files());
  CHECK(listed("192.0.2.140"));
  std::string trimmed = "127.0.0.2\n";  // 91 of 151: shrank by 40%, under the bound
  for (int i = 1; i <= 90; ++i) trimmed += "192.0.2." + std::to_string(i) + "\n";
  rewrite(trimmed);
  CHECK(keeper.check_files());
  CHECK_FALSE(listed("192.0.2.140"));

  SECTION("a dataset that lists reserved space (ip4set): refused, with why") {
    const std::string set_path = zone.dir + "/set";
    std::ofstream(set_path) << "127.0.0.2\n192.0.2.0/24\n";
    const std::vector<Spec> specs = {*Spec::parse("k.local:ip4set:" + set_path, nullptr)};
    const auto before = ZoneSet::load(specs, nullptr, nullptr, {});
    std::ofstream(set_path + ".new") << "127.0.0.2\n192.0.2.0/24\n240.0.0.0/4\n";
    std::filesystem::rename(set_path + ".new", set_path);
    try {
      ZoneSet::load(specs, before.get(), nullptr, {});
      FAIL("a dataset listing 240.0.0.0/4 was taken");
    } catch (const LoadError& e) {
      CHECK(std::string(e.what()).find("reserved space no list can list") != std::string::npos);
    }
  }
  SECTION("the reasons are said") {
    rewrite(half);
    CHECK_FALSE(keeper.check_files());
    // (the warning is logged; the same check through ZoneSet::load gives its words)
    const auto specs = keeper.zones().current()->specs();
    try {
      ZoneSet::load(specs, keeper.zones().current().get(), nullptr, {});
      FAIL("a shrunk dataset was taken");
    } catch (const LoadError& e) {
      CHECK(std::string(e.what()).find("41 entries where 91 were loaded") != std::string::npos);
    }
  }
  SECTION("--local-zone-max-shrink 100 takes any shrink") {
    std::vector<Spec> specs = keeper.zones().current()->specs();
    rewrite("127.0.0.2\n192.0.2.1\n");
    keeper.install(keeper.prepare(specs, Limits{1ull << 30, 100}));
    CHECK_FALSE(listed("192.0.2.77"));
  }
}

TEST_CASE("local data is read in chunks, bounded by --local-zone-max-bytes", "[localzone]") {
  // About 2.7 MB of addresses: lines cross the 1 MiB chunk boundaries.
  char d[] = "/tmp/dynlzXXXXXX";
  REQUIRE(::mkdtemp(d));
  const std::string dir = d, path = dir + "/big";
  {
    std::ofstream out(path);
    for (int i = 0; i < 200000; ++i) out << "10." << (i >> 16) << "." << ((i >> 8) & 255) << "." << (i & 255) << "\n";
  }
  const auto spec = *Spec::parse("k.local:ip4tset:" + path, nullptr);
  const auto set = ZoneSet::load({spec}, nullptr, nullptr, {});
  const auto& data = *set->datasets().at(0).data;
  CHECK(data.entries() == 200000);
  for (int i = 0; i < 200000; i += 997) {  // every address, those cut by a chunk's end among them
    const std::string a =
        "10." + std::to_string(i >> 16) + "." + std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255);
    REQUIRE_FALSE(data.lookup(*net::IpAddress::parse(a)).empty());
  }
  CHECK(data.lookup(*net::IpAddress::parse("10.3.13.64")).empty());  // 200000: one past the last
  try {
    ZoneSet::load({spec}, nullptr, nullptr, Limits{1 << 20, 50});
    FAIL("a 2.7 MB dataset loaded under a 1M bound");
  } catch (const LoadError& e) {
    CHECK(std::string(e.what()).find("more than --local-zone-max-bytes 1M") != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}
