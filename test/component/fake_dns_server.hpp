// FakeDnsServer: an in-process DNS server on 127.0.0.1 (UDP, its own thread) whose answer to each
// (name, type) is scripted by the test: records, NXDOMAIN, delay, drop, SERVFAIL, REFUSED, a
// truncated reply, a wrong ID, a wrong question, garbage. It counts the queries it receives.
// It also answers over TCP on the same port (RFC 7766 framing), with the full answer and no
// delay: a Truncated script is answered in full there.
#pragma once

#include "dns/types.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

struct sockaddr_in;

namespace dyn::test {

struct Script {
  // WrongSource: the right reply (ID and question), sent from another port of the server's
  // address, as an off-path spoofer who guessed the ID would.
  enum class Kind {
    Records,
    NxDomain,
    NoData,
    ServFail,
    Refused,
    Drop,
    Truncated,
    WrongId,
    WrongQuestion,
    Garbage,
    WrongSource
  };
  Kind kind = Kind::NxDomain;
  std::vector<std::string> values;  // rdata in presentation form ("127.0.0.2", "host.example.")
  std::uint32_t ttl = 300;
  std::uint32_t soa_minimum = 900;  // negative TTL advertised with NXDOMAIN / NODATA
  std::chrono::milliseconds delay{0};
  bool authoritative = false;  // the AA bit

  static Script records(std::vector<std::string> v, std::uint32_t ttl = 300) {
    return {Kind::Records, std::move(v), ttl};
  }
  static Script of(Kind k) {
    Script s;
    s.kind = k;
    return s;
  }
  Script after(std::chrono::milliseconds d) const {
    Script s = *this;
    s.delay = d;
    return s;
  }
  Script from_authority() const {
    Script s = *this;
    s.authoritative = true;
    return s;
  }
};

class FakeDnsServer {
 public:
  FakeDnsServer();  // binds an ephemeral port on 127.0.0.1 and starts serving
  ~FakeDnsServer();
  FakeDnsServer(const FakeDnsServer&) = delete;
  FakeDnsServer& operator=(const FakeDnsServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Names not scripted answer NXDOMAIN, or as set_fallback() says.
  void script(const std::string& name, dns::RrType type, Script s);
  void set_fallback(Script s) {
    std::lock_guard lock(mutex_);
    fallback_ = std::move(s);
  }
  // Names not scripted are first offered to `synth` (when set): an answer made from the name
  // itself, for benchmarks whose questions are too many to script one by one.
  void set_synth(std::function<std::optional<Script>(const std::string& name, dns::RrType type)> synth) {
    std::lock_guard lock(mutex_);
    synth_ = std::move(synth);
  }
  std::size_t queries(const std::string& name, dns::RrType type = dns::RrType::A) const;
  std::size_t total_queries() const;
  std::size_t tcp_queries() const;
  void enable_tcp(bool on);  // off: TCP connections are refused (closed unanswered)

 private:
  struct Delayed;  // a reply and when to send it
  void run();
  std::optional<Delayed> delayed_reply(const std::uint8_t* buf, std::size_t n, const sockaddr_in& from);
  std::vector<std::uint8_t> respond(const std::uint8_t* data, std::size_t size, std::chrono::milliseconds* delay,
                                    bool* drop, bool over_tcp);
  void serve_tcp_client(int fd);

  int fd_ = -1;
  int spoof_fd_ = -1;  // a second UDP socket, another port: WrongSource replies come from it
  int tcp_fd_ = -1;
  bool tcp_enabled_ = true;  // guarded by mutex_
  std::size_t tcp_total_ = 0;
  int stop_fd_ = -1;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, dns::RrType>, Script> scripts_;
  Script fallback_ = Script::of(Script::Kind::NxDomain);
  std::function<std::optional<Script>(const std::string&, dns::RrType)> synth_;
  std::map<std::pair<std::string, dns::RrType>, std::size_t> counts_;
  std::size_t total_ = 0;
  std::thread thread_;
};

}  // namespace dyn::test
