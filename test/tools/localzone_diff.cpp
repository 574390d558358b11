// localzone_diff: dynmilter's local zones against real rbldnsd, on the same generated files.
//   localzone_diff generate DIR SEED   writes one data file per dataset type, with ranges,
//                                      exclusions, overlaps, defaults and TXT templates, and
//                                      DIR/probes (addresses: each entry's edges and neighbours,
//                                      random ones, the ends of both address spaces)
//   localzone_diff compare DIR PORT    asks rbldnsd at 127.0.0.1:PORT (serving DIR's files as
//                                      ZONE:TYPE:FILE, ZONE = TYPE.diff) A and TXT for every probe,
//                                      answers the same from the files in-process, and prints
//                                      every difference (status, records, TTLs); exit 1 on any
// test/integration/localzone_diff.sh runs the three steps.
#include "dns/batch.hpp"
#include "dns/transport.hpp"
#include "localzone/zones.hpp"
#include "net/reverse.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace dyn;

namespace {

// Questions in flight at once: rbldnsd is one thread, and a larger burst overflows its socket buffer
// (the dropped questions wait out the 1 s retry: 400 at a time took 84 s for what 64 take in 1 s).
constexpr std::size_t kChunk = 64;
const char* const kKinds[] = {"ip4set", "ip4tset", "ip4trie", "ip6trie", "ip6tset"};

std::string v4(std::uint32_t a) {
  return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

// Addresses cluster in a few blocks, so that entries overlap, nest and exclude each other.
struct Gen {
  std::mt19937 rng;
  std::set<std::string> probes;
  explicit Gen(unsigned seed) : rng(seed) {}
  std::uint32_t pick(std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); }
  std::uint32_t addr4() {
    static const std::uint32_t bases[] = {0x0a000000, 0x0a010000, 0xc0000200, 0xcb007100, 0xc6336400};
    const std::uint32_t base = bases[pick(5)];
    return pick(8) == 0 ? (rng() & 0x7effffff) | 0x01000000 : base + pick(base == 0x0a000000 ? 0x30000 : 768);
  }
  void probe4(std::uint32_t first, std::uint32_t last) {
    for (std::uint64_t a : {std::uint64_t{first} - 1, std::uint64_t{first}, std::uint64_t{first} + 1,
                            std::uint64_t{last} - 1, std::uint64_t{last}, std::uint64_t{last} + 1})
      if (a <= 0xffffffffu && (a >> 24) != 127) probes.insert(v4(static_cast<std::uint32_t>(a)));
  }
  std::string value() {
    switch (pick(9)) {
      case 0: return fmt::format(" :{}", 2 + pick(20));
      case 1: return fmt::format(" :{}:", 2 + pick(20));
      case 2: return fmt::format(" :127.0.{}.{}:listed $ here", pick(3), 2 + pick(200));
      case 3: return " text for $ with $1, $$ and $9";
      case 4: return " =starts with equals $";
      case 5: return " ; a comment, so the default";
      case 6: return fmt::format(" :{}:see $= and $2", 2 + pick(5));
      default: return "";
    }
  }
  std::string default_line() { return fmt::format(":{}:default {} for $\n", 2 + pick(10), pick(1000)); }
};

std::string gen_ip4set(Gen& g) {
  std::string out = "# generated\n$1 http://example.test/lookup\n" + g.default_line();
  for (int i = 0; i < 1500; ++i) {
    if (g.pick(60) == 0) out += g.default_line();
    const bool excl = g.pick(7) == 0;
    std::uint32_t a = g.addr4(), first, last;
    std::string text;
    switch (g.pick(6)) {
      case 0: {  // a CIDR, /8 to /32
        const int bits = 8 + static_cast<int>(g.pick(25));
        const std::uint32_t mask = bits == 32 ? ~0u : ~(~0u >> bits);
        if (bits < 16 && ((a & mask) >> 24) <= 127 && (((a & mask) | ~mask) >> 24) >= 127) a = 0x0a000000;
        first = a & mask;
        last = first | ~mask;
        text = fmt::format("{}/{}", v4(first), bits);
        break;
      }
      case 1:  // a prefix of three octets
        first = a & 0xffffff00;
        last = first | 0xff;
        text = fmt::format("{}.{}.{}", first >> 24, (first >> 16) & 255, (first >> 8) & 255);
        break;
      case 2: {  // a-b of whole addresses
        first = a;
        last = a + g.pick(g.pick(4) == 0 ? 2000 : 40);
        if ((last >> 24) != (first >> 24)) last = first;
        text = fmt::format("{}-{}", v4(first), v4(last));
        break;
      }
      case 3: {  // a.b.c.d-e
        first = a;
        last = (a & 0xffffff00) | std::max(a & 0xff, g.pick(256));
        text = fmt::format("{}-{}", v4(first), last & 0xff);
        break;
      }
      default: first = last = a; text = v4(a);
    }
    g.probe4(first, last);
    out += (excl ? "!" : "") + text + (excl ? "" : g.value()) + "\n";
  }
  return out;
}

std::string gen_ip4tset(Gen& g) {
  std::string out = "$TTL 900\n" + g.default_line() + g.default_line();
  for (int i = 0; i < 3000; ++i) {
    const std::uint32_t a = g.addr4();
    g.probe4(a, a);
    out += v4(a) + (g.pick(10) == 0 ? " ignored text" : "") + "\n";
  }
  return out;
}

std::string gen_ip4trie(Gen& g) {
  std::string out = "$= base [$=] for $\n" + g.default_line();
  for (int i = 0; i < 1500; ++i) {
    if (g.pick(80) == 0) out += g.default_line();
    const bool excl = g.pick(6) == 0;
    const int bits = 8 + static_cast<int>(g.pick(25));
    const std::uint32_t mask = bits == 32 ? ~0u : ~(~0u >> bits);
    std::uint32_t a = g.addr4() & mask;
    if (bits < 8 || (a >> 24) == 127) a = 0x0a000000 & mask;
    g.probe4(a, a | ~mask);
    out += fmt::format("{}{}/{}{}\n", excl ? "!" : "", v4(a), bits, excl ? "" : g.value());
  }
  return out;
}

using Bytes = std::array<std::uint8_t, 16>;

std::string v6(const Bytes& b) { return net::IpAddress::v6(b).to_string(); }

Bytes addr6(Gen& g) {
  static const Bytes bases[] = {{0x20, 0x01, 0x0d, 0xb8}, {0x26, 0x05, 0x60, 0x01, 0, 0x42}, {0x2a, 0x02, 0x01, 0x00}};
  Bytes b = bases[g.pick(3)];
  for (int i = 4; i < 16; ++i)
    if (i >= 8 || g.pick(3) == 0) b[i] = static_cast<std::uint8_t>(g.pick(4) == 0 ? g.rng() : g.pick(3));
  return b;
}

void probe6(Gen& g, Bytes first, int bits) {
  Bytes last = first;
  for (int bit = bits; bit < 128; ++bit) last[bit / 8] = static_cast<std::uint8_t>(last[bit / 8] | (0x80 >> (bit % 8)));
  auto step = [](Bytes b, int d) {
    for (int i = 15; i >= 0; --i) {
      const int v = b[i] + d;
      b[i] = static_cast<std::uint8_t>(v & 0xff);
      if (v >= 0 && v <= 255) break;
    }
    return b;
  };
  for (const auto& b : {step(first, -1), first, last, step(last, 1)}) g.probes.insert(v6(b));
}

std::string gen_ip6trie(Gen& g) {
  std::string out = g.default_line();
  for (int i = 0; i < 1200; ++i) {
    if (g.pick(80) == 0) out += g.default_line();
    const bool excl = g.pick(6) == 0;
    const int bits = 16 + static_cast<int>(g.pick(113));
    Bytes b = addr6(g);
    for (int bit = bits; bit < 128; ++bit) b[bit / 8] = static_cast<std::uint8_t>(b[bit / 8] & ~(0x80 >> (bit % 8)));
    probe6(g, b, bits);
    out += fmt::format("{}{}/{}{}\n", excl ? "!" : "", v6(b), bits, excl ? "" : g.value());
  }
  return out;
}

std::string gen_ip6tset(Gen& g) {
  std::string out = g.default_line();
  for (int i = 0; i < 1500; ++i) {
    Bytes b = addr6(g);
    if (g.pick(5) == 0) {  // an exclusion of one address inside a listed /64
      out += "!" + v6(b) + "\n";
      probe6(g, b, 128);
      continue;
    }
    std::fill(b.begin() + 8, b.end(), 0);
    probe6(g, b, 64);
    out += fmt::format("{:x}:{:x}:{:x}:{:x}\n", b[0] << 8 | b[1], b[2] << 8 | b[3], b[4] << 8 | b[5], b[6] << 8 | b[7]);
  }
  return out;
}

int generate(const std::string& dir, unsigned seed) {
  Gen g(seed);
  const std::string texts[] = {gen_ip4set(g), gen_ip4tset(g), gen_ip4trie(g), gen_ip6trie(g), gen_ip6tset(g)};
  for (int i = 0; i < 5; ++i) std::ofstream(dir + "/" + kKinds[i]) << texts[i];
  for (std::uint32_t i = 0; i < 300; ++i) g.probes.insert(v4(g.addr4()));
  // Every probe is asked (about 15,000 addresses, 80,000 questions: a few seconds against rbldnsd).
  std::vector<std::string> sample(g.probes.begin(), g.probes.end());
  std::shuffle(sample.begin(), sample.end(), g.rng);
  for (const char* edge : {"0.0.0.0", "255.255.255.255", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::1"})
    sample.push_back(edge);
  std::ofstream p(dir + "/probes");
  for (const auto& a : sample) p << a << "\n";
  std::printf("wrote 5 data files and %zu probe addresses to %s\n", sample.size(), dir.c_str());
  return 0;
}

std::string show(const dns::Answer& a) {
  std::vector<std::string> recs;
  for (const auto& r : a.records) recs.push_back(fmt::format("{} ttl {}", r.value, r.ttl));
  std::sort(recs.begin(), recs.end());
  std::string out(dns::to_string(a.status));
  for (const auto& r : recs) out += " [" + r + "]";
  return out;
}

int compare(const std::string& dir, int port) {
  std::vector<localzone::Spec> specs;
  for (const char* k : kKinds)
    specs.push_back(*localzone::Spec::parse(fmt::format("{}.diff:{}:{}/{}", k, k, dir, k), nullptr));
  std::vector<std::string> warnings;
  const auto set = localzone::ZoneSet::load(specs, nullptr, &warnings);
  std::vector<net::IpAddress> probes;
  std::ifstream in(dir + "/probes");
  for (std::string line; std::getline(in, line);) probes.push_back(*net::IpAddress::parse(line));
  dns::Transport transport(dns::TransportOptions{{*dns::ServerAddress::parse(fmt::format("127.0.0.1:{}", port))},
                                                 std::chrono::milliseconds(1000)});
  std::size_t asked = 0, listed = 0, differ = 0;
  for (const char* k : kKinds) {
    const bool six = k[2] == '6';
    std::vector<dns::Question> questions;
    for (const auto& ip : probes)
      if (ip.is_v4() != six)
        for (auto type : {dns::RrType::A, dns::RrType::TXT})
          questions.push_back({net::dnsbl_query_name(ip, fmt::format("{}.diff", k)), type});
    for (std::size_t at = 0; at < questions.size(); at += kChunk) {
      const std::vector<dns::Question> part(
          questions.begin() + static_cast<long>(at),
          questions.begin() + static_cast<long>(std::min(questions.size(), at + kChunk)));
      const auto theirs = dns::Batch::start(transport, part, dns::Clock::now() + std::chrono::seconds(10))
                              ->wait_until(dns::Clock::now() + std::chrono::seconds(10));
      for (std::size_t i = 0; i < part.size(); ++i) {
        ++asked;
        const auto ours = set->answer(part[i]);
        const std::string a = ours ? show(*ours) : "(not local)", b = show(theirs[i]);
        if (theirs[i].status == dns::Status::Ok) ++listed;
        if (a != b && ++differ <= 40)
          std::printf("DIFF %s %s: dynmilter %s | rbldnsd %s\n", part[i].name.c_str(),
                      std::string(dns::to_string(part[i].type)).c_str(), a.c_str(), b.c_str());
      }
    }
  }
  std::printf("%zu questions (%zu answered 'listed' by rbldnsd), %zu differences; %zu load warnings\n", asked, listed,
              differ, warnings.size());
  return differ == 0 && asked > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "generate")
    return generate(argv[2], static_cast<unsigned>(std::atoi(argv[3])));
  if (argc == 4 && std::string(argv[1]) == "compare") return compare(argv[2], std::atoi(argv[3]));
  std::fprintf(stderr, "usage: localzone_diff generate DIR SEED | compare DIR PORT\n");
  return 2;
}
