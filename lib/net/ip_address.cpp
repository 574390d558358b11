#include "net/ip_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace dyn::net {

namespace {
bool is_v4_mapped(const std::uint8_t* b) {
  static constexpr std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(b, prefix, 12) == 0;
}
}  // namespace

IpAddress IpAddress::v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  IpAddress ip;
  ip.family_ = Family::V4;
  ip.bytes_ = {a, b, c, d};
  return ip;
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& bytes) {
  if (is_v4_mapped(bytes.data())) return v4(bytes[12], bytes[13], bytes[14], bytes[15]);
  IpAddress ip;
  ip.family_ = Family::V6;
  ip.bytes_ = bytes;
  return ip;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  // inet_pton wants a NUL-terminated string; addresses are short, so bound the copy.
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN + 1];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  std::array<std::uint8_t, 16> b{};
  if (inet_pton(AF_INET, buf, b.data()) == 1) return v4(b[0], b[1], b[2], b[3]);
  if (inet_pton(AF_INET6, buf, b.data()) == 1) return v6(b);
  return std::nullopt;
}

std::optional<IpAddress> IpAddress::from_sockaddr(const sockaddr* sa) {
  if (sa == nullptr) return std::nullopt;
  if (sa->sa_family == AF_INET) {
    sockaddr_in sin;
    std::memcpy(&sin, sa, sizeof sin);
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), &sin.sin_addr, 4);
    return v4(b[0], b[1], b[2], b[3]);
  }
  if (sa->sa_family == AF_INET6) {
    sockaddr_in6 sin6;
    std::memcpy(&sin6, sa, sizeof sin6);
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), &sin6.sin6_addr, 16);
    return v6(b);
  }
  return std::nullopt;
}

void format_ipv4(const std::uint8_t* b, std::string& out) {
  char text[16];
  char* p = text;
  for (int i = 0; i < 4; ++i) {
    const unsigned v = b[i];
    if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
    if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
    *p++ = static_cast<char>('0' + v % 10);
    if (i < 3) *p++ = '.';
  }
  out.assign(text, p);
}

std::string IpAddress::to_string() const {
  if (is_v4()) {
    std::string out;
    format_ipv4(bytes_.data(), out);
    return out;
  }
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, bytes_.data(), buf, sizeof buf) == nullptr) return "?";
  return buf;
}

}  // namespace dyn::net
