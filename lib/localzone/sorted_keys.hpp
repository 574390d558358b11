// SortedKeys: a sorted set of distinct 32-bit keys (IPv4 addresses, or the starts of address
// ranges) that answers "where is the last key <= x" in about one cache miss.
//
// A plain binary search over 10 million keys makes ~23 dependent loads, most of them cache
// misses. Here a large set is split into 65,536 buckets by the keys' top 16 bits: a bucket table
// of 256 KiB (it stays in the CPU cache) says where each bucket starts, the keys keep only their
// low 16 bits (2 bytes each), and the search inside a bucket starts where the key would be if the
// bucket were evenly filled, then gallops: evenly spread keys are found in the first cache line
// read; clumped ones cost a few more steps, never more than a binary search. Small sets
// (<= 65,536 keys) keep whole keys and a binary search: they fit in the cache anyway.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dyn::localzone {

class SortedKeys {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  static constexpr std::size_t kSmall = 65536;  // at most this many: whole keys, binary search

  SortedKeys() = default;
  // `keys` must be sorted and distinct (the loader sorts and removes duplicates).
  explicit SortedKeys(const std::vector<std::uint32_t>& keys);

  // Position of the last key <= x, or npos when every key is greater.
  std::size_t floor(std::uint32_t x) const;
  bool contains(std::uint32_t x) const;
  std::uint32_t at(std::size_t i) const;  // the key at position i (< size())
  std::size_t size() const { return size_; }
  std::size_t memory_bytes() const;

 private:
  std::size_t size_ = 0;
  std::vector<std::uint32_t> whole_;   // small sets
  std::vector<std::uint32_t> bucket_;  // large sets: 65,537 starts; bucket b is [bucket_[b], bucket_[b+1])
  std::vector<std::uint16_t> low_;     // large sets: each key's low 16 bits
};

}  // namespace dyn::localzone
