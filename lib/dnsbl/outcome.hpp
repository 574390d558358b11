// What one DNSBL said about one address, in three states (RFC 5782 plus the error codes lists use).
#pragma once

#include "dns/types.hpp"
#include "dnsbl/zone_spec.hpp"
#include "net/ip_address.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace dyn::dnsbl {

enum class Listing { Listed, NotListed, Unknown };
std::string_view to_string(Listing listing);

struct Outcome {
  Listing listing = Listing::Unknown;
  std::vector<net::IpAddress> codes;  // the A records the list answered, if any
  std::string reason;                 // for Unknown, and for NotListed despite codes (filtered out)
  // Unknown because the lookup failed (timeout, SERVFAIL, network), not because the list answered
  // an error code. Only a transient failure triggers --on-dns-error.
  bool transient = false;
};

// Only A records inside 127.0.0.0/8 that pass the zone's filter make Listed. An answer outside
// 127/8, or a 127.255.255.x code (Spamhaus: .252 bad zone name, .254 public resolver, .255 rate
// limit), means the list is not answering the question: Unknown, never Listed.
Outcome interpret(const ZoneSpec& spec, const dns::Answer& answer);

}  // namespace dyn::dnsbl
