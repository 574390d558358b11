// Local zones (issue 14): an ip4tset of N addresses (default 10 million, uniformly random; with
// "clumped", packed into dense /16s as real lists are), loaded from a file and asked, beside the
// peers measured in the same run:
//  1. load: read + parse + sort + index, seconds (target <= 3 s for 10 million);
//  2. memory: bytes per entry, the structure's own count and the RSS it added (target <= 4.5);
//  3. lookup latency, each lookup's address depending on the previous answer, median over blocks
//     of 1,000: SortedKeys vs a plain binary search over the same keys vs one dependent DRAM load
//     (a 256 MiB random pointer cycle) (target p50 <= 1.5x one DRAM load);
//  4. a whole question ("d.c.b.a.zone" A -> answer), as the daemon asks it, in-process;
//  5. with RBLDNSD_PORT set (bench/localzone_bench.sh starts rbldnsd on the same file): the same
//     questions asked of rbldnsd over loopback UDP, one at a time, and its resident memory.
// Usage: build/bin/localzone_bench [N] [clumped]
#include "dns/wire.hpp"
#include "localzone/sorted_keys.hpp"
#include "localzone/zones.hpp"
#include "net/reverse.hpp"
#include "stats.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using namespace dyn;
using Clock = std::chrono::steady_clock;

namespace {

long rss_of(const char* pid) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6) * 1024;
  return 0;
}

std::string v4(std::uint32_t a) {
  return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

// The median over blocks of 1,000 dependent steps of ns per step; `step(i, prev)` returns a
// value the next step depends on.
template <class Step>
double median_ns(std::size_t steps, Step step) {
  std::vector<double> blocks;
  std::uint64_t carry = 0;
  for (std::size_t b = 0; b < steps / 1000; ++b) {
    const auto start = Clock::now();
    for (std::size_t i = 0; i < 1000; ++i) carry = step(b * 1000 + i, carry);
    blocks.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count() / 1000);
  }
  asm volatile("" : : "r"(carry));  // the chain's result is used: the compiler keeps every step
  return bench::percentile(blocks, 50);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 10'000'000;
  const bool clumped = argc > 2 && std::string(argv[2]) == "clumped";
  std::mt19937_64 rng(1);
  std::vector<std::uint32_t> keys;
  keys.reserve(n + n / 8);
  while (keys.size() < n + n / 16) {
    std::uint32_t a = static_cast<std::uint32_t>(rng());
    if (clumped) a = (0x0a000000u + static_cast<std::uint32_t>(rng() % (n / 40000 + 1)) * 65536u) | (a & 0xffff);
    if ((a >> 24) == 127) continue;
    keys.push_back(a);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::shuffle(keys.begin(), keys.end(), std::mt19937(2));
  keys.resize(std::min(n, keys.size()));
  const char* path = std::getenv("LOCALZONE_FILE") ? std::getenv("LOCALZONE_FILE") : "/tmp/localzone_bench.ip4tset";
  {
    std::string text = ":10:listed $\n";
    for (auto k : keys) (text += v4(k)) += '\n';
    std::ofstream(path, std::ios::binary) << text;
  }
  fmt::print("localzone_bench: ip4tset of {} {} addresses ({})\n", keys.size(), clumped ? "clumped" : "uniform", path);
  if (const char* only = std::getenv("WRITE_ONLY"); only && *only) return 0;

  // 1 and 2: load, memory.
  const long rss0 = bench::rss_bytes();
  const auto spec = *localzone::Spec::parse(fmt::format("bench.zone:ip4tset:{}", path), nullptr);
  const auto t0 = Clock::now();
  const auto set = localzone::ZoneSet::load({spec}, nullptr, nullptr);
  const double load_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const long rss1 = bench::rss_bytes();
  const auto& data = *set->datasets().front().data;
  fmt::print("1. load (read, parse, sort, index): {:.2f} s (target <= 3 s for 10 million)\n", load_s);
  fmt::print(
      "2. memory: {:.2f} bytes per entry counted by the structure, {:.2f} by RSS growth (target <= 4.5);"
      " a sorted uint32 array: 4.00\n",
      static_cast<double>(data.memory_bytes()) / static_cast<double>(keys.size()),
      static_cast<double>(rss1 - rss0) / static_cast<double>(keys.size()));

  // 3: lookups, half of them listed, each chosen by the previous result.
  std::vector<std::uint32_t> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  const localzone::SortedKeys index(sorted);
  std::vector<std::uint32_t> probes(1 << 22);
  for (auto& p : probes) p = rng() % 2 ? keys[rng() % keys.size()] : static_cast<std::uint32_t>(rng());
  const std::size_t mask = probes.size() - 1, steps = 2'000'000;
  const double ours = median_ns(steps, [&](std::size_t i, std::uint64_t c) {
    return static_cast<std::uint64_t>(index.contains(probes[(i * 7919 + c) & mask]));
  });
  const double binary = median_ns(steps, [&](std::size_t i, std::uint64_t c) {
    return static_cast<std::uint64_t>(std::binary_search(sorted.begin(), sorted.end(), probes[(i * 7919 + c) & mask]));
  });
  std::vector<std::uint32_t> next(std::size_t{1} << 26), perm(next.size());
  std::iota(perm.begin(), perm.end(), 0u);
  std::shuffle(perm.begin() + 1, perm.end(), std::mt19937(3));
  for (std::size_t i = 0; i < perm.size(); ++i) next[perm[i]] = perm[(i + 1) % perm.size()];
  const double dram = median_ns(steps, [&](std::size_t, std::uint64_t c) { return next[c]; });
  fmt::print(
      "3. lookup, p50 of 1,000-lookup blocks: {:.0f} ns; plain binary search over the same keys: {:.0f} ns; "
      "one dependent DRAM load: {:.0f} ns -> {:.2f}x a DRAM load (target <= 1.5x), binary search {:.2f}x\n",
      ours, binary, dram, ours / dram, binary / dram);

  // 4: whole questions as the daemon asks them.
  std::vector<dns::Question> questions;
  for (std::size_t i = 0; i < 100'000; ++i) {
    const std::uint32_t a = probes[i];
    questions.push_back(
        {net::dnsbl_query_name(net::IpAddress::v4(a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255), "bench.zone"),
         dns::RrType::A});
  }
  std::size_t listed = 0;
  std::vector<double> per;
  for (std::size_t b = 0; b < questions.size() / 1000; ++b) {
    const auto start = Clock::now();
    for (std::size_t i = b * 1000; i < (b + 1) * 1000; ++i)
      listed += set->answer(questions[i])->status == dns::Status::Ok;
    per.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count() / 1000);
  }
  fmt::print("4. a whole question in-process (name -> answer with records): p50 {:.0f} ns; {} of {} listed\n",
             bench::percentile(per, 50), listed, questions.size());

  // 5: rbldnsd, when bench/localzone_bench.sh runs it on the same file.
  if (const char* port = std::getenv("RBLDNSD_PORT")) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(std::atoi(port)));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) return 1;
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::vector<double> rtt;
    std::size_t theirs = 0;
    std::uint8_t buf[1500];
    for (std::size_t i = 0; i < 20'000; ++i) {
      const auto q = dns::wire::encode_query(static_cast<std::uint16_t>(i), questions[i]);
      const auto start = Clock::now();
      if (::send(fd, q.data(), q.size(), 0) < 0) return 1;
      const auto got = ::recv(fd, buf, sizeof buf, 0);
      rtt.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count());
      if (got > 3 && (buf[3] & 0x0f) == 0) ++theirs;  // NOERROR: listed
    }
    ::close(fd);
    std::size_t ours_listed = 0;
    for (std::size_t i = 0; i < 20'000; ++i) ours_listed += set->answer(questions[i])->status == dns::Status::Ok;
    const char* pid = std::getenv("RBLDNSD_PID");
    fmt::print(
        "5. rbldnsd over loopback UDP, the same 20,000 questions one at a time: p50 {:.0f} ns, p99 {:.0f} ns "
        "({:.0f}x the in-process question); it found {} listed, dynmilter {}; its RSS {:.1f} MB = {:.2f} bytes "
        "per entry\n",
        bench::percentile(rtt, 50), bench::percentile(rtt, 99), bench::percentile(rtt, 50) / bench::percentile(per, 50),
        theirs, ours_listed, pid ? static_cast<double>(rss_of(pid)) / 1e6 : 0.0,
        pid ? static_cast<double>(rss_of(pid)) / static_cast<double>(keys.size()) : 0.0);
  }
  return 0;
}
