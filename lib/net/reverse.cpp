#include "net/reverse.hpp"

#include <string_view>

namespace dyn::net {

namespace {

// The reversed label, then `dot` and `zone`, in one allocation (these names are built for every
// client on the warm path).
std::string reversed_with(const IpAddress& ip, std::string_view dot = {}, std::string_view zone = {}) {
  const std::size_t suffix = dot.size() + zone.size();
  const auto& b = ip.bytes();
  std::string out;
  if (ip.is_v4()) {
    char buf[16];  // "255.255.255.255"
    char* p = buf;
    for (int i = 3; i >= 0; --i) {
      const unsigned v = b[i];
      if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
      if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
      *p++ = static_cast<char>('0' + v % 10);
      if (i) *p++ = '.';
    }
    out.reserve(static_cast<std::size_t>(p - buf) + suffix);
    out.append(buf, p);
  } else {
    static constexpr char hex[] = "0123456789abcdef";
    out.reserve(63 + suffix);
    for (int i = 15; i >= 0; --i) {
      out += hex[b[i] & 0xf];
      out += '.';
      out += hex[b[i] >> 4];
      if (i) out += '.';
    }
  }
  out += dot;
  out += zone;
  return out;
}

}  // namespace

std::string reversed_label(const IpAddress& ip) { return reversed_with(ip); }

std::string ptr_name(const IpAddress& ip) { return reversed_with(ip, ip.is_v4() ? ".in-addr.arpa" : ".ip6.arpa"); }

std::string dnsbl_query_name(const IpAddress& ip, const std::string& zone) { return reversed_with(ip, ".", zone); }

}  // namespace dyn::net
