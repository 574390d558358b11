// Is the client's address written into its host name? Residential pools name every address
// ("dsl-203-0-113-7.pool.example", "cpe-0541c831.isp.example"); servers rarely do, and when
// they do the name usually also says what they are ("o167-89-97-77.outbound-mail.example").
// This is code, not regexes: the address is known, so we look for it in each common spelling.
#pragma once

#include "net/ip_address.hpp"

#include <string>
#include <string_view>

namespace dyn::rdns {

enum class Embedding {
  None,
  Partial,  // three consecutive octets (IPv4), or half the address (IPv6)
  Full,     // the whole address
};

struct EmbedMatch {
  Embedding level = Embedding::None;
  std::string spelling;  // how it was written: "dashed", "reversed", "hex", "run-together", ...
};

// `name` is a host name in any case, with or without a trailing dot.
EmbedMatch find_ip_in_name(std::string_view name, const net::IpAddress& ip);

}  // namespace dyn::rdns
