#include "dns/transport_impl.hpp"

namespace dyn::dns {

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
      impl_->incoming.push_back(
          Submission{Question{canonical_name(question.name), question.type}, deadline, std::move(done)});
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
  return Stats{impl_->sent.load(),      impl_->answered.load(), impl_->ignored.load(),
               impl_->timed_out.load(), impl_->tcp.load(),      impl_->sockets.load()};
}

std::chrono::nanoseconds Transport::io_cpu() const {
  clockid_t clock;
  timespec ts{};
  if (::pthread_getcpuclockid(impl_->thread.native_handle(), &clock) != 0 || ::clock_gettime(clock, &ts) != 0)
    return {};
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

void Transport::Impl::start_tcp(Lookup& lookup, std::size_t server) {
  for (const auto& a : lookup.attempts) release(a);
  lookup.attempts.clear();
  lookup.next_try = Clock::time_point::max();  // no more UDP retries; the deadline still holds
  ++tcp;
  TcpAttempt t;
  t.id = random_id();
  t.out = wire::frame_for_tcp(wire::encode_query(t.id, lookup.question));
  if (t.out.empty())
    return finish(lookup, Answer::failure(Status::Malformed, "reply truncated; the query cannot go over TCP"));
  t.fd = open_socket(options.servers[server % options.servers.size()], SOCK_STREAM);  // the list may have changed
  if (t.fd < 0) {
    finish(lookup, Answer::failure(Status::Malformed,
                                   std::string("reply truncated; TCP connect failed: ") + std::strerror(errno)));
    return;
  }
  watch(t.fd, token(lookup.id, kTcpTag), EPOLLOUT);
  lookup.tcp = std::move(t);
}

void Transport::Impl::advance_tcp(Lookup& lookup, short revents) {
  TcpAttempt& t = *lookup.tcp;
  auto fail = [&](const std::string& why) {
    finish(lookup, Answer::failure(Status::Malformed, "reply truncated; TCP " + why));
  };
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
