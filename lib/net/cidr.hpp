// Cidr: an address prefix such as 192.0.2.0/24 or 2001:db8::/32. A bare address is a /32 or /128.
#pragma once

#include "net/ip_address.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dyn::net {

class Cidr {
 public:
  // Accepts "ADDR" or "ADDR/LEN"; host bits beyond LEN must be zero (a typo such as
  // 192.0.2.1/24 is refused rather than silently widened). IPv4-mapped prefixes
  // (::ffff:0:0/96 and longer) are normalised to IPv4.
  static std::optional<Cidr> parse(std::string_view text, std::string* error = nullptr);

  bool contains(const IpAddress& ip) const;
  const IpAddress& network() const { return network_; }
  int length() const { return length_; }
  std::string to_string() const;
  bool operator==(const Cidr&) const = default;

 private:
  IpAddress network_;
  int length_ = 0;
};

bool any_contains(const std::vector<Cidr>& set, const IpAddress& ip);

// Loopback, RFC 1918, link-local and unique-local networks: no client on the Internet comes from
// them (the default --exempt-network list, and what dynmilter-web calls a visitor's private address).
const std::vector<Cidr>& private_networks();

}  // namespace dyn::net
