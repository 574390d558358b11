// dynmilter-web: the refused sender's page. /why/REF and /why?q= show what a refusal told that
// sender and why, from the daemon's public socket and the shared store; /check runs the readiness
// report of dynmilter-check --sender (the same engine, the same configuration). HTTP is
// libmicrohttpd's; the pages are web/pages.cpp's; nothing it does touches mail.
#include "engine/tool_dns.hpp"
#include "net/cidr.hpp"
#include "options/options.hpp"
#include "readiness/readiness.hpp"
#include "store/redis.hpp"
#include "util/log.hpp"
#include "web/pages.hpp"
#include "web/request.hpp"
#include "web/visitor_limit.hpp"

#include <microhttpd.h>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>

namespace {

using namespace dyn;
using Clock = std::chrono::steady_clock;

// Asks the daemon's public socket one question; "" when it cannot be asked or knows nothing.
std::string ask_public_socket(const std::string& path, const std::string& question) {
  if (path.empty()) return {};
  sockaddr_un sa{};
  if (path.size() >= sizeof sa.sun_path) return {};
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.c_str(), path.size());
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
    const std::string line = question + "\n";
    if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size())) {
      const auto deadline = Clock::now() + std::chrono::seconds(2);
      char buf[4096];
      while (out.size() < 8 * control::kMaxEncoded) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        pollfd p{fd, POLLIN, 0};
        if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) break;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  ::close(fd);
  return out.starts_with("error:") ? std::string() : out;
}

std::vector<control::PublicRecord> parse_records(const std::string& text) {
  std::vector<control::PublicRecord> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find("\n\n", start);
    if (end == std::string::npos) break;
    if (auto r = control::decode(std::string_view(text).substr(start, end + 1 - start))) out.push_back(std::move(*r));
    start = end + 2;
  }
  return out;
}

struct CachedCheck {
  Clock::time_point at;
  readiness::Report report;
  std::uint64_t queries = 0;
};

class App {
 public:
  explicit App(const config::Invocation& inv)
      : config_(inv.config),
        checks_(inv.check_rate),
        lookups_(120),
        store_(inv.config.history_redis.empty() ? nullptr
                                                : std::make_unique<store::HistoryReader>(inv.config.history_redis)) {
    for (const auto& p : inv.trusted_proxies) {
      auto ip = net::IpAddress::parse(p);
      if (!ip) throw std::runtime_error("--trusted-proxy: not an IP address: '" + p + "'");
      proxies_.push_back(*ip);
    }
    site_.bypass = !config_.bypass || config_.bypass->empty() ? "postmaster" : config_.bypass->front();
    if (site_.bypass.starts_with("@")) site_.bypass = "postmaster" + site_.bypass;
    site_.kept =
        store_ ? fmt::format("our records (kept {})", config_.history_expire.to_string()) : "our recent records";
  }

  web::Page handle(std::string_view method, std::string_view path, const web::Params& params, std::string_view accept,
                   const net::IpAddress& visitor) {
    web::Site site = site_;
    site.visitor = public_address(visitor) ? visitor.to_string() : "";
    const auto routed = web::route(method, path, params, accept);
    if (const auto* bad = std::get_if<web::Refusal>(&routed))
      return web::error_page(bad->status, bad->message, site, false);
    const auto& r = std::get<web::Request>(routed);
    switch (r.page) {
      case web::Request::Page::Home: return web::home_page(site, r.json);
      case web::Request::Page::Why:
      case web::Request::Page::Lookup: {
        if (!lookups_.allow(visitor, Clock::now()))
          return web::error_page(429, "too many look-ups from your address; try again in a minute", site, r.json);
        const std::string asked = r.page == web::Request::Page::Why ? r.reference : r.client->to_string();
        return web::why_page(find(r), asked, site, r.json);
      }
      case web::Request::Page::Check: return check(r, visitor, site);
    }
    return web::error_page(404, "no such page", site, r.json);
  }

  // The visitor: the peer, or for a trusted proxy the last address it put in X-Forwarded-For.
  net::IpAddress visitor(const net::IpAddress& peer, const char* forwarded) const {
    if (!forwarded || std::find(proxies_.begin(), proxies_.end(), peer) == proxies_.end()) return peer;
    std::string_view f(forwarded);
    if (const auto comma = f.rfind(','); comma != std::string_view::npos) f = f.substr(comma + 1);
    while (!f.empty() && f.front() == ' ') f.remove_prefix(1);
    while (!f.empty() && f.back() == ' ') f.remove_suffix(1);
    const auto ip = net::IpAddress::parse(f);
    return ip ? *ip : peer;
  }
  bool behind_proxy() const { return !proxies_.empty(); }

 private:
  // A visitor's address worth checking: not private, and not behind a carrier's NAT (100.64.0.0/10).
  static bool public_address(const net::IpAddress& ip) {
    static const net::Cidr cgnat = *net::Cidr::parse("100.64.0.0/10");
    const auto& priv = net::private_networks();
    return !cgnat.contains(ip) &&
           std::none_of(priv.begin(), priv.end(), [&](const net::Cidr& n) { return n.contains(ip); });
  }

  std::vector<control::PublicRecord> find(const web::Request& r) {
    const std::string q = r.page == web::Request::Page::Why ? r.reference : r.client->to_string();
    auto found = parse_records(ask_public_socket(config_.public_socket, q));
    if (store_) {
      std::string error;
      std::vector<control::PublicRecord> shared;
      if (r.page == web::Request::Page::Why) {
        if (auto one = store_->by_reference(r.reference, &error)) shared.push_back(std::move(*one));
      } else {
        shared = store_->by_client(q, control::kPublicPerClient, &error);
      }
      if (!error.empty() && error != last_store_error_) log::warning("history store: {}", error);
      last_store_error_ = error;
      for (auto& s : shared)
        if (std::none_of(found.begin(), found.end(), [&](const auto& f) { return f.reference == s.reference; }))
          found.push_back(std::move(s));
    }
    // A lookup by reference shows that refusal only; by address, the latest few.
    if (r.page == web::Request::Page::Why)
      std::erase_if(found, [&](const auto& f) { return f.reference != r.reference; });
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.time > b.time; });
    if (found.size() > control::kPublicPerClient) found.resize(control::kPublicPerClient);
    return found;
  }

  web::Page check(const web::Request& r, const net::IpAddress& visitor, const web::Site& site) {
    // ip= absent: the visitor's own address when it is a public one; given empty: every MX host.
    std::optional<net::IpAddress> ip = r.client;
    if (!ip && !r.ip_given && public_address(visitor)) ip = visitor;
    const std::string key = r.domain + "|" + (ip ? ip->to_string() : "");
    {
      std::lock_guard lock(cache_mutex_);
      if (auto it = cache_.find(key); it != cache_.end() && !r.again && Clock::now() - it->second.at < kCacheFor)
        return web::check_page(it->second.report, site, r.json, it->second.queries, true);
    }
    if (!checks_.allow(visitor, Clock::now()))
      return web::error_page(429, "too many checks from your address; try again in a minute", site, r.json);
    std::unique_lock run(check_mutex_, std::defer_lock);
    if (!run.try_lock_for(std::chrono::seconds(15)))
      return web::error_page(503, "busy with other checks; try again in a minute", site, r.json);
    if (!dns_ || Clock::now() - dns_started_ > std::chrono::minutes(10)) {  // the lists' health, fresh
      dns_.reset();
      dns_ = std::make_unique<engine::ToolDns>(config_);
      dns_started_ = Clock::now();
    }
    const auto before = dns_->queries_sent();
    CachedCheck c{Clock::now(), readiness::check(config_, dns_->querier(), r.domain, ip, &dns_->board()), 0};
    c.queries = dns_->queries_sent() - before;
    auto page = web::check_page(c.report, site, r.json, c.queries, false);
    std::lock_guard lock(cache_mutex_);
    if (cache_.size() >= 1000) cache_.clear();
    cache_[key] = std::move(c);
    return page;
  }

  static constexpr auto kCacheFor = std::chrono::seconds(60);
  const config::Config& config_;
  web::Site site_;
  std::vector<net::IpAddress> proxies_;
  web::VisitorLimit checks_, lookups_;
  std::unique_ptr<store::HistoryReader> store_;
  std::string last_store_error_;
  std::timed_mutex check_mutex_;
  std::unique_ptr<engine::ToolDns> dns_;
  Clock::time_point dns_started_;
  std::mutex cache_mutex_;
  std::map<std::string, CachedCheck> cache_;
};

MHD_Result respond(void* cls, MHD_Connection* connection, const char* url, const char* method, const char*, const char*,
                   size_t* upload_size, void** state) {
  auto& app = *static_cast<App*>(cls);
  if (*state == nullptr) {  // the headers are in; a body, if any, is not wanted
    static int marker;
    *state = &marker;
    return MHD_YES;
  }
  if (*upload_size != 0) {
    *upload_size = 0;  // discarded
    return MHD_YES;
  }
  const auto* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  auto peer = info ? net::IpAddress::from_sockaddr(info->client_addr) : std::nullopt;
  const auto visitor = app.visitor(peer ? *peer : *net::IpAddress::parse("0.0.0.0"),
                                   MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "X-Forwarded-For"));
  const web::Params params = [&](std::string_view name) -> std::optional<std::string> {
    const std::string n(name);
    const char* v = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, n.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
  const char* accept = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
  web::Page page;
  try {
    page = app.handle(method, url, params, accept ? accept : "", visitor);
  } catch (const std::exception& e) {
    log::warning("request {}: {}", std::string(url).substr(0, 100), e.what());
    page = web::error_page(500, "something went wrong on our side", {}, false);
  }
  auto* response = MHD_create_response_from_buffer(page.body.size(), page.body.data(), MHD_RESPMEM_MUST_COPY);
  if (!response) return MHD_NO;
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, page.content_type.c_str());
  MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(response, "X-Frame-Options", "DENY");
  MHD_add_response_header(response, "Referrer-Policy", "no-referrer");
  MHD_add_response_header(response, "Content-Security-Policy",
                          "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
  const auto rc = MHD_queue_response(connection, static_cast<unsigned>(page.status), response);
  MHD_destroy_response(response);
  return rc;
}

// "127.0.0.1:8026", "[::]:80".
std::optional<sockaddr_storage> listen_address(const std::string& text, socklen_t* len) {
  sockaddr_storage ss{};
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string host = text.substr(0, colon);
  int port = 0;
  try {
    port = std::stoi(text.substr(colon + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (port <= 0 || port > 65535) return std::nullopt;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(static_cast<std::uint16_t>(port));
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &s6->sin6_addr) != 1) return std::nullopt;
    *len = sizeof(sockaddr_in6);
    return ss;
  }
  auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
  s4->sin_family = AF_INET;
  s4->sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &s4->sin_addr) != 1) return std::nullopt;
  *len = sizeof(sockaddr_in);
  return ss;
}

int serve(const config::Invocation& inv) {
  if (!inv.positional.empty()) {
    std::fprintf(stderr, "dynmilter-web: takes no arguments (see --help)\n");
    return 2;
  }
  if (inv.check_rate < 0 || inv.check_rate > 10000) {
    std::fprintf(stderr, "dynmilter-web: --check-rate must be from 0 to 10000\n");
    return 2;
  }
  socklen_t len = 0;
  auto addr = listen_address(inv.listen, &len);
  if (!addr) {
    std::fprintf(stderr, "dynmilter-web: --listen '%s' is not ADDRESS:PORT (127.0.0.1:8026, [::]:80)\n",
                 inv.listen.c_str());
    return 2;
  }
  log::set_max_level(std::min(inv.config.log_level, log::Level::Info));
  App app(inv);
  // Block the signals that stop it before threads start; the main thread waits for them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
  if (addr->ss_family == AF_INET6) flags |= MHD_USE_IPv6;
  // A visitor's connections are bounded (not behind a proxy, where every visitor is the proxy).
  const unsigned per_ip = app.behind_proxy() ? 0 : 16;
  MHD_Daemon* d = MHD_start_daemon(flags, 0, nullptr, nullptr, &respond, &app, MHD_OPTION_SOCK_ADDR, &*addr,
                                   MHD_OPTION_THREAD_POOL_SIZE, 4u, MHD_OPTION_CONNECTION_LIMIT, 512u,
                                   MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip, MHD_OPTION_CONNECTION_TIMEOUT, 15u,
                                   MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<size_t>(64 * 1024), MHD_OPTION_END);
  if (!d) {
    std::fprintf(stderr, "dynmilter-web: cannot listen on %s (in use, or no permission?)\n", inv.listen.c_str());
    return 1;
  }
  log::notice("dynmilter-web listening on {} (history: {}{})", inv.listen,
              inv.config.public_socket.empty() ? "no public socket" : inv.config.public_socket,
              inv.config.history_redis.empty() ? "" : ", redis " + inv.config.history_redis);
  int sig = 0;
  sigwait(&stop, &sig);
  MHD_stop_daemon(d);
  log::notice("dynmilter-web stopping");
  return 0;
}

}  // namespace

constexpr const char* kUsage =
    "Usage: dynmilter-web [OPTIONS]\n"
    "Serves the refused sender's page: /why/REF (what a refusal said and why, and how to fix it) and\n"
    "/check?domain=D (the readiness report of dynmilter-check --sender), as HTML or JSON.\n"
    "Reads the same configuration as dynmilter (-c /etc/dynmilter.conf): public-socket and\n"
    "history-redis say where the refusals are.\n";

int main(int argc, char** argv) {
  return config::tool_main(argc, argv, {"dynmilter-web", config::kCheck | config::kWeb, kUsage, 2, 1}, serve);
}
