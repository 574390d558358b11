// dynmilter: parse the configuration, open the milter socket, start the DNS I/O thread, serve.
#include "callbacks.hpp"
#include "daemon.hpp"
#include "metrics.hpp"
#include "protocol_guard.hpp"
#include "control.hpp"
#include "options/options.hpp"
#include "dns/resolver.hpp"
#include "dns/transport.hpp"
#include "dnsbl/prober.hpp"
#include "localzone/keeper.hpp"
#include "store/redis.hpp"
#include "util/log.hpp"

#include <libmilter/mfapi.h>

#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <signal.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace dyn;

localzone::Limits local_limits(const config::Config& c) {
  return {c.local_zone_max_bytes.value, c.local_zone_max_shrink};
}

void syslog_sink(log::Level level, std::string_view line) {
  int prio = LOG_INFO;
  switch (level) {
    case log::Level::Error: prio = LOG_ERR; break;
    case log::Level::Warning: prio = LOG_WARNING; break;
    case log::Level::Notice: prio = LOG_NOTICE; break;
    case log::Level::Info: prio = LOG_INFO; break;
    case log::Level::Debug: prio = LOG_DEBUG; break;
  }
  syslog(prio, "%.*s", static_cast<int>(line.size()), line.data());
}

std::string summary(const config::Config& c) {
  std::string lists, servers;
  for (auto z : c.dnsbls) {
    z.zone = z.safe_name();  // never log an access key
    lists += (lists.empty() ? "" : " ") + z.to_string();
  }
  for (const auto& s : c.dns_servers) servers += (servers.empty() ? "" : " ") + s.to_string();
  return "socket=" + c.socket + " dnsbl=[" + lists + "] threshold=" + std::to_string(c.threshold) + " dns=[" + servers +
         "] dns-timeout=" + c.dns_timeout.to_string();
}

// What a reload cannot change in a running daemon: the socket, the identity, the probes' rhythm.
std::vector<std::string> needs_restart(const config::Config& a, const config::Config& b) {
  std::vector<std::string> out;
  if (a.socket != b.socket) out.push_back("socket");
  if (a.dnsbl_probe_interval != b.dnsbl_probe_interval) out.push_back("dnsbl-probe-interval");
  if (a.resolver_check != b.resolver_check) out.push_back("resolver-check");
  if (a.foreground != b.foreground) out.push_back("foreground");
  if (a.user != b.user || a.group != b.group) out.push_back("user/group");
  if (a.socket_owner != b.socket_owner || a.socket_mode != b.socket_mode) out.push_back("socket-owner/socket-mode");
  if (a.syslog_facility != b.syslog_facility) out.push_back("syslog-facility");
  if (a.metrics != b.metrics) out.push_back("metrics");
  if (a.control_socket != b.control_socket) out.push_back("control-socket");
  if (a.history != b.history) out.push_back("history");
  if (a.public_socket != b.public_socket) out.push_back("public-socket");
  if (a.history_redis != b.history_redis || a.history_expire != b.history_expire)
    out.push_back("history-redis/history-expire");
  return out;
}

// The access keys in a configuration's list names: no log line may show them.
void hide_keys(const config::Config& c) {
  std::vector<std::string> keys;
  for (const auto& z : c.dnsbls)
    if (const auto safe = z.safe_name(); safe != z.zone)
      keys.push_back(z.zone.substr(0, z.zone.size() - safe.size() - 1));
  log::set_secrets(std::move(keys));
}

// SIGUSR1: rebuild the whole configuration (command line, config file, rule and allow files),
// validate it, probe the lists it adds, and swap it in as one generation; on any error keep
// the running one. Runs on its own thread, waiting with sigtimedwait() so that it notices the stop.
// The DNS layer follows a reload too: new servers for the next attempt of every lookup, and a
// new empty cache when its size or TTL bounds changed.
struct DnsLayer {
  dns::Transport& transport;
  dns::CachingResolver& resolver;
  localzone::Keeper& local;
};

void reconfigure_dns(DnsLayer dns, const config::Config& was, const config::Config& now) {
  if (was.dns_servers != now.dns_servers) {
    dns.transport.set_servers(now.dns_servers);
    std::string list;
    for (const auto& s : now.dns_servers) list += (list.empty() ? "" : " ") + s.to_string();
    log::notice("reload: DNS servers now {}", list);
  }
  if (was.dns_cache_size != now.dns_cache_size || was.dns_min_ttl != now.dns_min_ttl ||
      was.dns_max_ttl != now.dns_max_ttl) {
    dns.resolver.replace_cache(config::cache_options(now));
    log::notice("reload: DNS cache settings changed; the cache starts empty");
  }
  if (was.dns_timeout != now.dns_timeout) dns.resolver.set_query_lifetime(now.dns_timeout.value);
}

void reload_loop(int argc, char** argv, std::shared_ptr<const config::Config> running, dnsbl::Prober& prober,
                 DnsLayer dns, milter::Metrics* metrics, std::atomic<bool>& stop) {
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  const timespec tick{0, 200'000'000};
  int ticks = 0;
  while (!stop.load()) {
    if (sigtimedwait(&usr1, nullptr, &tick) != SIGUSR1) {
      if (++ticks % 50 == 0) dns.local.check_files();  // every 10 s: local zone files that changed
      continue;
    }
    try {
      auto next = config::parse_invocation(argc, argv, config::kDaemon);
      auto fresh = std::make_shared<const config::Config>(std::move(next.config));
      auto local = dns.local.prepare(fresh->local_zones, local_limits(*fresh));  // a bad file fails the reload here
      for (const auto& name : needs_restart(*running, *fresh))
        log::warning("reload: {} changed; it takes effect at the next restart", name);
      log::set_max_level(fresh->log_level);
      hide_keys(*fresh);
      reconfigure_dns(dns, *running, *fresh);
      dns.local.install(std::move(local));  // before the probes: a new local list is probed from its data
      prober.reconfigure(fresh->dnsbls);    // a new list counts only once its probe finds it healthy
      // New servers: every list and the resolver itself are judged again through them.
      if (running->dns_servers != fresh->dns_servers) prober.probe_once();
      milter::replace_config(fresh);
      running = std::move(fresh);
      log::notice("configuration reloaded");
      if (metrics) {
        metrics->reload(true);
        metrics->lists(running->dnsbls);
      }
    } catch (const std::exception& e) {
      log::warning("reload failed, keeping the running configuration: {}", e.what());
      if (metrics) metrics->reload(false);
    }
  }
}

int facility_of(const std::string& name) {
  if (name == "daemon") return LOG_DAEMON;
  if (name == "user") return LOG_USER;
  if (name.rfind("local", 0) == 0 && name.size() == 6) {
    static constexpr int local[] = {LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
                                    LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7};
    return local[name[5] - '0'];
  }
  return LOG_MAIL;
}

// Under slow DNS each waiting connection holds sockets of its own and of its lookups: use the
// whole hard limit on open files that the system (or systemd's LimitNOFILE) grants.
void raise_fd_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur >= r.rlim_max) return;
  r.rlim_cur = r.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &r) != 0) log::warning("cannot raise the open-file limit to {}", r.rlim_max);
}

// Removes the unix socket when the start fails or the daemon stops, so that nothing is left
// behind; but not a socket that another process has put there since (another inode).
struct SocketGuard {
  std::string path;
  bool keep = false;
  ino_t inode = 0;
  void created() {
    struct stat st {};
    if (!path.empty() && ::lstat(path.c_str(), &st) == 0) inode = st.st_ino;
  }
  ~SocketGuard() {
    struct stat st {};
    if (path.empty() || keep || ::lstat(path.c_str(), &st) != 0) return;
    if (inode == 0 || st.st_ino == inode) ::unlink(path.c_str());
  }
};

// Everything that can fail happens before the socket is handed to libmilter's loop and before
// the background parent is told "started": the identity, the socket path, the metrics port, the
// socket itself, its owner and mode, dropping root.
int serve(const std::shared_ptr<const config::Config>& config, int argc, char** argv, milter::Background* background) {
  // libmilter stops on SIGHUP/SIGTERM (and aborts on SIGINT) from a thread of its own that waits
  // for them with sigwait(); every other thread must have them blocked, or the kernel may hand
  // one to a DNS, probe or metrics thread, whose default action kills the process without a
  // clean stop. So they are blocked here, before any thread starts (threads inherit the mask).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  for (int s : {SIGHUP, SIGTERM, SIGINT, SIGUSR1, SIGUSR2}) sigaddset(&stop_signals, s);  // USR1: reload thread
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();
  hide_keys(*config);

  const auto identity = milter::resolve_identity(config->user, config->group);
  const std::string path = milter::unix_socket_path(config->socket);
  if (!path.empty()) milter::check_socket_path(path);
  std::unique_ptr<milter::Metrics> metrics;
  if (!config->metrics.empty()) metrics = std::make_unique<milter::Metrics>(config->metrics);

  smfiDesc table = milter::callback_table();
  if (smfi_register(table) != MI_SUCCESS) throw milter::StartError(1, "smfi_register failed");
  smfi_settimeout(
      static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(config->milter_timeout.value).count()));
  std::string socket = config->socket;
  if (smfi_setconn(socket.data()) != MI_SUCCESS) throw milter::StartError(2, "bad milter socket '" + socket + "'");
  SocketGuard guard{path};
  const mode_t old_umask = ::umask(0177);  // the socket is born private; its mode is set below
  const bool opened = smfi_opensocket(true) == MI_SUCCESS;
  ::umask(old_umask);
  if (!opened) throw milter::StartError(1, "cannot open milter socket '" + socket + "' (in use, or no permission?)");
  guard.created();
  if (!path.empty()) milter::set_socket_permissions(path, config->socket_owner, config->socket_mode, identity);
  // The control socket, made as root: root and the daemon's group may connect.
  std::unique_ptr<milter::ControlServer> control;
  if (!config->control_socket.empty())
    control = std::make_unique<milter::ControlServer>(config->control_socket, identity ? identity->gid : ::getegid());
  // The public socket (dynmilter-web): what refused senders were told, to anyone on the host.
  std::unique_ptr<milter::ControlServer> public_socket;
  if (!config->public_socket.empty())
    public_socket =
        std::make_unique<milter::ControlServer>(config->public_socket, identity ? identity->gid : ::getegid(), true);
  if (identity) milter::drop_privileges(*identity);
  if (::geteuid() == 0)
    log::warning("running as root: set --user (e.g. dynmilter) so that a flaw in a filter cannot own the system");

  if (!milter::protocol_guard_active())
    log::warning(
        "the milter packet guard is not in effect (libmilter's mi_rd_cmd is not interposed): a malformed "
        "macro packet could crash the daemon; keep the socket reachable by the MTA only");

  // Local zones answer in front of both the resolver (clients' lookups) and the transport (probes).
  localzone::Keeper local;
  try {
    local.install(local.prepare(config->local_zones, local_limits(*config)));
  } catch (const localzone::LoadError& e) {
    throw milter::StartError(1, std::string("local zone data: ") + e.what());
  }
  dns::Transport transport(dns::TransportOptions{config->dns_servers, std::chrono::milliseconds(1000)});
  dns::CachingResolver resolver(transport, config::cache_options(*config), config->dns_timeout.value);
  localzone::LocalQuerier probe_querier(local.zones(), transport);
  localzone::LocalQuerier querier(local.zones(), resolver);
  dnsbl::HealthBoard health;
  dnsbl::Prober prober(probe_querier, health, config->dnsbls, config->dns_timeout.value, config->resolver_check);
  // Probes run beside serving: the first one is waited for at most a second (on a local resolver
  // it takes milliseconds), so that an MTA's first connections after a start are not held while
  // dead DNS times out. Until a list is found healthy it counts for nothing, and names count only
  // once the resolver is believed: a slow first probe lets mail in, it never refuses any.
  prober.start(config->dnsbl_probe_interval.value);
  if (!prober.wait_for_first_probe(std::chrono::seconds(1)))
    log::notice("serving while the first probe of the lists and the resolver goes on (DNS is slow to answer)");
  util::RateLimit list_warnings(std::chrono::minutes(5));
  if (metrics) {
    metrics->watch(resolver, health);
    metrics->watch(local);
    metrics->lists(config->dnsbls);
  }
  control::History history(static_cast<std::size_t>(config->history));
  std::unique_ptr<store::HistoryWriter> shared_history;
  if (!config->history_redis.empty())
    shared_history = std::make_unique<store::HistoryWriter>(
        config->history_redis, std::chrono::duration_cast<std::chrono::seconds>(config->history_expire.value),
        [m = metrics.get()](std::string_view result) {
          if (m) m->history_store(result);
        });
  milter::set_daemon_state(
      milter::DaemonState{config, &querier, &health, {metrics.get(), &list_warnings, &history, shared_history.get()}});
  if (public_socket)
    public_socket->start(
        milter::ControlContext{&history, &health, &resolver, [] { return milter::current_config(); }, [] {}});
  if (control)
    control->start(milter::ControlContext{&history, &health, &resolver, [] { return milter::current_config(); },
                                          [] { ::kill(::getpid(), SIGUSR1); }});
  std::atomic<bool> stop_reload{false};
  std::thread reloader(reload_loop, argc, argv, config, std::ref(prober), DnsLayer{transport, resolver, local},
                       metrics.get(), std::ref(stop_reload));

  log::notice("dynmilter {} starting: {}", DYNMILTER_VERSION, summary(*config));
  guard.keep = true;
  if (background) background->ready();
  const int rc = smfi_main();
  log::notice("dynmilter stopping");
  control.reset();  // its thread reads the history and the resolver: stopped before they go
  public_socket.reset();
  guard.keep = false;  // the socket goes with the daemon
  stop_reload.store(true);
  reloader.join();
  return rc == MI_SUCCESS ? 0 : 1;
}

int run(const config::Invocation& inv, int argc, char** argv) {
  const auto config = std::make_shared<const config::Config>(inv.config);
  log::set_max_level(config->log_level);
  std::optional<milter::Background> background;
  if (!config->foreground) {
    // Threads do not survive fork(): go to the background first; the parent waits for the report.
    background = milter::Background::start();
    openlog("dynmilter", LOG_PID, facility_of(config->syslog_facility));
    log::set_sink(&syslog_sink);
  }
  try {
    return serve(config, argc, argv, background ? &*background : nullptr);
  } catch (const milter::StartError& e) {
    log::error("cannot start: {}", e.what());
    if (background) background->failed(e.status(), e.what());
    return e.status();
  } catch (const std::exception& e) {
    log::error("cannot start: {}", e.what());
    if (background) background->failed(1, e.what());
    return 1;
  }
}

}  // namespace

constexpr const char* kUsage =
    "Usage: dynmilter [OPTIONS]\n"
    "A milter that refuses mail sent straight from dynamically assigned IP addresses,\n"
    "at RCPT time, with a reply that tells the sender to use its provider's smarthost.\n";

int main(int argc, char** argv) {
  dyn::config::Invocation inv;
  try {
    inv = dyn::config::parse_invocation(argc, argv, dyn::config::kDaemon);
  } catch (const dyn::config::Error& e) {
    std::fprintf(stderr, "dynmilter: %s\n", e.what());
    return 2;
  }
  if (dyn::config::print_requested_info(inv, dyn::config::kDaemon, kUsage, "dynmilter", std::cout)) return 0;
  try {
    return run(inv, argc, argv);
  } catch (const std::exception& e) {
    dyn::log::error("fatal: {}", e.what());
    return 1;
  }
}
