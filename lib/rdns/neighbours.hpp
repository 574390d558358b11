// Neighbours as evidence: residential pools name every address of a block the same way
// ("dsl-203-0-113-6.isp.example", "dsl-203-0-113-8.isp.example"), server blocks do not. When a
// client's own name says little, the names of the two addresses next to it can.
#pragma once

#include "net/ip_address.hpp"

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace dyn::rdns {

// The two addresses next to `ip` inside its /24 (IPv4) or /64 (IPv6): ip-1 and ip+1; at the
// edges of the block, the two inside it (.0 -> .1 and .2, .255 -> .253 and .254).
std::array<net::IpAddress, 2> neighbours(const net::IpAddress& ip);

// A name's shape: lower case, each run of digits (and of hex digits mixed with them) as '#':
// "DSL-203-0-113-6.pool.example" -> "dsl-#-#-#-#.pool.example".
std::string name_shape(std::string_view name);

// The domain a name belongs to for this comparison: the name without its first label.
std::string_view parent_domain(std::string_view name);

struct Neighbour {
  net::IpAddress ip;
  std::string name;  // its PTR name; empty when it has none (or the lookup failed)
};

// The neighbours are named like a pool around a client named `client_name`: both have names
// under the client's parent domain, both embed their own whole address, in the same shape, and
// neither carries a server word. nullopt when they are not, with the reason in *why.
std::optional<std::string> pool_around(std::string_view client_name, const std::array<Neighbour, 2>& n,
                                       std::string* why);

}  // namespace dyn::rdns
