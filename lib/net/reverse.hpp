// Reverse names of an address, used for PTR lookups and DNSBL queries (RFC 5782 section 2.1/2.4).
#pragma once

#include "net/ip_address.hpp"

#include <string>

namespace dyn::net {

// IPv4 192.0.2.99 -> "99.2.0.192"; IPv6 -> 32 nibbles, least significant first, dot-separated.
std::string reversed_label(const IpAddress& ip);

// The PTR owner: "99.2.0.192.in-addr.arpa" or "....ip6.arpa".
std::string ptr_name(const IpAddress& ip);

// A DNSBL query name: reversed_label(ip) + "." + zone.
std::string dnsbl_query_name(const IpAddress& ip, const std::string& zone);

}  // namespace dyn::net
