// session_bench: dynmilter's own work per warm milter session, without libmilter, sockets or the
// kernel: the Session as milter/callbacks.cpp drives it (CONNECT: the facts from the MTA's
// macros and an incident id; HELO; MAIL; RCPT: the verdict and its reply; close), every answer
// from dynmilter's cache, which a first pass fills. The clients are bench/soak_client's: 3 in 5 a
// verified server (mx1.example.org), 2 in 5 listed in pbl.test and nameless. The configuration
// is bench/warm_path.sh's (defaults and one list).
//   session_bench [CLIENTS] [PASSES] [EVICT_MB [DAEMON_OPTION...]]     (defaults 5000, 10 and 0)
// EVICT_MB sweeps that much memory before each stage (see sweep()); DAEMON_OPTIONs are added to the
// configuration (--exempt-network 0.0.0.0/0: the milter glue alone, nothing looked up).
// SWEEP_STRIDE=4096 in the environment writes one byte per 4 KB page instead of one per 64-byte
// line: the TLB goes cold (EVICT_MB=16 is 4,096 pages) while few cache lines are evicted.
// Prints this thread's CPU per session, by stage, and cache lookups and allocations per session.
// It is the instrument for the part of
// bench/warm_path.sh's gap (dynmilter against a do-nothing milter, measured there in the same run)
// that is dynmilter's own: the peer figure is warm_path.sh's, not this program's.
#include "../milter/session.hpp"
#include "options/options.hpp"
#include "dns/resolver.hpp"
#include "localzone/keeper.hpp"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

// Counts this program's C++ allocations (the cache's blobs use malloc and are not counted; a warm
// pass stores none).
static std::atomic<long> g_allocations{0};
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace dyn;

namespace {

// The upstream: answers at once, as bench/warm_path.sh's rbldnsd does (cacheable, with a
// negative TTL for "no such name").
class Upstream final : public dns::Querier {
 public:
  void async_query(const dns::Question& q, dns::Deadline, Callback done) override {
    ++asked;
    if (q.type == dns::RrType::A && q.name.find(".pbl.test") != std::string::npos &&
        (q.name.find(".18.198.pbl") != std::string::npos || q.name.find(".19.198.pbl") != std::string::npos)) {
      done(dns::Answer{dns::Status::Ok, {dns::Record{dns::RrType::A, 3600, "127.0.0.10"}}, 0, "", true, {}});
      return;
    }
    done(dns::Answer{dns::Status::NxDomain, {}, 3600, "", true, {}});
  }
  long asked = 0;
};

// This thread's CPU time (a system call: read once per pass); the stages are timed by the
// steady clock (no system call), which is the same for a thread that never blocks.
double thread_cpu_ns() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

struct Stages {
  double connect = 0, helo = 0, mail_rcpt = 0, close = 0;
};

// With EVICT_MB > 0, each stage starts after a sweep over that much other memory, as the daemon's
// stages start after libmilter, the kernel and other processes have run: the stage times then show
// what dynmilter's work costs with its data out of the CPU's caches (the sweeps are not timed).
std::vector<unsigned char> g_sweep;
std::size_t g_stride = 64;
long g_unexpected = 0;  // verdicts other than the clients' kind (expected with options that exempt them)
void sweep() {
  for (std::size_t i = 0; i < g_sweep.size(); i += g_stride) g_sweep[i] = static_cast<unsigned char>(g_sweep[i] + 1);
}

// The daemon keeps its last verdicts for dynmilter-ctl why (--history, 10000 by default).
control::History g_history(std::getenv("HISTORY") ? std::strtoul(std::getenv("HISTORY"), nullptr, 10) : 10000);

void one_session(long i, const std::shared_ptr<const policy::PreparedConfig>& config, dns::Querier& querier,
                 const dnsbl::HealthBoard& health, Stages& s) {
  auto now = [] { return static_cast<double>(std::chrono::steady_clock::now().time_since_epoch().count()); };
  auto start = [&] { return sweep(), now(); };
  const bool good = i % 5 < 3;
  auto octets = [](long n) { return std::to_string(n >> 8 & 255) + "." + std::to_string(n & 255); };
  const std::string ip = good ? "100." + std::to_string(64 + (i >> 16 & 63)) + "." + octets(i)
                              : "198." + std::to_string(18 + (i >> 16 & 1)) + "." + octets(i);
  const std::string host = good ? "mx1.example.org" : "unknown";
  double t0 = start();
  rdns::RdnsMacros m{host, host, std::nullopt, host};
  policy::ClientFacts facts{net::IpAddress::parse(ip), host, rdns::from_macros(m)};
  facts.id = policy::new_incident_id();
  auto* session =
      new milter::Session(config, std::move(facts), querier, &health,
                          milter::Observers{nullptr, nullptr, std::getenv("NO_HISTORY") ? nullptr : &g_history});
  s.connect += now() - t0;
  double t1 = start();
  session->on_helo(good ? "mx1.example.org" : "pc-7", querier);
  s.helo += now() - t1;
  double t2 = start();
  session->on_mail(std::nullopt);
  const policy::Verdict* v = session->verdict_for("<user@example.org>");
  if (v == nullptr || (v->action == policy::Action::Accept) != good) ++g_unexpected;  // counted, printed at the end
  s.mail_rcpt += now() - t2;
  double t3 = start();
  delete session;
  s.close += now() - t3;
}

}  // namespace

int main(int argc, char** argv) {
  const long clients = argc > 1 ? std::stol(argv[1]) : 5000;
  const int passes = argc > 2 ? std::stoi(argv[2]) : 10;
  g_sweep.resize(static_cast<std::size_t>(argc > 3 ? std::stol(argv[3]) : 0) << 20);
  if (const char* stride = std::getenv("SWEEP_STRIDE"))
    g_stride = static_cast<std::size_t>(std::max(1L, std::atol(stride)));
  std::vector<const char*> args = {"dynmilter", "--dnsbl", "pbl.test=127.0.0.[10..11]*3", "--log-level", "warning"};
  for (int i = 4; i < argc; ++i) args.push_back(argv[i]);  // more daemon options, as warm_path.sh's DYN_ARGS
  auto inv = config::parse_invocation(static_cast<int>(args.size()), args.data(), config::kDaemon);
  log::set_max_level(inv.config.log_level);
  const auto config = std::make_shared<const config::Config>(std::move(inv.config));
  const auto policy = std::make_shared<const policy::PreparedConfig>(config);  // as milter/callbacks.cpp keeps it
  Upstream upstream;
  dns::CachingResolver resolver(upstream, config::cache_options(*config), config->dns_timeout.value);
  localzone::Keeper no_local_zones;  // the daemon's querier is the local zones in front of the cache
  localzone::LocalQuerier querier(no_local_zones.zones(), resolver);
  dnsbl::HealthBoard health;
  health.track({"pbl.test"});
  health.update("pbl.test", dnsbl::ZoneHealth{dnsbl::Health::Healthy, ""});
  Stages fill;
  for (long i = 0; i < clients; ++i) one_session(i, policy, querier, health, fill);
  const long filled = upstream.asked;
  Stages s;
  const auto hits0 = resolver.stats().cache_hits;
  const long allocations0 = g_allocations.load();
  double cpu = 0;
  for (int p = 0; p < passes; ++p) {
    const double c0 = thread_cpu_ns();
    for (long i = 0; i < clients; ++i) one_session(i, policy, querier, health, s);
    cpu += thread_cpu_ns() - c0;
  }
  const double n = static_cast<double>(clients) * passes;
  std::printf(
      "session_bench: %ld clients, %d warm passes (%.0f sessions); upstream questions: %ld to fill the cache, %ld "
      "after\n",
      clients, passes, n, filled, upstream.asked - filled);
  const double staged = s.connect + s.helo + s.mail_rcpt + s.close;
  std::printf(
      "dynmilter's own CPU per warm session: %.2f us%s; by stage (steady clock): CONNECT %.2f, HELO %.2f, "
      "MAIL+RCPT %.2f, close %.2f; per session: %.2f cache lookups, %.1f allocations\n",
      (g_sweep.empty() ? cpu : staged) / n / 1e3,
      g_sweep.empty()  ? ""
      : g_stride == 64 ? " (the stages' sum: each starts with the CPU's caches swept)"
                       : " (the stages' sum: each starts after a sweep of one byte per SWEEP_STRIDE)",
      s.connect / n / 1e3, s.helo / n / 1e3, s.mail_rcpt / n / 1e3, s.close / n / 1e3,
      static_cast<double>(resolver.stats().cache_hits - hits0) / n,
      static_cast<double>(g_allocations.load() - allocations0) / n);
  if (g_unexpected > 0) std::printf("verdicts other than the clients' kind: %ld\n", g_unexpected);
  std::printf("peer: bench/warm_path.sh (dynmilter against a do-nothing libmilter milter, same sessions, same run)\n");
  return 0;
}
