#include "control.hpp"

#include "control/public_record.hpp"

#include "daemon.hpp"
#include "net/reverse.hpp"
#include "util/json.hpp"
#include "util/log.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dyn::milter {

namespace {

using control::Command;

std::string when(std::int64_t t) {
  char buf[32];
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string why(const Command& c, const ControlContext& ctx) {
  if (!ctx.history) return control::error_reply("no history is kept (--history 0)");
  std::vector<control::Record> found;
  if (const auto ip = net::IpAddress::parse(c.arg)) {
    found = ctx.history->by_client(*ip, 10);
  } else if (auto r = ctx.history->by_id(c.arg)) {
    found.push_back(std::move(*r));
  }
  if (found.empty())
    return control::error_reply(fmt::format("no recent verdict for {} (the last {} are kept, this one has {})", c.arg,
                                            ctx.history->capacity(), ctx.history->size()));
  std::string out;
  if (c.json) {
    out = "[";
    for (std::size_t i = 0; i < found.size(); ++i) {
      std::string v = policy::verdict_json(found[i].facts, found[i].verdict);
      while (!v.empty() && v.back() == '\n') v.pop_back();
      out += fmt::format("{}{{\"reference\":{},\"time\":{},\"verdict\":{}}}", i ? "," : "",
                         util::json_string(found[i].facts.id), util::json_string(when(found[i].time)), v);
    }
    return out + "]\n";
  }
  for (const auto& r : found) {
    const auto& v = r.verdict;
    out += fmt::format("reference {} at {}: {}\n", r.facts.id.empty() ? "-" : r.facts.id, when(r.time),
                       policy::disposition(v));
    out += "  " + policy::log_line(r.facts, v, r.elapsed_ms, r.waited_ms) + "\n";
    policy::for_each_contribution(v, [&](const policy::Contribution& k) {
      out += fmt::format("  {} {} ({:+d}, {}{}){}\n",
                         k.kind == policy::Contribution::Kind::Listing ? "listed in" : "signal", k.key, k.weight,
                         k.primary ? "primary" : "supporting", policy::is_decisive(v, k.key) ? ", decisive" : "",
                         k.signal ? ": " + k.signal->reason : (k.list->txt.empty() ? "" : ": " + k.list->txt));
    });
    if (v.reply) out += fmt::format("  reply: {} {} {}\n", v.reply->code, v.reply->xcode, v.reply->text);
  }
  return out;
}

std::string lists(const Command& c, const ControlContext& ctx) {
  const auto config = ctx.config();
  const auto health = ctx.health ? ctx.health->snapshot() : nullptr;
  const bool sane = !ctx.health || ctx.health->resolver().sane;
  std::string out = c.json ? "{\"lists\":[" : "";
  bool first = true;
  for (const auto& z : config->dnsbls) {
    dnsbl::ZoneHealth h;
    if (health)
      if (const auto it = health->find(z.zone); it != health->end()) h = it->second;
    if (c.json) {
      out += fmt::format("{}{{\"list\":{},\"weight\":{},\"health\":{},\"reason\":{},\"surging\":{},\"surge\":{}}}",
                         first ? "" : ",", util::json_string(z.safe_name()), z.weight,
                         util::json_string(dnsbl::to_string(h.state)), util::json_string(h.reason),
                         h.surging ? "true" : "false", util::json_string(h.surge));
    } else {
      out += fmt::format("{:<28} weight {:>3}  {}{}{}\n", z.safe_name(), z.weight, dnsbl::to_string(h.state),
                         h.reason.empty() ? "" : " (" + h.reason + ")",
                         h.surging ? "; SURGING: " + h.surge + " (its refusals are deferred)" : "");
    }
    first = false;
  }
  if (c.json) return out + fmt::format("],\"resolver_sane\":{}}}\n", sane ? "true" : "false");
  if (config->dnsbls.empty()) out += "no list is configured\n";
  return out + (sane ? "resolver: sane\n" : "resolver: NOT believed (" + ctx.health->resolver().reason + ")\n");
}

std::string stats(const Command& c, const ControlContext& ctx) {
  const auto up = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - ctx.started);
  const auto s = ctx.resolver ? ctx.resolver->stats() : dns::CachingResolver::Stats{};
  const std::size_t kept = ctx.history ? ctx.history->size() : 0, cap = ctx.history ? ctx.history->capacity() : 0;
  const bool sane = !ctx.health || ctx.health->resolver().sane;
  if (c.json)
    return fmt::format(
        "{{\"uptime_s\":{},\"verdicts_kept\":{},\"history\":{},\"cache_entries\":{},\"cache_hits\":{},"
        "\"cache_misses\":{},\"upstream_queries\":{},\"in_flight\":{},\"resolver_sane\":{}}}\n",
        up.count(), kept, cap, s.cache.size, s.cache.hits, s.cache.misses, s.upstream, s.in_flight, sane);
  return fmt::format(
      "uptime:          {} s\nverdicts kept:   {} of {}\nDNS cache:       {} entries, {} hits, {} misses\n"
      "upstream:        {} queries, {} in flight\nresolver:        {}\n",
      up.count(), kept, cap, s.cache.size, s.cache.hits, s.cache.misses, s.upstream, s.in_flight,
      sane ? "sane" : "NOT believed");
}

std::string flush(const Command& c, const ControlContext& ctx) {
  if (!ctx.resolver) return control::error_reply("no DNS cache");
  if (c.arg.empty()) {
    const auto n = ctx.resolver->stats().cache.size;
    ctx.resolver->flush();
    return fmt::format("flushed the DNS cache ({} answers)\n", n);
  }
  // What a connection from this address asks: its PTR, and each list's A and TXT.
  const auto ip = *net::IpAddress::parse(c.arg);
  std::vector<dns::Question> qs{{net::ptr_name(ip), dns::RrType::PTR}};
  for (const auto& z : ctx.config()->dnsbls) {
    const auto name = net::dnsbl_query_name(ip, z.zone);
    qs.push_back({name, dns::RrType::A});
    qs.push_back({name, dns::RrType::TXT});
  }
  std::size_t n = 0;
  for (const auto& q : qs) n += ctx.resolver->forget(q) ? 1 : 0;
  return fmt::format("forgot {} cached answer{} about {}\n", n, n == 1 ? "" : "s", ip.to_string());
}

}  // namespace

std::string answer(const Command& c, const ControlContext& ctx) {
  std::string out;
  switch (c.verb) {
    case Command::Verb::Why: out = why(c, ctx); break;
    case Command::Verb::Lists: out = lists(c, ctx); break;
    case Command::Verb::Stats: out = stats(c, ctx); break;
    case Command::Verb::Flush: out = flush(c, ctx); break;
    case Command::Verb::Reload:
      if (ctx.reload) ctx.reload();
      out = c.json ? "{\"reload\":\"requested\"}\n" : "reload requested (the log says how it went)\n";
      break;
    case Command::Verb::Help: out = control::kHelp; break;
  }
  if (out.size() > control::kMaxReply) {
    out.resize(control::kMaxReply - 40);
    out += "\n... (cut at 64 KiB)\n";
  }
  return out;
}

ControlServer::ControlServer(const std::string& path, gid_t group, bool public_only)
    : path_(path), public_only_(public_only) {
  sockaddr_un sa{};
  if (path.empty() || path.size() >= sizeof sa.sun_path)
    throw StartError(2, "control socket path '" + path + "' is too long");
  // Its directory (as systemd's RuntimeDirectory makes /run/dynmilter), when a hand start lacks it.
  if (const auto slash = path.rfind('/'); slash != std::string::npos && slash > 0)
    ::mkdir(path.substr(0, slash).c_str(), 0755);
  check_socket_path(path);
  ::unlink(path.c_str());  // a stale socket (check_socket_path refused a live one)
  listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.c_str(), path.size());
  const mode_t old = ::umask(0177);
  const bool bound = listener_ >= 0 && ::bind(listener_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  ::umask(old);
  if (!bound || ::listen(listener_, 16) != 0) {
    const std::string why = std::strerror(errno);
    if (listener_ >= 0) ::close(listener_);
    throw StartError(1, "cannot open the control socket " + path + ": " + why);
  }
  // Root and the daemon's group may connect; nobody else (and never over the network).
  if (::chown(path.c_str(), 0, group) != 0 && ::geteuid() == 0)
    throw StartError(1, "cannot give the control socket " + path + " its group: " + std::strerror(errno));
  // The public socket tells only what refused senders were told: anyone on the host may ask
  // (dynmilter-web runs as its own unprivileged user).
  ::chmod(path.c_str(), public_only ? 0666 : 0660);
}

ControlServer::~ControlServer() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  if (listener_ >= 0) ::close(listener_);
  ::unlink(path_.c_str());
}

void ControlServer::start(ControlContext context) {
  context_ = std::move(context);
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "dyn-control");
    while (!stop_.load()) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 500) <= 0) continue;
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      try {
        serve_one(fd);
      } catch (const std::exception& e) {
        log::warning("control socket: {}", e.what());
      }
      ::close(fd);
    }
  });
}

void ControlServer::serve_one(int fd) const {
  // One line, within 5 s in all and kMaxLine bytes.
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  bool complete = false;
  while (!complete && line.size() <= control::kMaxLine) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;  // said nothing in time: dropped
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return;
    char buf[256];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == '\n') {
        complete = true;
        break;
      }
      line += buf[i];
    }
  }
  std::string why;
  std::string reply;
  if (line.size() > control::kMaxLine)
    reply = control::error_reply("command longer than 512 bytes");
  else if (public_only_)
    reply = context_.history ? control::public_answer(line, *context_.history) : std::string();
  else if (const auto cmd = control::parse_command(line, &why))
    reply = answer(*cmd, context_);
  else
    reply = control::error_reply(why);
  for (std::size_t done = 0; done < reply.size();) {
    const ssize_t n = ::send(fd, reply.data() + done, reply.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace dyn::milter
