// DNS values shared by the transport, the cache (later) and the policy: questions, records, answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dyn::dns {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

enum class RrType : std::uint16_t { A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, MX = 15, TXT = 16, AAAA = 28 };
std::string_view to_string(RrType type);

// Lower case, no trailing dot: the one spelling used for keys and comparisons.
std::string canonical_name(std::string_view name);
bool is_canonical(std::string_view name);  // canonical_name() would return it unchanged
// Both canonical: `name` is `zone` itself or a name under it ("a.b.example" under "example").
bool at_or_under(std::string_view name, std::string_view zone);

struct Question {
  std::string name;  // canonical
  RrType type = RrType::A;
  bool operator==(const Question&) const = default;
};

// How a lookup ended. Only Ok/NoData/NxDomain are answers from the DNS; the rest are failures,
// which callers must treat as "unknown", never as "no" or "yes".
enum class Status { Ok, NoData, NxDomain, ServFail, Refused, Timeout, Malformed, NetworkError };
std::string_view to_string(Status status);

struct Record {
  RrType type = RrType::A;
  std::uint32_t ttl = 0;
  std::string value;  // presentation form: "127.0.0.2", "2001:db8::1", or a canonical name
};

struct Answer {
  Status status = Status::Timeout;
  std::vector<Record> records;     // only records of the asked type, for the asked name or its CNAME chain
  std::uint32_t negative_ttl = 0;  // RFC 2308: min(SOA TTL, SOA MINIMUM) for NoData/NxDomain
  std::string detail;              // why, for failures (shown in logs and dynmilter-check)
  bool authoritative = false;      // AA set: the TTLs are the zone's, not a cache's decremented ones
  std::string origin{};            // "" when a DNS server answered; else where it came from ("local zone ...")

  static Answer failure(Status status, std::string detail) {
    return Answer{status, {}, 0, std::move(detail), false, {}};
  }
};

}  // namespace dyn::dns
