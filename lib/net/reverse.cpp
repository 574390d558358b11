#include "net/reverse.hpp"

namespace dyn::net {

std::string reversed_label(const IpAddress& ip) {
  const auto& b = ip.bytes();
  std::string out;
  if (ip.is_v4()) {
    for (int i = 3; i >= 0; --i) {
      out += std::to_string(b[i]);
      if (i) out += '.';
    }
    return out;
  }
  static constexpr char hex[] = "0123456789abcdef";
  out.reserve(63);
  for (int i = 15; i >= 0; --i) {
    out += hex[b[i] & 0xf];
    out += '.';
    out += hex[b[i] >> 4];
    if (i) out += '.';
  }
  return out;
}

std::string ptr_name(const IpAddress& ip) {
  return reversed_label(ip) + (ip.is_v4() ? ".in-addr.arpa" : ".ip6.arpa");
}

std::string dnsbl_query_name(const IpAddress& ip, const std::string& zone) {
  return reversed_label(ip) + "." + zone;
}

}  // namespace dyn::net
