// A DNS server to ask: address and port ("192.0.2.53", "127.0.0.1:5300", "[2001:db8::53]:53").
#pragma once

#include "net/ip_address.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dyn::dns {

struct ServerAddress {
  net::IpAddress ip;
  std::uint16_t port = 53;

  static std::optional<ServerAddress> parse(std::string_view text);
  std::string to_string() const;
  bool operator==(const ServerAddress&) const = default;
};

// The "nameserver" lines of a resolv.conf file (port 53). Empty when the file is missing or has none.
std::vector<ServerAddress> read_resolv_conf(const std::string& path = "/etc/resolv.conf");

}  // namespace dyn::dns
