#include "dns/transport.hpp"

#include "dns/wire.hpp"
#include "util/log.hpp"
#include "util/rate_limit.hpp"

#include <fmt/format.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace dyn::dns {

namespace {

constexpr std::size_t kMaxOpenAttempts = 4;  // per lookup; the oldest is closed beyond this
constexpr auto kSendFailureBackoff = std::chrono::milliseconds(50);

// A UDP socket connected to one server; closed when the attempt ends.
struct Attempt {
  int fd = -1;
  std::uint16_t id = 0;
  std::size_t server = 0;
};

// The TCP retry of a truncated reply: connect, write the length-prefixed query, read the reply.
struct TcpAttempt {
  enum class Phase { Connecting, Writing, Reading };
  int fd = -1;
  std::uint16_t id = 0;
  Phase phase = Phase::Connecting;
  std::vector<std::uint8_t> out;
  std::size_t written = 0;
  std::vector<std::uint8_t> in;
};

struct Lookup {
  Question question;
  Deadline deadline;
  Querier::Callback done;
  std::list<Attempt> attempts;
  std::optional<TcpAttempt> tcp;
  std::size_t next_server = 0;
  Clock::time_point next_try{};
  bool finished = false;
};

struct Submission {
  Question question;
  Deadline deadline;
  Querier::Callback done;
};

socklen_t fill_sockaddr(const ServerAddress& server, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  if (server.ip.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(server.port);
    std::memcpy(&sin->sin_addr, server.ip.bytes().data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(server.port);
  std::memcpy(&sin6->sin6_addr, server.ip.bytes().data(), 16);
  return sizeof(sockaddr_in6);
}

// A non-blocking socket connected (or connecting, for TCP) to the server; -1 on failure.
int open_socket(const ServerAddress& server, int type) {
  sockaddr_storage ss;
  const socklen_t len = fill_sockaddr(server, ss);
  const int fd = ::socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) {
    const int err = errno;
    ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

std::uint16_t random_id() { return static_cast<std::uint16_t>(::arc4random_uniform(65536)); }

}  // namespace

struct Transport::Impl {
  explicit Impl(TransportOptions o) : options(std::move(o)) {}

  TransportOptions options;
  int wake_fd = -1;
  std::thread thread;

  std::mutex mutex;  // guards incoming, new_servers and stopping
  std::vector<Submission> incoming;
  std::optional<std::vector<ServerAddress>> new_servers;  // taken over by the I/O thread
  bool stopping = false;

  std::list<Lookup> active;  // I/O thread only
  util::RateLimit local_trouble{std::chrono::minutes(1)};  // EMFILE and the like, warned once a minute

  std::atomic<std::uint64_t> sent{0}, answered{0}, ignored{0}, timed_out{0}, tcp{0};

  void run();
  void start_attempt(Lookup& lookup, Clock::time_point now);
  void read_replies(Lookup& lookup, std::list<Attempt>::iterator attempt, Clock::time_point now);
  void start_tcp(Lookup& lookup, std::size_t server);
  void advance_tcp(Lookup& lookup, short revents);
  void finish(Lookup& lookup, Answer answer);
  static void close_sockets(Lookup& lookup);
};

Transport::Transport(TransportOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  if (impl_->options.servers.empty()) throw std::invalid_argument("no DNS server to ask");
  impl_->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl_->wake_fd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

Transport::~Transport() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(impl_->wake_fd, &one, sizeof one);
  impl_->thread.join();
  ::close(impl_->wake_fd);
}

void Transport::set_servers(std::vector<ServerAddress> servers) {
  if (servers.empty()) throw std::invalid_argument("no DNS server to ask");
  std::lock_guard lock(impl_->mutex);
  impl_->new_servers = std::move(servers);
}

void Transport::async_query(const Question& question, Deadline deadline, Callback done) {
  bool first = false;  // the queue was empty: the I/O thread needs waking (else a wake is pending)
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->stopping) {
      first = impl_->incoming.empty();
      impl_->incoming.push_back(Submission{Question{canonical_name(question.name), question.type}, deadline, std::move(done)});
      done = nullptr;
    }
  }
  if (done) {  // stopped: answer at once, outside the lock
    done(Answer::failure(Status::NetworkError, "resolver stopped"));
    return;
  }
  // One write per batch of questions, not one per question: the I/O thread reads the eventfd
  // before it takes the queue, so whatever joins a non-empty queue is taken with it.
  if (first) {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(impl_->wake_fd, &one, sizeof one);
  }
}

Transport::Stats Transport::stats() const {
  return Stats{impl_->sent.load(), impl_->answered.load(), impl_->ignored.load(), impl_->timed_out.load(),
               impl_->tcp.load()};
}

void Transport::Impl::close_sockets(Lookup& lookup) {
  for (auto& a : lookup.attempts) ::close(a.fd);
  lookup.attempts.clear();
  if (lookup.tcp) ::close(lookup.tcp->fd);
  lookup.tcp.reset();
}

void Transport::Impl::finish(Lookup& lookup, Answer answer) {
  if (lookup.finished) return;
  lookup.finished = true;
  close_sockets(lookup);
  try {
    lookup.done(std::move(answer));
  } catch (const std::exception& e) {
    log::error("dns: a lookup callback threw: {}", e.what());
  } catch (...) {
    log::error("dns: a lookup callback threw");
  }
}

void Transport::Impl::start_attempt(Lookup& lookup, Clock::time_point now) {
  const std::size_t index = lookup.next_server++ % options.servers.size();
  const auto& server = options.servers[index];
  lookup.next_try = now + options.retry_interval;

  const auto id = random_id();
  const auto packet = wire::encode_query(id, lookup.question);
  if (packet.empty()) {
    finish(lookup, Answer::failure(Status::Malformed, "name cannot be encoded as a DNS question"));
    return;
  }
  const int fd = open_socket(server, SOCK_DGRAM);
  if (fd < 0 || ::send(fd, packet.data(), packet.size(), 0) != static_cast<ssize_t>(packet.size())) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    // Out of descriptors or buffers is the host's trouble, not the server's: say so loudly.
    const bool local = err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
    if (!local) {
      log::debug("dns: cannot send to {}: {}", server.to_string(), std::strerror(err));
    } else if (const auto held = local_trouble.allow(std::strerror(err), util::RateLimit::Clock::now())) {
      log::warning("dns: cannot open a socket for a lookup: {}{}; lookups fail until it clears (LimitNOFILE?)",
                   std::strerror(err), *held ? fmt::format(" ({} more since the last warning)", *held) : std::string());
    }
    lookup.next_try = now + kSendFailureBackoff;
    return;
  }
  ++sent;
  lookup.attempts.push_back(Attempt{fd, id, index});
  if (lookup.attempts.size() > kMaxOpenAttempts) {
    ::close(lookup.attempts.front().fd);
    lookup.attempts.pop_front();
  }
}

void Transport::Impl::start_tcp(Lookup& lookup, std::size_t server) {
  for (auto& a : lookup.attempts) ::close(a.fd);
  lookup.attempts.clear();
  lookup.next_try = Clock::time_point::max();  // no more UDP retries; the deadline still holds
  ++tcp;
  TcpAttempt t;
  t.id = random_id();
  t.out = wire::frame_for_tcp(wire::encode_query(t.id, lookup.question));
  if (t.out.empty()) return finish(lookup, Answer::failure(Status::Malformed, "reply truncated; the query cannot go over TCP"));
  t.fd = open_socket(options.servers[server % options.servers.size()], SOCK_STREAM);  // the list may have changed
  if (t.fd < 0) {
    finish(lookup, Answer::failure(Status::Malformed, std::string("reply truncated; TCP connect failed: ") + std::strerror(errno)));
    return;
  }
  lookup.tcp = std::move(t);
}

void Transport::Impl::advance_tcp(Lookup& lookup, short revents) {
  TcpAttempt& t = *lookup.tcp;
  auto fail = [&](const std::string& why) { finish(lookup, Answer::failure(Status::Malformed, "reply truncated; TCP " + why)); };
  if (t.phase == TcpAttempt::Phase::Connecting) {
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(t.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
      return fail(std::string("connect failed: ") + std::strerror(err));
    t.phase = TcpAttempt::Phase::Writing;
  }
  if (t.phase == TcpAttempt::Phase::Writing) {
    const ssize_t n = ::send(t.fd, t.out.data() + t.written, t.out.size() - t.written, MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN ? void() : fail(std::string("write failed: ") + std::strerror(errno));
    t.written += static_cast<std::size_t>(n);
    if (t.written == t.out.size()) t.phase = TcpAttempt::Phase::Reading;
    return;
  }
  if (!(revents & (POLLIN | POLLHUP | POLLERR))) return;
  std::uint8_t buf[4096];
  const ssize_t n = ::recv(t.fd, buf, sizeof buf, 0);
  if (n < 0) return errno == EAGAIN ? void() : fail(std::string("read failed: ") + std::strerror(errno));
  if (n == 0) return fail("connection closed before the reply was complete");
  t.in.insert(t.in.end(), buf, buf + n);
  const auto message = wire::first_framed_message(t.in);
  if (!message) return;  // more to come
  std::string why;
  auto reply = wire::decode_reply(message->data(), message->size(), &why);
  if (!reply) return fail("reply undecodable: " + why);
  if (reply->id != t.id || reply->question != lookup.question) return fail("reply does not match the query");
  ++answered;
  finish(lookup, std::move(reply->answer));
}

void Transport::Impl::read_replies(Lookup& lookup, std::list<Attempt>::iterator attempt, Clock::time_point now) {
  std::uint8_t buf[65536];
  for (;;) {
    const ssize_t n = ::recv(attempt->fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == ECONNREFUSED) {
        // ICMP port unreachable: nobody serves DNS there. Drop this attempt and, if it was the
        // newest, move on: at once while some server has not been tried yet, else after a short
        // pause (so a lookup whose every server is down does not spin until its deadline).
        const bool newest = std::next(attempt) == lookup.attempts.end();
        ::close(attempt->fd);
        lookup.attempts.erase(attempt);
        if (newest)
          lookup.next_try = lookup.next_server < options.servers.size() ? now : now + kSendFailureBackoff;
      }
      return;  // EAGAIN or another error: nothing more to read
    }
    std::string why;
    auto reply = wire::decode_reply(buf, static_cast<std::size_t>(n), &why);
    if (!reply || reply->id != attempt->id || reply->question != lookup.question) {
      ++ignored;
      log::debug("dns: ignored a datagram for {}: {}", lookup.question.name,
                 !reply ? why : reply->id != attempt->id ? "wrong query ID" : "wrong question");
      continue;
    }
    if (reply->truncated) return start_tcp(lookup, attempt->server);
    ++answered;
    return finish(lookup, std::move(reply->answer));
  }
}

void Transport::Impl::run() {
  // What each pollfd belongs to: a UDP attempt, or (attempt unset) the lookup's TCP socket.
  struct Owner {
    Lookup* lookup;
    std::optional<std::list<Attempt>::iterator> attempt;
  };
  std::vector<pollfd> fds;
  std::vector<Owner> owners;
  for (;;) {
    std::vector<Submission> fresh;
    {
      std::lock_guard lock(mutex);
      if (stopping) break;
      fresh.swap(incoming);
      if (new_servers) {
        options.servers = std::move(*new_servers);
        new_servers.reset();
      }
    }
    auto now = Clock::now();
    for (auto& s : fresh) {
      active.push_back(Lookup{std::move(s.question), s.deadline, std::move(s.done), {}, std::nullopt, 0, {}, false});
      start_attempt(active.back(), now);
    }

    // Deadlines and retries.
    Clock::time_point wake = Clock::time_point::max();
    for (auto& l : active) {
      if (l.finished) continue;
      if (now >= l.deadline) {
        ++timed_out;
        finish(l, Answer::failure(Status::Timeout, "no answer from any DNS server before the deadline"));
        continue;
      }
      if (now >= l.next_try) start_attempt(l, now);
      if (!l.finished) wake = std::min({wake, l.deadline, l.next_try});
    }
    active.remove_if([](const Lookup& l) { return l.finished; });

    fds.assign(1, pollfd{wake_fd, POLLIN, 0});
    owners.assign(1, Owner{nullptr, std::nullopt});
    for (auto& l : active) {
      for (auto it = l.attempts.begin(); it != l.attempts.end(); ++it) {
        fds.push_back(pollfd{it->fd, POLLIN, 0});
        owners.push_back(Owner{&l, it});
      }
      if (l.tcp) {
        const short events = l.tcp->phase == TcpAttempt::Phase::Reading ? POLLIN : POLLOUT;
        fds.push_back(pollfd{l.tcp->fd, events, 0});
        owners.push_back(Owner{&l, std::nullopt});
      }
    }
    int timeout_ms = -1;
    if (wake != Clock::time_point::max()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
      timeout_ms = static_cast<int>(std::clamp<long long>(left, 0, 60'000));
    }
    const int ready = ::poll(fds.data(), fds.size(), timeout_ms);
    if (ready < 0 && errno != EINTR) {
      log::error("dns: poll failed: {}", std::strerror(errno));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    now = Clock::now();
    if (fds[0].revents & POLLIN) {
      std::uint64_t value;
      [[maybe_unused]] auto n = ::read(wake_fd, &value, sizeof value);
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      Lookup& l = *owners[i].lookup;
      if (l.finished) continue;
      if (owners[i].attempt) {
        // A TCP retry started for this lookup closed its UDP attempts: their iterators are gone.
        if (!l.tcp) read_replies(l, *owners[i].attempt, now);
      } else if (l.tcp) {
        advance_tcp(l, fds[i].revents);
      }
    }
    active.remove_if([](const Lookup& l) { return l.finished; });
  }

  // Stopping: every lookup still pending gets its one callback.
  for (auto& l : active) finish(l, Answer::failure(Status::NetworkError, "resolver stopped"));
  active.clear();
  std::vector<Submission> rest;
  {
    std::lock_guard lock(mutex);
    rest.swap(incoming);
  }
  for (auto& s : rest) s.done(Answer::failure(Status::NetworkError, "resolver stopped"));
}

}  // namespace dyn::dns
