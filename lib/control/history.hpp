// The daemon's recent verdicts, for "dynmilter-ctl why REF|ADDRESS": a bounded ring of the last
// N decided connections (--history N), each with its facts and its whole verdict, moved in when
// the connection closes (no copy, no text built until someone asks). Thread-safe: sessions add,
// the control socket reads.
#pragma once

#include "policy/policy.hpp"

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dyn::control {

struct Record {
  std::int64_t time = 0;  // unix seconds, when the connection closed
  policy::ClientFacts facts;
  policy::Verdict verdict;
  double elapsed_ms = 0, waited_ms = 0;
};

class History {
 public:
  explicit History(std::size_t capacity) : capacity_(capacity) {}
  void add(Record record);  // the oldest goes when full; nothing is kept with a capacity of 0
  std::optional<Record> by_id(std::string_view id) const;
  // The latest records of one client address, newest first, at most `n`.
  std::vector<Record> by_client(const net::IpAddress& client, std::size_t n) const;
  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::vector<Record> ring_;  // grows to capacity_, then each record takes the oldest one's place
  std::size_t next_ = 0;      // where the next record goes once full
};

}  // namespace dyn::control
