// What is known about one client, and what one list said about it: the values the evidence
// sources read and write (policy/evidence.hpp) and the verdict carries.
#pragma once

#include "dns/types.hpp"
#include "dnsbl/outcome.hpp"
#include "net/ip_address.hpp"
#include "rdns/facts.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace dyn::policy {

// What the MTA told us about the client, parsed once at the edge.
struct ClientFacts {
  std::optional<net::IpAddress> ip;        // none: AF_UNIX, a missing or unparsable address
  std::string hostname;                    // as the MTA sent it ("unknown", "[192.0.2.1]", a name); may be empty
  rdns::RdnsFacts rdns{};                  // the MTA's own reverse-DNS result, from its macros
  std::string helo{};                      // the HELO/EHLO argument, once the client sent one
  std::optional<std::uint32_t> ptr_ttl{};  // TTL of the PTR record, from our own lookup
  std::string id{};                        // incident reference for this connection: in the log line and {id}
};

struct ListResult {
  std::string zone;  // the name shown in logs and replies (an access key left out: dnsbl::safe_zone)
  int weight = 0;
  dns::Status status = dns::Status::Timeout;  // how the lookup ended, for dynmilter-check
  dnsbl::Outcome outcome;
  std::string txt;     // the list's TXT text for a listing (asked only when the reply shows {txt})
  std::string origin;  // "" from DNS; else where the answer came from ("local zone ...")
  std::string surge;   // the list lists far more clients than usual (the guard, in words): defer, never refuse
};

}  // namespace dyn::policy
