#include "fake_dns_server.hpp"

#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace dyn::test {

namespace {
struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktFree>;

void push_rr(ldns_pkt* pkt, ldns_pkt_section section, const std::string& text) {
  ldns_rr* rr = nullptr;
  if (ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr) != LDNS_STATUS_OK)
    throw std::runtime_error("fake DNS: bad record text: " + text);
  ldns_pkt_push_rr(pkt, section, rr);
}
}  // namespace

FakeDnsServer::FakeDnsServer() {
  // UDP and TCP on one port number: take an ephemeral TCP port, then the same for UDP; if that
  // UDP port is taken (other tests run in parallel), try again with another.
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
    sin.sin_port = 0;
    tcp_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    socklen_t len = sizeof sin;
    if (tcp_fd_ < 0 || ::bind(tcp_fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0 ||
        ::getsockname(tcp_fd_, reinterpret_cast<sockaddr*>(&sin), &len) != 0 || ::listen(tcp_fd_, 16) != 0)
      throw std::runtime_error("fake DNS: cannot listen on TCP");
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0) break;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    ::close(tcp_fd_);
    tcp_fd_ = -1;
  }
  if (fd_ < 0) throw std::runtime_error("fake DNS: no port free for both UDP and TCP");
  port_ = ntohs(sin.sin_port);
  // Room for a burst of thousands of questions (the benchmarks'): 8 MB where root may force it.
  const int rcvbuf = 8 << 20;
  if (::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0)
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  spoof_fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in any_port = sin;
  any_port.sin_port = 0;
  if (spoof_fd_ < 0 || ::bind(spoof_fd_, reinterpret_cast<sockaddr*>(&any_port), sizeof any_port) != 0)
    throw std::runtime_error("fake DNS: cannot bind the spoofing socket");
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { run(); });
}

FakeDnsServer::~FakeDnsServer() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(stop_fd_, &one, sizeof one);
  thread_.join();
  ::close(fd_);
  ::close(spoof_fd_);
  ::close(tcp_fd_);
  ::close(stop_fd_);
}

std::size_t FakeDnsServer::tcp_queries() const {
  std::lock_guard lock(mutex_);
  return tcp_total_;
}

void FakeDnsServer::enable_tcp(bool on) {
  std::lock_guard lock(mutex_);
  tcp_enabled_ = on;
}

// One query per connection is all the resolver sends; the client writes it at once.
void FakeDnsServer::serve_tcp_client(int fd) {
  bool enabled;
  {
    std::lock_guard lock(mutex_);
    enabled = tcp_enabled_;
  }
  std::vector<std::uint8_t> in;
  std::uint8_t buf[4096];
  while (enabled) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.insert(in.end(), buf, buf + n);
    if (in.size() >= 2 && in.size() >= 2u + ((in[0] << 8) | in[1])) {
      std::chrono::milliseconds delay{0};
      bool drop = false;
      auto reply = respond(in.data() + 2, in.size() - 2, &delay, &drop, true);
      if (!drop && !reply.empty()) {
        std::vector<std::uint8_t> out = {static_cast<std::uint8_t>(reply.size() >> 8),
                                         static_cast<std::uint8_t>(reply.size())};
        out.insert(out.end(), reply.begin(), reply.end());
        ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
      }
      break;
    }
  }
  ::close(fd);
}

void FakeDnsServer::script(const std::string& name, dns::RrType type, Script s) {
  std::lock_guard lock(mutex_);
  scripts_[{dns::canonical_name(name), type}] = std::move(s);
}

std::size_t FakeDnsServer::queries(const std::string& name, dns::RrType type) const {
  std::lock_guard lock(mutex_);
  auto it = counts_.find({dns::canonical_name(name), type});
  return it == counts_.end() ? 0 : it->second;
}

std::size_t FakeDnsServer::total_queries() const {
  std::lock_guard lock(mutex_);
  return total_;
}

std::vector<std::uint8_t> FakeDnsServer::respond(const std::uint8_t* data, std::size_t size,
                                                 std::chrono::milliseconds* delay, bool* drop, bool over_tcp) {
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, data, size) != LDNS_STATUS_OK) {
    *drop = true;
    return {};
  }
  PktPtr query(raw);
  const ldns_rr* q = ldns_rr_list_rr(ldns_pkt_question(query.get()), 0);
  char* owner_text = ldns_rdf2str(ldns_rr_owner(q));
  const std::string name = dns::canonical_name(owner_text);
  std::free(owner_text);
  const auto type = static_cast<dns::RrType>(ldns_rr_get_type(q));

  Script s;
  {
    std::lock_guard lock(mutex_);
    ++total_;
    if (over_tcp) ++tcp_total_;
    ++counts_[{name, type}];
    auto it = scripts_.find({name, type});
    std::optional<Script> made;
    if (it == scripts_.end() && synth_) made = synth_(name, type);
    s = it != scripts_.end() ? it->second : made ? *made : fallback_;
  }
  if (over_tcp && s.kind == Script::Kind::Truncated) s.kind = Script::Kind::Records;
  *delay = over_tcp ? std::chrono::milliseconds(0) : s.delay;
  *drop = s.kind == Script::Kind::Drop;
  if (*drop) return {};
  if (s.kind == Script::Kind::Garbage) return std::vector<std::uint8_t>(40, 0xA5);

  PktPtr reply(ldns_pkt_new());
  ldns_pkt_set_id(reply.get(), ldns_pkt_id(query.get()) + (s.kind == Script::Kind::WrongId ? 1 : 0));
  ldns_pkt_set_qr(reply.get(), true);
  ldns_pkt_set_rd(reply.get(), true);
  ldns_pkt_set_ra(reply.get(), true);
  ldns_pkt_set_tc(reply.get(), s.kind == Script::Kind::Truncated);
  ldns_pkt_set_aa(reply.get(), s.authoritative);
  const std::string qname = s.kind == Script::Kind::WrongQuestion ? "other." + name : name;
  ldns_rr* question = nullptr;
  const std::string qtext = qname + ". IN " + std::string(dns::to_string(type));
  if (ldns_rr_new_question_frm_str(&question, qtext.c_str(), nullptr, nullptr) != LDNS_STATUS_OK) return {};
  ldns_pkt_push_rr(reply.get(), LDNS_SECTION_QUESTION, question);

  const std::string soa = "example. " + std::to_string(s.soa_minimum) +
                          " IN SOA ns.example. hostmaster.example. 1 3600 600 86400 " + std::to_string(s.soa_minimum);
  switch (s.kind) {
    case Script::Kind::WrongSource:
    case Script::Kind::Records:
    case Script::Kind::WrongId:
    case Script::Kind::WrongQuestion:
    case Script::Kind::Truncated:
      for (const auto& v : s.values)
        push_rr(reply.get(), LDNS_SECTION_ANSWER,
                name + ". " + std::to_string(s.ttl) + " IN " + std::string(dns::to_string(type)) + " " + v);
      break;
    case Script::Kind::NxDomain:
      ldns_pkt_set_rcode(reply.get(), LDNS_RCODE_NXDOMAIN);
      push_rr(reply.get(), LDNS_SECTION_AUTHORITY, soa);
      break;
    case Script::Kind::NoData: push_rr(reply.get(), LDNS_SECTION_AUTHORITY, soa); break;
    case Script::Kind::ServFail: ldns_pkt_set_rcode(reply.get(), LDNS_RCODE_SERVFAIL); break;
    case Script::Kind::Refused: ldns_pkt_set_rcode(reply.get(), LDNS_RCODE_REFUSED); break;
    case Script::Kind::Drop:
    case Script::Kind::Garbage: break;
  }
  std::uint8_t* wire = nullptr;
  size_t wire_size = 0;
  if (ldns_pkt2wire(&wire, reply.get(), &wire_size) != LDNS_STATUS_OK) return {};
  std::vector<std::uint8_t> out(wire, wire + wire_size);
  std::free(wire);
  return out;
}

struct FakeDnsServer::Delayed {
  std::chrono::steady_clock::time_point when;
  std::vector<std::uint8_t> bytes;
  sockaddr_in to;
  bool spoofed = false;
};

// Replies wait in time order (equal times keep their arrival order), so each loop costs the
// same however many are pending; each wake-up reads every datagram waiting, up to 64. (A scan of
// every pending reply per datagram made this server the bottleneck of bench/cold_burst.sh at a
// few thousand pending.)
void FakeDnsServer::run() {
  std::multimap<std::chrono::steady_clock::time_point, Delayed> pending;
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    while (!pending.empty() && pending.begin()->first <= now) {
      const Delayed& d = pending.begin()->second;
      ::sendto(d.spoofed ? spoof_fd_ : fd_, d.bytes.data(), d.bytes.size(), 0, reinterpret_cast<const sockaddr*>(&d.to),
               sizeof d.to);
      pending.erase(pending.begin());
    }
    const int timeout =
        pending.empty()
            ? -1
            : static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(pending.begin()->first - now).count());
    pollfd fds[3] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}, {tcp_fd_, POLLIN, 0}};
    if (::poll(fds, 3, timeout) < 0) continue;
    if (fds[1].revents & POLLIN) return;
    if (fds[2].revents & POLLIN) {
      const int client = ::accept4(tcp_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) serve_tcp_client(client);
    }
    if (!(fds[0].revents & POLLIN)) continue;
    for (int read = 0; read < 64; ++read) {
      std::uint8_t buf[4096];
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const ssize_t n = ::recvfrom(fd_, buf, sizeof buf, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) break;
      if (n == 0) continue;
      if (auto reply = delayed_reply(buf, static_cast<std::size_t>(n), from))
        pending.emplace(reply->when, std::move(*reply));
    }
  }
}

// The reply to one datagram and when to send it; none when it is to be dropped or unanswerable.
std::optional<FakeDnsServer::Delayed> FakeDnsServer::delayed_reply(const std::uint8_t* buf, std::size_t n,
                                                                   const sockaddr_in& from) {
  std::chrono::milliseconds delay{0};
  bool drop = false;
  auto bytes = respond(buf, n, &delay, &drop, false);
  if (drop || bytes.empty()) return std::nullopt;
  bool spoofed = false;
  {
    ldns_pkt* raw = nullptr;  // was it scripted as WrongSource? (look the name up again)
    if (ldns_wire2pkt(&raw, buf, n) == LDNS_STATUS_OK) {
      PktPtr q(raw);
      char* owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(q.get()), 0)));
      const auto key =
          std::make_pair(dns::canonical_name(owner),
                         static_cast<dns::RrType>(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(q.get()), 0))));
      std::free(owner);
      std::lock_guard lock(mutex_);
      auto it = scripts_.find(key);
      spoofed = it != scripts_.end() && it->second.kind == Script::Kind::WrongSource;
    }
  }
  return Delayed{std::chrono::steady_clock::now() + delay, std::move(bytes), from, spoofed};
}

}  // namespace dyn::test
