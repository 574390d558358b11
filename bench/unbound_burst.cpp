// unbound_burst: the reference peer of bench/cold_burst.sh. The same wave of new clients, their
// DNS questions asked through libunbound (unbound's resolver engine, as a library) forwarding to
// the same responder, with no milter in between: what a mature asynchronous resolver achieves on
// the same questions at the same rate.
//   unbound_burst PORT FIRST CLIENTS SECONDS BUDGET_MS [LISTS]
// Client i (FIRST <= i < FIRST+CLIENTS) has bench/soak_client's address for session i: 3 in 5 are
// "good" (100.64.0.0/10; their MTA named them, so only the LISTS list queries are asked), 2 in 5
// "dynamic" (198.18.0.0/15: their PTR and the LISTS list queries). The clients start evenly over
// SECONDS; each one's questions are asked at once. A client is done when all its answers are in.
// Prints the time to done p50/p99/max, clients over BUDGET_MS, failed lookups (an error, or
// SERVFAIL), and the process's CPU per client (libunbound's worker thread included).
#include "stats.hpp"

#include <unbound.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <poll.h>
#include <string>
#include <sys/resource.h>
#include <vector>

using Clock = std::chrono::steady_clock;

namespace {

struct Client {
  Clock::time_point start;
  int pending = 0;
};

struct Run {
  std::vector<Client> clients;
  std::vector<double> done_ms;
  long failed = 0, answered = 0;
};

struct Ticket {
  Run* run;
  std::size_t client;
};

void on_answer(void* arg, int err, ub_result* result) {
  auto* t = static_cast<Ticket*>(arg);
  Run& run = *t->run;
  ++run.answered;
  if (err != 0 || result == nullptr || result->rcode == 2 /* SERVFAIL */) ++run.failed;
  if (result) ub_resolve_free(result);
  Client& c = run.clients[t->client];
  if (--c.pending == 0)
    run.done_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - c.start).count());
  delete t;
}

std::string address(long i, bool* dynamic) {
  *dynamic = i % 5 >= 3;
  const std::string low = std::to_string(i >> 8 & 255) + "." + std::to_string(i & 255);
  return *dynamic ? "198." + std::to_string(18 + (i >> 16 & 1)) + "." + low
                  : "100." + std::to_string(64 + (i >> 16 & 63)) + "." + low;
}

std::string reversed(const std::string& ip) {  // "a.b.c.d" -> "d.c.b.a"
  std::vector<std::string> o;
  std::size_t p = 0;
  for (std::size_t q; (q = ip.find('.', p)) != std::string::npos; p = q + 1) o.push_back(ip.substr(p, q - p));
  o.push_back(ip.substr(p));
  return o[3] + "." + o[2] + "." + o[1] + "." + o[0];
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

bool set(ub_ctx* ctx, const char* option, const char* value) {
  if (int e = ub_ctx_set_option(ctx, option, value); e != 0) {
    std::fprintf(stderr, "unbound_burst: %s %s: %s\n", option, value, ub_strerror(e));
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: unbound_burst PORT FIRST CLIENTS SECONDS BUDGET_MS [LISTS]\n");
    return 2;
  }
  const std::string port = argv[1];
  const long first = std::atol(argv[2]), count = std::atol(argv[3]);
  const double seconds = std::atof(argv[4]), budget_ms = std::atof(argv[5]);
  const int lists = argc > 6 ? std::atoi(argv[6]) : 6;
  if (count <= 0 || seconds <= 0 || lists < 0) {
    std::fprintf(stderr, "unbound_burst: CLIENTS and SECONDS must be positive\n");
    return 2;
  }

  ub_ctx* ctx = ub_ctx_create();
  if (!ctx) return 1;
  // A worker thread rather than a forked process, so that its CPU is this process's.
  if (ub_ctx_async(ctx, 1) != 0 || ub_ctx_set_fwd(ctx, ("127.0.0.1@" + port).c_str()) != 0) return 1;
  // The responder is on loopback, which unbound refuses to ask by default. With the library's
  // default outgoing-range, questions queued inside it from about 50 clients a second on (p50 1.1 s
  // at 100/s, measured here); with 8192 ports every question goes out at once (p50 53 ms), as
  // unbound's documentation advises for a busy resolver. The peer is given its best setting.
  if (!set(ctx, "do-not-query-localhost:", "no") || !set(ctx, "num-queries-per-thread:", "4096") ||
      !set(ctx, "outgoing-range:", "8192"))
    return 1;

  Run run;
  run.clients.resize(static_cast<std::size_t>(count));
  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  long next = 0;
  const int fd = ub_fd(ctx);
  while (next < count || static_cast<long>(run.done_ms.size()) < count) {
    const auto now = Clock::now();
    while (next < count && now >= t0 + std::chrono::duration<double>(seconds * static_cast<double>(next) /
                                                                     static_cast<double>(count))) {
      bool dynamic = false;
      const std::string ip = address(first + next, &dynamic);
      const std::string rev = reversed(ip);
      std::vector<std::pair<std::string, int>> questions;
      if (dynamic) questions.emplace_back(rev + ".in-addr.arpa", 12 /* PTR */);
      for (int l = 0; l < lists; ++l) questions.emplace_back(rev + ".list" + std::to_string(l) + ".bench", 1 /* A */);
      Client& c = run.clients[static_cast<std::size_t>(next)];
      c.start = Clock::now();
      c.pending = static_cast<int>(questions.size());
      for (const auto& [name, type] : questions) {
        auto* t = new Ticket{&run, static_cast<std::size_t>(next)};
        if (ub_resolve_async(ctx, name.c_str(), type, 1 /* IN */, t, on_answer, nullptr) != 0) {
          delete t;
          ++run.failed;
          if (--c.pending == 0) run.done_ms.push_back(0);
        }
      }
      ++next;
    }
    int wait_ms = 100;
    if (next < count) {
      const auto due =
          t0 + std::chrono::duration<double>(seconds * static_cast<double>(next) / static_cast<double>(count));
      wait_ms = static_cast<int>(
          std::max<long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(due - Clock::now()).count()));
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, wait_ms) > 0 && ub_process(ctx) != 0) {
      std::fprintf(stderr, "unbound_burst: ub_process failed\n");
      return 1;
    }
    if (Clock::now() - t0 > std::chrono::duration<double>(seconds + 30)) {
      std::fprintf(stderr, "unbound_burst: %ld clients not done after %.0f s\n",
                   count - static_cast<long>(run.done_ms.size()), seconds + 30);
      break;
    }
  }
  const double cpu = cpu_seconds() - cpu0;
  long over = 0;
  for (double ms : run.done_ms) over += ms > budget_ms;
  std::printf("clients %ld done %zu answers %ld failed %ld\n", count, run.done_ms.size(), run.answered, run.failed);
  std::printf("done ms: p50 %.1f p99 %.1f max %.1f; over the %.0f ms budget: %ld\n", bench::percentile(run.done_ms, 50),
              bench::percentile(run.done_ms, 99), bench::percentile(run.done_ms, 100), budget_ms, over);
  std::printf("cpu us per client: %.1f\n", cpu * 1e6 / static_cast<double>(count));
  ub_ctx_delete(ctx);
  return 0;
}
