// Inside the DNS transport (lib/dns/transport.cpp: the I/O thread, its timers and the TCP
// retry; lib/dns/transport_udp.cpp: the shared UDP sockets). Not for use elsewhere.
#pragma once

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

namespace dyn::dns::transport_detail {

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
  std::uint64_t timer_generation = 0;  // only the newest timer entry of a lookup counts
  Clock::time_point timer_at = Clock::time_point::min();
};

// Each socket is registered in epoll with a token: a UDP socket's serial, or for a TCP retry its
// lookup's id, shifted left by 3, with the kind in the low bits; token 0 is the wake-up.
constexpr std::uint64_t kUdpTag = 1, kTcpTag = 7;
inline std::uint64_t token(std::uint64_t key, std::uint64_t tag) { return key << 3 | tag; }

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

inline socklen_t fill_sockaddr(const ServerAddress& server, sockaddr_storage& ss) {
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
inline int open_socket(const ServerAddress& server, int type) {
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

inline std::uint16_t random_id() { return util::random_u16(); }

}  // namespace dyn::dns::transport_detail

namespace dyn::dns {

using namespace transport_detail;

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
  void send_failed(std::uint64_t socket, const std::vector<std::vector<std::uint8_t>>& queries, int err,
                   Clock::time_point now);
  void send_trouble(int err, std::size_t server);
  void release(const Attempt& attempt);
  void read_replies(std::uint64_t socket, Clock::time_point now);
  void refused(std::uint64_t socket, Clock::time_point now);
  void start_tcp(Lookup& lookup, std::size_t server);
  void advance_tcp(Lookup& lookup, short revents);
  void finish(Lookup& lookup, Answer answer);
  void close_sockets(Lookup& lookup);
};

}  // namespace dyn::dns
