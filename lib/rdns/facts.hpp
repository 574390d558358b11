// What the MTA already knows about the client's reverse DNS, normalised. Postfix sends
// {client_name} (the forward-confirmed name, or "unknown") and {client_ptr} (the PTR name,
// confirmed or not, or "unknown"); Sendmail sends ${client_resolve} (OK, FAIL, FORGED, TEMP),
// {client_name} and {client_ptr}. TempFail never counts against a client.
#pragma once

#include "dns/types.hpp"
#include "net/ip_address.hpp"

#include <optional>
#include <vector>
#include <string>
#include <string_view>

namespace dyn::rdns {

enum class RdnsStatus {
  Unknown,   // the MTA told us nothing usable
  Ok,        // a PTR name that maps back to the address
  Forged,    // a PTR name that does not map back
  NoPtr,     // no PTR record
  TempFail,  // the lookup failed for now
};
std::string_view to_string(RdnsStatus status);

struct RdnsFacts {
  RdnsStatus status = RdnsStatus::Unknown;
  std::string name;  // the verified name (Ok) or the unverified PTR name (Forged); else empty
};

struct RdnsMacros {
  std::optional<std::string> client_name, client_ptr, client_resolve;
  std::string connect_hostname;  // the CONNECT callback's hostname argument
};

RdnsFacts from_macros(const RdnsMacros& m);

// Forward-confirmed reverse DNS from our own lookups: the PTR answer, then the A and AAAA
// answers for its first name. NXDOMAIN or no PTR record: NoPtr; the address among the forward
// records: Ok; else Forged. A failed lookup leaves the status Unknown (TempFail never counts).
RdnsFacts confirm(const dns::Answer& ptr, const std::vector<dns::Answer>& forward, const net::IpAddress& ip);

// An A or AAAA answer holds this address among its records.
bool holds_address(const dns::Answer& answer, const net::IpAddress& ip);

}  // namespace dyn::rdns
