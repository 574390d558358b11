// soak_client: many whole milter sessions, as Postfix would send them, from CONCURRENCY threads
// against a running dynmilter; reports how each ended and how long RCPT waited.
//   soak_client SOCKET FIRST SESSIONS CONCURRENCY BUDGET_MS [SECONDS]
// With SECONDS, the sessions are spread evenly over at least that long (so that a phase lasts
// while its faults are injected).
// Session i (FIRST <= i < FIRST+SESSIONS) comes from its own address, so that no answer is cached
// from an earlier session. Two kinds of client: "good" ones (100.64.0.0/10, whose MTA-verified
// name is mx1.example.org) must always be accepted; "dynamic" ones (198.18.0.0/15, dynamic in the
// soak's pbl.test, no reverse DNS) are expected to be rejected.
// A failure: a session that could not connect, got no answer within 10 s, was cut off, or a good
// client that was not accepted. Exit 0 when there was none and every RCPT came within BUDGET_MS.
#include "../test/tools/milter_wire.hpp"
#include "stats.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace dyn::test::milter_wire;
using Clock = std::chrono::steady_clock;

namespace {

struct Tally {
  std::mutex mutex;
  std::vector<double> rcpt_ms;
  long no_connection = 0, hung = 0, closed = 0;
  long good = 0, good_accepted = 0, dynamic = 0, dynamic_rejected = 0, other = 0;
};

enum class Kind { Good, Dynamic };

// One session; returns false on a protocol failure (counted by the caller).
bool one_session(const std::string& spec, long i, Tally& t) {
  const Kind kind = i % 5 < 3 ? Kind::Good : Kind::Dynamic;
  auto octets = [](long n) { return std::to_string(n >> 8 & 255) + "." + std::to_string(n & 255); };
  const std::string ip = kind == Kind::Good ? "100." + std::to_string(64 + (i >> 16 & 63)) + "." + octets(i)
                                            : "198." + std::to_string(18 + (i >> 16 & 1)) + "." + octets(i);
  const Bytes names = kind == Kind::Good
                          ? z("{client_name}") + z("mx1.example.org") + z("{client_ptr}") + z("mx1.example.org")
                          : z("{client_name}") + z("unknown") + z("{client_ptr}") + z("unknown");
  const int fd = open_socket(spec);
  if (fd < 0) {
    std::lock_guard lock(t.mutex);
    ++t.no_connection;
    return false;
  }
  ReplyReader reader(fd);
  ReplyReader::Reply reply;
  auto step = [&](const Bytes& bytes) {
    if (!send_all(fd, bytes)) return ReplyReader::End::Closed;
    return reader.next(10000, reply);
  };
  const std::string host = kind == Kind::Good ? "mx1.example.org" : "unknown";
  ReplyReader::End end = step(optneg());
  if (end == ReplyReader::End::Reply) end = step(macro('C', names) + connect_v4(host, ip));
  if (end == ReplyReader::End::Reply) end = step(helo(kind == Kind::Good ? "mx1.example.org" : "pc-7"));
  if (end == ReplyReader::End::Reply) end = step(mail("<sender@example.net>"));
  double waited = 0;
  if (end == ReplyReader::End::Reply) {
    const auto start = Clock::now();
    end = step(rcpt("<user@example.org>"));
    waited = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  }
  send_all(fd, quit());
  ::close(fd);
  std::lock_guard lock(t.mutex);
  if (end != ReplyReader::End::Reply) {
    ++(end == ReplyReader::End::Quiet ? t.hung : t.closed);
    return false;
  }
  t.rcpt_ms.push_back(waited);
  const bool accepted = reply.command == 'c';
  const bool rejected = reply.command == 'r' || (reply.command == 'y' && !reply.data.empty() && reply.data[0] == '5');
  if (kind == Kind::Good) {
    ++t.good;
    if (accepted) ++t.good_accepted;
  } else {
    ++t.dynamic;
    if (rejected)
      ++t.dynamic_rejected;
    else if (!accepted)
      ++t.other;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6 && argc != 7) {
    std::fprintf(stderr, "usage: soak_client SOCKET FIRST SESSIONS CONCURRENCY BUDGET_MS [SECONDS]\n");
    return 2;
  }
  const std::string spec = argv[1];
  const long first = std::stol(argv[2]), sessions = std::stol(argv[3]);
  const int concurrency = std::stoi(argv[4]);
  const double budget = std::stod(argv[5]);
  const double spread = argc == 7 ? std::stod(argv[6]) : 0;
  const auto start = Clock::now();
  Tally t;
  std::atomic<long> next{first};
  std::vector<std::thread> workers;
  for (int w = 0; w < concurrency; ++w)
    workers.emplace_back([&] {
      for (long i = next++; i < first + sessions; i = next++) {
        const auto due =
            std::chrono::duration<double>(spread * static_cast<double>(i - first) / static_cast<double>(sessions));
        std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(due));
        one_session(spec, i, t);
      }
    });
  for (auto& w : workers) w.join();

  const long failed = t.no_connection + t.hung + t.closed + (t.good - t.good_accepted);
  long over = 0;
  for (double ms : t.rcpt_ms) over += ms > budget;
  std::printf(
      "sessions %ld: answered %zu, failed %ld (no connection %ld, no answer in 10 s %ld, cut off %ld, good refused "
      "%ld)\n",
      sessions, t.rcpt_ms.size(), failed, t.no_connection, t.hung, t.closed, t.good - t.good_accepted);
  std::printf("good clients %ld: accepted %ld; dynamic clients %ld: rejected %ld, accepted %ld, other %ld\n", t.good,
              t.good_accepted, t.dynamic, t.dynamic_rejected, t.dynamic - t.dynamic_rejected - t.other, t.other);
  std::printf("RCPT wait ms: p50 %.1f p99 %.1f max %.1f; over the %.0f ms budget: %ld\n",
              bench::percentile(t.rcpt_ms, 50), bench::percentile(t.rcpt_ms, 99), bench::percentile(t.rcpt_ms, 100),
              budget, over);
  return failed == 0 && over == 0 ? 0 : 1;
}
