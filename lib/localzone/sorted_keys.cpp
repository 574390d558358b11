#include "localzone/sorted_keys.hpp"

#include <algorithm>

namespace dyn::localzone {

SortedKeys::SortedKeys(const std::vector<std::uint32_t>& keys) : size_(keys.size()) {
  if (keys.size() <= kSmall) {
    whole_ = keys;
    return;
  }
  bucket_.assign(65537, 0);
  low_.resize(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    ++bucket_[(keys[i] >> 16) + 1];
    low_[i] = static_cast<std::uint16_t>(keys[i]);
  }
  for (std::size_t b = 1; b < bucket_.size(); ++b) bucket_[b] += bucket_[b - 1];
}

std::uint32_t SortedKeys::at(std::size_t i) const {
  if (!whole_.empty() || bucket_.empty()) return whole_[i];
  // The bucket holding position i: the last b with bucket_[b] <= i.
  const auto it = std::upper_bound(bucket_.begin(), bucket_.end(), static_cast<std::uint32_t>(i));
  const auto b = static_cast<std::uint32_t>(it - bucket_.begin() - 1);
  return b << 16 | low_[i];
}

std::size_t SortedKeys::floor(std::uint32_t x) const {
  if (bucket_.empty()) {
    const auto it = std::upper_bound(whole_.begin(), whole_.end(), x);
    return it == whole_.begin() ? npos : static_cast<std::size_t>(it - whole_.begin() - 1);
  }
  const std::uint32_t b = x >> 16;
  const std::uint16_t want = static_cast<std::uint16_t>(x);
  const std::size_t lo = bucket_[b], hi = bucket_[b + 1];           // adjacent: one cache line
  if (lo == hi || low_[lo] > want) return lo == 0 ? npos : lo - 1;  // nothing <= x in this bucket
  // Find the last position p in [lo, hi) with low_[p] <= want; low_[lo] <= want holds.
  // First guess: where `want` would be in an evenly filled bucket. Then gallop to bracket it.
  std::size_t guess = lo + static_cast<std::size_t>((static_cast<std::uint64_t>(want) * (hi - lo)) >> 16);
  if (guess >= hi) guess = hi - 1;
  std::size_t left, right;  // low_[left] <= want, and right == hi or low_[right] > want
  if (low_[guess] <= want) {
    left = guess;
    std::size_t step = 1;
    right = guess + 1;
    while (right < hi && low_[right] <= want) {
      left = right;
      step *= 2;
      right = std::min(hi, left + step);
    }
  } else {
    right = guess;
    std::size_t step = 1;
    left = guess - std::min(step, guess - lo);
    while (low_[left] > want) {  // stops at lo at the latest
      right = left;
      step *= 2;
      left = left - std::min(step, left - lo);
    }
  }
  // Binary search in (left, right): the answer is the last position below `right` with low_ <= want.
  while (right - left > 1) {
    const std::size_t mid = left + (right - left) / 2;
    if (low_[mid] <= want)
      left = mid;
    else
      right = mid;
  }
  return left;
}

bool SortedKeys::contains(std::uint32_t x) const {
  const auto p = floor(x);
  if (p == npos) return false;
  if (bucket_.empty()) return whole_[p] == x;
  // p is in x's bucket exactly when its low half matches and it is not below the bucket's start.
  return p >= bucket_[x >> 16] && low_[p] == static_cast<std::uint16_t>(x);
}

std::size_t SortedKeys::memory_bytes() const {
  return whole_.capacity() * sizeof(std::uint32_t) + bucket_.capacity() * sizeof(std::uint32_t) +
         low_.capacity() * sizeof(std::uint16_t);
}

}  // namespace dyn::localzone
