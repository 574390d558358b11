// Resolver sanity: a resolver that answers NXDOMAIN (or an address) for everything turns every
// client into "no reverse DNS name" or "does not resolve back", which would reject them all.
// Two probes tell such a resolver from a working one: a name that must exist (the root zone's
// NS set: every recursive resolver can answer it) and a name that must not (a random label under
// .invalid, RFC 6761). Only a positive contradiction condemns the resolver: a failed or refused
// probe (a resolver that serves only some zones, such as rbldnsd) proves nothing.
#pragma once

#include "dns/types.hpp"

#include <optional>
#include <string>
#include <vector>

namespace dyn::dns {

struct ResolverVerdict {
  bool sane = true;
  std::string reason;  // why not sane, in words for the log
  bool operator==(const ResolverVerdict&) const = default;
};

// The two probe questions: the one that must exist first. `nonce` makes the second name new on
// every probe (no cache in between can answer it).
std::vector<Question> sanity_questions(std::string_view nonce);

// nullopt: the probes prove nothing either way (both failed, timed out or were refused).
std::optional<ResolverVerdict> judge_sanity(const Answer& must_exist, const Answer& must_not_exist);

// Watches the outcome of the daemon's own name lookups (PTR, forward confirmation). When nearly
// all of the recent ones came back NXDOMAIN or failed, the resolver is suspect and should be
// probed now rather than at the next interval. Not thread-safe: the caller holds a lock.
class FailureWindow {
 public:
  explicit FailureWindow(std::size_t size = 64) : ring_(size, false) {}
  // Records one outcome; true when the window is full and at least 95 % of it failed.
  bool record(Status status);

 private:
  std::vector<bool> ring_;  // true: NXDOMAIN or a failure
  std::size_t next_ = 0, filled_ = 0, bad_ = 0;
};

}  // namespace dyn::dns
