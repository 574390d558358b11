// The milter protocol from the MTA's side, byte by byte: packets as Postfix sends them, a
// connection to a milter socket and the reading of its replies. Shared by raw_milter (hostile
// input) and bench/soak_client (load); the daemon itself speaks through libmilter.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

namespace dyn::test::milter_wire {

using Bytes = std::string;

inline Bytes be32(std::uint32_t v) {
  const std::uint32_t n = htonl(v);
  return Bytes(reinterpret_cast<const char*>(&n), 4);
}
inline Bytes packet(char cmd, const Bytes& data) {
  return be32(static_cast<std::uint32_t>(data.size() + 1)) + cmd + data;
}
inline Bytes z(const std::string& s) { return s + std::string(1, '\0'); }

// Option negotiation as Postfix 3.7 offers it: protocol 6, every action, every step.
inline Bytes optneg() { return packet('O', be32(6) + be32(0x1ff) + be32(0x1fffff)); }
inline Bytes connect_v4(const std::string& host, const std::string& ip) {
  return packet('C', z(host) + "4" + std::string("\x00\x19", 2) + z(ip));
}
inline Bytes helo(const std::string& name) { return packet('H', z(name)); }
inline Bytes mail(const std::string& from) { return packet('M', z(from)); }
inline Bytes rcpt(const std::string& to) { return packet('R', z(to)); }
inline Bytes macro(char stage, const Bytes& strings) { return packet('D', std::string(1, stage) + strings); }
inline Bytes quit() { return packet('Q', ""); }

// A connected socket to "inet:PORT@ADDR" or "unix:PATH"; -1 on failure.
inline int open_socket(const std::string& spec) {
  if (spec.rfind("unix:", 0) == 0) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::snprintf(sa.sun_path, sizeof sa.sun_path, "%s", spec.c_str() + 5);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) return fd;
    if (fd >= 0) ::close(fd);
    return -1;
  }
  const auto at = spec.find('@');
  if (spec.rfind("inet:", 0) != 0 || at == std::string::npos) return -1;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(std::stoi(spec.substr(5, at - 5))));
  if (::inet_pton(AF_INET, spec.c_str() + at + 1, &sa.sin_addr) != 1) return -1;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) return fd;
  if (fd >= 0) ::close(fd);
  return -1;
}

inline bool send_all(int fd, const Bytes& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads milter replies from one connection: each is its command byte and its data.
class ReplyReader {
 public:
  struct Reply {
    char command = 0;
    Bytes data;
  };
  enum class End { Reply, Quiet, Closed };

  explicit ReplyReader(int fd) : fd_(fd) {}
  // The next reply, or why there is none: nothing within `quiet_ms`, or the milter hung up.
  End next(int quiet_ms, Reply& out) {
    for (;;) {
      if (buffer_.size() >= 5) {
        std::uint32_t len = 0;
        std::memcpy(&len, buffer_.data(), 4);
        len = ntohl(len);
        if (len == 0) return End::Closed;  // not a milter reply: treat as a broken connection
        if (buffer_.size() >= 4 + std::size_t{len}) {
          out.command = buffer_[4];
          out.data = buffer_.substr(5, len - 1);
          buffer_.erase(0, 4 + std::size_t{len});
          return End::Reply;
        }
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, quiet_ms) <= 0) return End::Quiet;
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return End::Closed;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_;
  Bytes buffer_;
};

}  // namespace dyn::test::milter_wire
