#include "dns/transport.hpp"

#include "dns/wire.hpp"
#include "util/log.hpp"
#include "util/random.hpp"
#include "util/rate_limit.hpp"

#include <fmt/format.h>

#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <list>
#include <mutex>
#include <optional>
#include <queue>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <unordered_map>

namespace dyn::dns {

namespace {

constexpr std::size_t kMaxOpenAttempts = 4;  // per lookup; the oldest is dropped beyond this
constexpr auto kSendFailureBackoff = std::chrono::milliseconds(50);
// Questions sent in one wake-up of the I/O thread (a client's PTR and lists, say) to one server
// share a UDP socket, up to this many: one socket, connect, epoll registration and close for all
// of them instead of one each. Each still has its own random query id (never two alike on one
// socket), and replies are matched by id and question; the source port is random per socket.
constexpr std::size_t kMaxPerSocket = 16;

// One query sent on a shared UDP socket, waiting there for its reply.
struct Attempt {
  std::uint64_t socket = 0;  // its UDP socket's serial (the key in Impl::udp)
  std::uint16_t id = 0;
  std::size_t server = 0;
};

// The attempts waiting on one socket: query id -> lookup id, at most kMaxPerSocket of them, kept
// in place (no allocation per query).
class Waiting {
 public:
  struct Entry {
    std::uint16_t id;
    std::uint64_t lookup;
  };
  bool empty() const { return size_ == 0; }
  const Entry* begin() const { return entries_.data(); }
  const Entry* end() const { return entries_.data() + size_; }
  const std::uint64_t* find(std::uint16_t id) const {
    for (const auto& e : *this)
      if (e.id == id) return &e.lookup;
    return nullptr;
  }
  void add(std::uint16_t id, std::uint64_t lookup) { entries_[size_++] = Entry{id, lookup}; }  // size_ < kMaxPerSocket
  void erase(std::uint16_t id) {
    for (std::size_t i = 0; i < size_; ++i)
      if (entries_[i].id == id) {
        entries_[i] = entries_[--size_];
        return;
      }
  }

 private:
  std::array<Entry, kMaxPerSocket> entries_{};
  std::size_t size_ = 0;
};

// A UDP socket connected to one server, shared by the attempts of one wake-up; closed when the
// last of them ends. Serials are never reused, so an epoll event for a socket closed meanwhile
// finds nothing.
struct UdpSocket {
  int fd = -1;
  std::size_t server = 0;
  std::size_t joined = 0;  // attempts sent on it in all (at most kMaxPerSocket)
  Waiting waiting;
  std::vector<std::vector<std::uint8_t>> outbox;  // queries to send, all at once, before the thread waits
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
  std::uint64_t id = 0;  // the key in Impl::active, and the high bits of its sockets' epoll tokens
  Question question;
  Deadline deadline;
  Querier::Callback done;
  std::list<Attempt> attempts;
  std::optional<TcpAttempt> tcp;
  std::size_t next_server = 0;
  Clock::time_point next_try{};
  bool finished = false;
  std::uint64_t timer_generation = 0;        // only the newest timer entry of a lookup counts
  Clock::time_point timer_at = Clock::time_point::min();
};

// Each socket is registered in epoll with a token: a UDP socket's serial, or for a TCP retry its
// lookup's id, shifted left by 3, with the kind in the low bits; token 0 is the wake-up.
constexpr std::uint64_t kUdpTag = 1, kTcpTag = 7;
std::uint64_t token(std::uint64_t key, std::uint64_t tag) { return key << 3 | tag; }

struct Timer {
  Clock::time_point at;
  std::uint64_t lookup;
  std::uint64_t generation;
  bool operator>(const Timer& o) const { return at > o.at; }
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

std::uint16_t random_id() { return util::random_u16(); }

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

  // I/O thread only: the lookups in flight by id, their timers (deadline or next retry, the
  // earliest first; stale entries are skipped when they come up), and the epoll set.
  std::unordered_map<std::uint64_t, Lookup> active;
  std::unordered_map<std::uint64_t, UdpSocket> udp;  // open UDP sockets by serial
  std::uint64_t last_socket = 0;
  std::vector<std::uint64_t> joinable;  // per server: the socket this wake-up's attempts join (0: none yet)
  std::vector<std::uint64_t> to_flush;  // sockets with queries in their outbox
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers;
  std::uint64_t last_id = 0;
  std::vector<std::uint64_t> finished_ids;  // to leave `active` before the next epoll_wait
  int epoll_fd = -1;
  util::RateLimit local_trouble{std::chrono::minutes(1)};  // EMFILE and the like, warned once a minute

  std::atomic<std::uint64_t> sent{0}, answered{0}, ignored{0}, timed_out{0}, tcp{0}, sockets{0};

  void run();
  void start(Submission s, Clock::time_point now);
  void on_timer(const Timer& t, Clock::time_point now);
  void on_event(const epoll_event& e, Clock::time_point now);
  void reschedule(Lookup& lookup);
  void watch(int fd, std::uint64_t token, std::uint32_t events, int op = EPOLL_CTL_ADD);
  void start_attempt(Lookup& lookup, Clock::time_point now);
  std::uint64_t join_socket(std::size_t server);
  void flush(Clock::time_point now);
  void send_failed(std::uint64_t socket, const std::vector<std::vector<std::uint8_t>>& queries, int err, Clock::time_point now);
  void send_trouble(int err, std::size_t server);
  void release(const Attempt& attempt);
  void read_replies(std::uint64_t socket, Clock::time_point now);
  void refused(std::uint64_t socket, Clock::time_point now);
  void start_tcp(Lookup& lookup, std::size_t server);
  void advance_tcp(Lookup& lookup, short revents);
  void finish(Lookup& lookup, Answer answer);
  void close_sockets(Lookup& lookup);
};

Transport::Transport(TransportOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  if (impl_->options.servers.empty()) throw std::invalid_argument("no DNS server to ask");
  impl_->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl_->wake_fd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  impl_->epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (impl_->epoll_fd < 0) {
    const int err = errno;
    ::close(impl_->wake_fd);
    throw std::system_error(err, std::generic_category(), "epoll_create1");
  }
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.u64 = 0;  // token 0: the wake-up (lookup ids start at 1)
  ::epoll_ctl(impl_->epoll_fd, EPOLL_CTL_ADD, impl_->wake_fd, &wake);
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
  ::pthread_setname_np(impl_->thread.native_handle(), "dyn-dns");  // as top -H and /proc show it
}

Transport::~Transport() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(impl_->wake_fd, &one, sizeof one);
  impl_->thread.join();
  ::close(impl_->epoll_fd);
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
               impl_->tcp.load(), impl_->sockets.load()};
}

std::chrono::nanoseconds Transport::io_cpu() const {
  clockid_t clock;
  timespec ts{};
  if (::pthread_getcpuclockid(impl_->thread.native_handle(), &clock) != 0 || ::clock_gettime(clock, &ts) != 0) return {};
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

void Transport::Impl::close_sockets(Lookup& lookup) {
  for (const auto& a : lookup.attempts) release(a);
  lookup.attempts.clear();
  if (lookup.tcp) ::close(lookup.tcp->fd);
  lookup.tcp.reset();
}

void Transport::Impl::finish(Lookup& lookup, Answer answer) {
  if (lookup.finished) return;
  lookup.finished = true;
  finished_ids.push_back(lookup.id);
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
  lookup.next_try = now + options.retry_interval;

  auto packet = wire::encode_query(0, lookup.question);  // the id goes in below
  if (packet.empty()) {
    finish(lookup, Answer::failure(Status::Malformed, "name cannot be encoded as a DNS question"));
    return;
  }
  const std::uint64_t serial = join_socket(index);
  if (serial == 0) {
    send_trouble(errno, index);
    lookup.next_try = now + kSendFailureBackoff;
    return;
  }
  UdpSocket& socket = udp.at(serial);
  std::uint16_t id = random_id();
  while (socket.waiting.find(id)) id = random_id();  // never two alike on one socket
  packet[0] = static_cast<std::uint8_t>(id >> 8);
  packet[1] = static_cast<std::uint8_t>(id & 0xff);
  socket.waiting.add(id, lookup.id);
  ++socket.joined;
  if (socket.outbox.empty()) to_flush.push_back(serial);
  socket.outbox.push_back(std::move(packet));  // sent by flush(), with the rest of this wake-up's
  lookup.attempts.push_back(Attempt{serial, id, index});
  if (lookup.attempts.size() > kMaxOpenAttempts) {
    release(lookup.attempts.front());
    lookup.attempts.pop_front();
  }
}

// The socket this wake-up's attempts to `server` share, opened when there is none yet or it is
// full; 0 when a socket cannot be opened (errno says why).
std::uint64_t Transport::Impl::join_socket(std::size_t server) {
  if (joinable.size() <= server) joinable.resize(server + 1, 0);
  if (const auto it = udp.find(joinable[server]); it != udp.end() && it->second.joined < kMaxPerSocket) return it->first;
  const int fd = open_socket(options.servers[server], SOCK_DGRAM);
  if (fd < 0) return 0;
  const std::uint64_t serial = ++last_socket;
  UdpSocket& s = udp[serial];
  s.fd = fd;
  s.server = server;
  ++sockets;
  watch(fd, token(serial, kUdpTag), EPOLLIN);
  joinable[server] = serial;
  return serial;
}

// Every query this wake-up queued, one sendmmsg per socket. A socket closed meanwhile (all its
// lookups ended) takes its queries with it.
void Transport::Impl::flush(Clock::time_point now) {
  for (const auto serial : to_flush) {
    const auto it = udp.find(serial);
    if (it == udp.end()) continue;
    const auto out = std::move(it->second.outbox);
    it->second.outbox.clear();
    std::size_t done = 0;
    int err = 0;
    while (done < out.size()) {
      std::array<mmsghdr, kMaxPerSocket> msgs{};
      std::array<iovec, kMaxPerSocket> iov{};
      const std::size_t n = out.size() - done;
      for (std::size_t i = 0; i < n; ++i) {
        iov[i] = iovec{const_cast<std::uint8_t*>(out[done + i].data()), out[done + i].size()};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
      }
      const int r = ::sendmmsg(it->second.fd, msgs.data(), static_cast<unsigned>(n), 0);
      if (r <= 0) {
        err = r < 0 ? errno : EIO;
        break;
      }
      done += static_cast<std::size_t>(r);
      sent += static_cast<std::uint64_t>(r);
    }
    if (done < out.size()) send_failed(serial, {out.begin() + static_cast<std::ptrdiff_t>(done), out.end()}, err, now);
  }
  to_flush.clear();
}

// Queries that could not be sent on a socket. A connected socket reports an earlier datagram's
// ICMP "port unreachable" on the next send: then every attempt on it moves on, as when a read
// reports it. Otherwise each of these attempts is dropped, and its lookup tries again shortly.
void Transport::Impl::send_failed(std::uint64_t socket, const std::vector<std::vector<std::uint8_t>>& queries, int err,
                                  Clock::time_point now) {
  const auto it = udp.find(socket);
  if (it == udp.end()) return;
  if (err == ECONNREFUSED) return refused(socket, now);
  send_trouble(err, it->second.server);
  for (const auto& q : queries) {
    const auto id = static_cast<std::uint16_t>(q[0] << 8 | q[1]);
    const auto s = udp.find(socket);  // released below, it may have closed
    const std::uint64_t* owner = s != udp.end() ? s->second.waiting.find(id) : nullptr;
    const auto l = owner ? active.find(*owner) : active.end();
    if (l == active.end()) continue;
    auto& attempts = l->second.attempts;
    const auto a = std::find_if(attempts.begin(), attempts.end(), [&](const Attempt& x) { return x.socket == socket && x.id == id; });
    if (a == attempts.end()) continue;
    release(*a);
    attempts.erase(a);
    l->second.next_try = now + kSendFailureBackoff;
    reschedule(l->second);
  }
}

void Transport::Impl::send_trouble(int err, std::size_t server) {
  // Out of descriptors or buffers is the host's trouble, not the server's: say so loudly.
  const bool local = err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
  if (!local) {
    log::debug("dns: cannot send to {}: {}", options.servers[server % options.servers.size()].to_string(), std::strerror(err));
  } else if (const auto held = local_trouble.allow(std::strerror(err), util::RateLimit::Clock::now())) {
    log::warning("dns: cannot open a socket for a lookup: {}{}; lookups fail until it clears (LimitNOFILE?)",
                 std::strerror(err), *held ? fmt::format(" ({} more since the last warning)", *held) : std::string());
  }
}

// The attempt is over: its socket stops waiting for it, and closes when nothing else waits.
void Transport::Impl::release(const Attempt& attempt) {
  const auto it = udp.find(attempt.socket);
  if (it == udp.end()) return;
  it->second.waiting.erase(attempt.id);
  if (!it->second.waiting.empty()) return;
  ::close(it->second.fd);  // also leaves the epoll set
  udp.erase(it);
}

void Transport::Impl::start_tcp(Lookup& lookup, std::size_t server) {
  for (const auto& a : lookup.attempts) release(a);
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
  watch(t.fd, token(lookup.id, kTcpTag), EPOLLOUT);
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
    if (t.written == t.out.size()) {
      t.phase = TcpAttempt::Phase::Reading;
      watch(t.fd, token(lookup.id, kTcpTag), EPOLLIN, EPOLL_CTL_MOD);
    }
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

// Every datagram waiting on a UDP socket, each to the lookup whose query id it carries. A lookup
// that finishes releases the socket, which then may close: it is looked up again for each read.
void Transport::Impl::read_replies(std::uint64_t socket, Clock::time_point now) {
  std::uint8_t buf[65536];
  for (;;) {
    const auto it = udp.find(socket);
    if (it == udp.end()) return;
    const ssize_t n = ::recv(it->second.fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == ECONNREFUSED) refused(socket, now);
      return;  // EAGAIN or another error: nothing more to read
    }
    std::string why;
    auto reply = wire::decode_reply(buf, static_cast<std::size_t>(n), &why);
    const std::uint64_t* owner = reply ? it->second.waiting.find(reply->id) : nullptr;
    const auto lookup = owner ? active.find(*owner) : active.end();
    if (lookup == active.end() || lookup->second.finished || reply->question != lookup->second.question) {
      ++ignored;
      log::debug("dns: ignored a datagram from {}: {}", options.servers[it->second.server % options.servers.size()].to_string(),
                 !reply ? why : lookup == active.end() || lookup->second.finished ? "wrong query ID" : "wrong question");
      continue;
    }
    Lookup& l = lookup->second;
    if (reply->truncated) {
      start_tcp(l, it->second.server);
      reschedule(l);
      continue;
    }
    ++answered;
    finish(l, std::move(reply->answer));
  }
}

// ICMP port unreachable on a socket: nobody serves DNS at its server. Every attempt on it is
// dropped, and each lookup whose newest attempt that was moves on: at once while some server has
// not been tried yet, else after a short pause (so a lookup whose every server is down does not
// spin until its deadline).
void Transport::Impl::refused(std::uint64_t socket, Clock::time_point now) {
  const auto it = udp.find(socket);
  if (it == udp.end()) return;
  std::vector<std::uint64_t> lookups;
  for (const auto& w : it->second.waiting) lookups.push_back(w.lookup);
  for (const auto id : lookups) {
    const auto l = active.find(id);
    if (l == active.end() || l->second.finished) continue;
    auto& attempts = l->second.attempts;
    const auto a = std::find_if(attempts.begin(), attempts.end(), [&](const Attempt& x) { return x.socket == socket; });
    if (a == attempts.end()) continue;
    const bool newest = std::next(a) == attempts.end();
    release(*a);
    attempts.erase(a);
    if (newest) l->second.next_try = l->second.next_server < options.servers.size() ? now : now + kSendFailureBackoff;
    reschedule(l->second);
  }
}

void Transport::Impl::watch(int fd, std::uint64_t token, std::uint32_t events, int op) {
  epoll_event e{};
  e.events = events;
  e.data.u64 = token;
  if (::epoll_ctl(epoll_fd, op, fd, &e) != 0) log::error("dns: epoll_ctl failed: {}", std::strerror(errno));
}

// A timer entry for the lookup's next moment (its deadline, or its next retry if sooner), when
// that moment changed; the entries it replaces are skipped when they come up.
void Transport::Impl::reschedule(Lookup& lookup) {
  if (lookup.finished) return;
  const auto at = std::min(lookup.deadline, lookup.next_try);
  if (at == lookup.timer_at) return;
  lookup.timer_at = at;
  timers.push(Timer{at, lookup.id, ++lookup.timer_generation});
}

void Transport::Impl::start(Submission s, Clock::time_point now) {
  const std::uint64_t id = ++last_id;
  Lookup& l = active.try_emplace(id).first->second;
  l.id = id;
  l.question = std::move(s.question);
  l.deadline = s.deadline;
  l.done = std::move(s.done);
  start_attempt(l, now);
  reschedule(l);
}

void Transport::Impl::on_timer(const Timer& t, Clock::time_point now) {
  const auto it = active.find(t.lookup);
  if (it == active.end() || it->second.timer_generation != t.generation) return;  // stale
  Lookup& l = it->second;
  l.timer_at = Clock::time_point::min();
  if (now >= l.deadline) {
    ++timed_out;
    finish(l, Answer::failure(Status::Timeout, "no answer from any DNS server before the deadline"));
    return;
  }
  if (now >= l.next_try) start_attempt(l, now);
  reschedule(l);
}

void Transport::Impl::on_event(const epoll_event& e, Clock::time_point now) {
  if ((e.data.u64 & 7) == kUdpTag) return read_replies(e.data.u64 >> 3, now);
  const auto it = active.find(e.data.u64 >> 3);  // a TCP retry
  if (it == active.end() || it->second.finished) return;
  Lookup& l = it->second;
  if (l.tcp) advance_tcp(l, static_cast<short>(e.events));  // EPOLLIN/OUT/ERR/HUP have poll's values
  reschedule(l);
}

void Transport::Impl::run() {
  // Work per wake-up is proportional to what happened (sockets ready, timers due), never to
  // the number of lookups in flight: epoll reports only ready sockets, the heap only due timers.
  constexpr int kBatch = 256;
  epoll_event events[kBatch];
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
    std::fill(joinable.begin(), joinable.end(), 0);  // sockets are shared within one wake-up only
    for (auto& s : fresh) start(std::move(s), now);
    while (!timers.empty() && timers.top().at <= now) {
      const Timer t = timers.top();
      timers.pop();
      on_timer(t, now);
    }
    flush(now);
    int timeout_ms = -1;
    if (!timers.empty()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(timers.top().at - now).count();
      timeout_ms = static_cast<int>(std::clamp<long long>(left, 0, 60'000));
    }
    // Finished lookups leave the table between batches, so no event of this batch outlives its lookup.
    for (const auto id : finished_ids) active.erase(id);
    finished_ids.clear();
    const int ready = ::epoll_wait(epoll_fd, events, kBatch, timeout_ms);
    if (ready < 0 && errno != EINTR) {
      log::error("dns: epoll_wait failed: {}", std::strerror(errno));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    now = Clock::now();
    for (int i = 0; i < ready; ++i) {
      if (events[i].data.u64 == 0) {
        std::uint64_t value;
        [[maybe_unused]] auto n = ::read(wake_fd, &value, sizeof value);
        continue;
      }
      on_event(events[i], now);
    }
  }

  // Stopping: every lookup still pending gets its one callback.
  for (auto& [id, l] : active) finish(l, Answer::failure(Status::NetworkError, "resolver stopped"));
  active.clear();
  std::vector<Submission> rest;
  {
    std::lock_guard lock(mutex);
    rest.swap(incoming);
  }
  for (auto& s : rest) s.done(Answer::failure(Status::NetworkError, "resolver stopped"));
}

}  // namespace dyn::dns
