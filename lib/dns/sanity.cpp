#include "dns/sanity.hpp"

namespace dyn::dns {

std::vector<Question> sanity_questions(std::string_view nonce) {
  return {Question{"", RrType::NS},
          Question{canonical_name("dynmilter-probe-" + std::string(nonce) + ".invalid"), RrType::A}};
}

std::optional<ResolverVerdict> judge_sanity(const Answer& must_exist, const Answer& must_not_exist) {
  if (must_exist.status == Status::NxDomain)
    return ResolverVerdict{false, "it answers NXDOMAIN for the root zone, which must exist"};
  if (must_not_exist.status == Status::Ok && !must_not_exist.records.empty())
    return ResolverVerdict{false, "it answers " + must_not_exist.records.front().value + " for " +
                                      "a name under .invalid, which cannot exist"};
  // A recursive resolver always has the root's NS set: "no such data" for it is as false as
  // NXDOMAIN (a resolver that says so says it about every client's PTR too).
  if (must_exist.status == Status::NoData || (must_exist.status == Status::Ok && must_exist.records.empty()))
    return ResolverVerdict{false, "it answers no NS records for the root zone, which every resolver has"};
  const bool exist_ok = must_exist.status == Status::Ok;
  const bool absent_ok = must_not_exist.status == Status::NxDomain || must_not_exist.status == Status::NoData;
  if (exist_ok && absent_ok) return ResolverVerdict{true, ""};
  if (exist_ok || absent_ok) {
    // One probe answered right and the other failed: the resolver answers, so keep judging by
    // what it answered; a SERVFAIL for the root is not a lie, only an outage (lookups fail = unknown).
    return ResolverVerdict{true, ""};
  }
  return std::nullopt;
}

bool FailureWindow::record(Status status) {
  const bool bad = status != Status::Ok && status != Status::NoData;
  if (filled_ == ring_.size()) {
    bad_ -= ring_[next_] ? 1 : 0;
  } else {
    ++filled_;
  }
  ring_[next_] = bad;
  bad_ += bad ? 1 : 0;
  next_ = (next_ + 1) % ring_.size();
  return filled_ == ring_.size() && bad_ * 100 >= filled_ * 95;
}

}  // namespace dyn::dns
