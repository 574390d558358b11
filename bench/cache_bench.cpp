// Cache benchmarks: the cost of a hit and the memory per cached answer at 1 million entries
// (RSS growth), for dynmilter's cache and for the obvious alternative, a mutex-guarded
// std::unordered_map<std::string, Answer>, in the same run. Hits are timed two ways: on a
// working set of recently used answers (a busy MX sees the same clients again: the entries are
// in CPU cache) and uniformly over all entries (every hit goes to DRAM; the machine's latency
// for one dependent load is measured and printed beside it).
// Usage: build/bin/cache_bench [ENTRIES]   (default 1000000)
#include "dns/cache.hpp"
#include "stats.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <numeric>
#include <random>
#include <unordered_map>

using namespace dyn::dns;
using Clock = std::chrono::steady_clock;

namespace {

// DNSBL-shaped questions and answers: a reversed IPv4 address under a list zone, one A record.
// The name is built in place, as a caller builds it from the client address.
void question(int i, Question& q) {
  q.type = RrType::A;
  q.name.clear();
  fmt::format_to(std::back_inserter(q.name), "{}.{}.{}.{}.zen.spamhaus.org", i & 255, (i >> 8) & 255, (i >> 16) & 255,
                 100 + (i >> 24));
}
Answer answer(int i) {
  return Answer{Status::Ok, {Record{RrType::A, 300, fmt::format("127.0.0.{}", 2 + i % 10)}}, 0, ""};
}

struct NaiveCache {  // the peer
  std::mutex mutex;
  std::unordered_map<std::string, Answer> map;
  void put(const Question& q, const Answer& a) {
    std::lock_guard lock(mutex);
    map[q.name + "/" + std::to_string(static_cast<int>(q.type))] = a;
  }
  std::optional<Answer> get(const Question& q) {
    std::lock_guard lock(mutex);
    auto it = map.find(q.name + "/" + std::to_string(static_cast<int>(q.type)));
    if (it == map.end()) return std::nullopt;
    return it->second;
  }
};

struct Result {
  double bytes_per_entry = 0, hot_ns = 0, uniform_ns = 0;
  int misses = 0;
};

// Median cost per get over batches of 100 gets on keys drawn from `keys`. With `prebuilt`
// (the hot working set) the questions are built beforehand; otherwise each is built in place,
// and `cache` may be null to time that building alone.
template <class C>
double time_gets(C* cache, const std::vector<int>& keys, const std::vector<Question>* prebuilt, int* misses) {
  std::mt19937 rng(7);
  std::vector<double> per_op;
  constexpr int kBatch = 100;
  Question q;
  std::size_t sink = 0;
  for (int b = 0; b < 5000; ++b) {
    int idx[kBatch];
    for (int& x : idx) x = static_cast<int>(rng() % keys.size());
    const auto start = Clock::now();
    for (int x : idx) {
      const Question* ask = &q;
      if (prebuilt)
        ask = &(*prebuilt)[x];
      else
        question(keys[x], q);
      if (cache)
        *misses += !cache->get(*ask).has_value();
      else
        sink += q.name.size();
    }
    per_op.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count() / kBatch);
  }
  return sink == 1 ? 0 : bench::percentile(per_op, 50);
}

template <class C>
Result measure(C& cache, int entries) {
  Result r;
  Question q;
  const long before = bench::rss_bytes();
  for (int i = 0; i < entries; ++i) {
    question(i, q);
    cache.put(q, answer(i));
  }
  r.bytes_per_entry = static_cast<double>(bench::rss_bytes() - before) / entries;
  std::vector<int> all(entries);
  std::iota(all.begin(), all.end(), 0);
  std::vector<int> hot(all);
  std::shuffle(hot.begin(), hot.end(), std::mt19937(3));
  hot.resize(std::min(entries, 10'000));
  std::vector<Question> hot_questions(hot.size());
  for (std::size_t i = 0; i < hot.size(); ++i) question(hot[i], hot_questions[i]);
  time_gets(&cache, hot, &hot_questions, &r.misses);  // warm the working set once
  r.misses = 0;
  r.hot_ns = time_gets(&cache, hot, &hot_questions, &r.misses);
  r.uniform_ns = time_gets(&cache, all, nullptr, &r.misses);
  return r;
}

// Nanoseconds for one dependent load from a 128 MiB random cycle: the DRAM latency every
// uniformly random hit pays once per pointer it follows.
double dram_latency_ns() {
  const std::size_t n = std::size_t(1) << 24;
  std::vector<std::uint32_t> next(n), perm(n);
  std::iota(perm.begin(), perm.end(), 0u);
  std::shuffle(perm.begin() + 1, perm.end(), std::mt19937(1));
  for (std::size_t i = 0; i < n; ++i) next[perm[i]] = perm[(i + 1) % n];
  std::uint32_t p = 0;
  const int steps = 3'000'000;
  const auto start = Clock::now();
  for (int i = 0; i < steps; ++i) p = next[p];
  const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count() / steps;
  return p == 0xffffffffu ? 0 : ns;
}

}  // namespace

int main(int argc, char** argv) {
  const int entries = argc > 1 ? std::atoi(argv[1]) : 1'000'000;
  Result ours, peer;
  std::size_t held = 0;
  {
    CacheOptions o;
    o.capacity = static_cast<std::size_t>(entries);
    Cache cache(o);
    ours = measure(cache, entries);
    held = cache.stats().size;
  }
  {
    NaiveCache naive;
    peer = measure(naive, entries);
  }
  const double dram = dram_latency_ns();
  std::vector<int> all(entries);
  std::iota(all.begin(), all.end(), 0);
  int unused = 0;
  const double naming = time_gets<Cache>(nullptr, all, nullptr, &unused);
  fmt::print("cache, {} DNSBL answers (name like 7.113.0.203.zen.spamhaus.org, one A record)\n", entries);
  fmt::print(
      "   dynmilter Cache:           {:.1f} bytes/entry RSS (target <= 100); hit median {:.0f} ns on 10k recently used "
      "(target <= 200), {:.0f} ns uniform over all\n",
      ours.bytes_per_entry, ours.hot_ns, ours.uniform_ns - naming);
  fmt::print(
      "   peer unordered_map+mutex:  {:.1f} bytes/entry RSS; hit median {:.0f} ns on 10k recently used, {:.0f} ns "
      "uniform\n",
      peer.bytes_per_entry, peer.hot_ns, peer.uniform_ns - naming);
  fmt::print("   (uniform figures are net of building each name, {:.0f} ns, timed alone in this run)\n", naming);
  fmt::print("   this machine: {:.0f} ns per dependent DRAM load (a uniform hit follows 2: index slot, entry)\n", dram);
  fmt::print("   held {} of {} ({} evicted early: 16 shards fill unevenly); {} misses among timed gets\n", held,
             entries, entries - static_cast<long>(held), ours.misses);
  return 0;
}
