// The UDP side of the transport: the queries of one wake-up share a socket per server, go out
// with one sendmmsg per socket, and their replies are handed to the lookups by query id.
#include "dns/transport_impl.hpp"

namespace dyn::dns {

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
  if (const auto it = udp.find(joinable[server]); it != udp.end() && it->second.joined < kMaxPerSocket)
    return it->first;
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
    const auto a = std::find_if(attempts.begin(), attempts.end(),
                                [&](const Attempt& x) { return x.socket == socket && x.id == id; });
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
    log::debug("dns: cannot send to {}: {}", options.servers[server % options.servers.size()].to_string(),
               std::strerror(err));
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
      log::debug("dns: ignored a datagram from {}: {}",
                 options.servers[it->second.server % options.servers.size()].to_string(),
                 !reply                                              ? why
                 : lookup == active.end() || lookup->second.finished ? "wrong query ID"
                                                                     : "wrong question");
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

}  // namespace dyn::dns
