// flatten(): address blocks that nest or are disjoint (CIDR prefixes, rbldnsd's octet levels),
// each with a group, turned into the sorted starts of disjoint intervals, each with the group of
// the innermost block covering it (0 where no block does, or where an exclusion does). A lookup
// is then "the last start <= address".
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace dyn::localzone {

template <class K>
struct Span {
  K first, last;        // inclusive
  std::uint32_t group;  // 0: not listed (an exclusion)
};

// `top` is the largest key (nothing follows a block that ends there).
template <class K>
void flatten(std::vector<Span<K>>& spans, K top, std::vector<K>& starts, std::vector<std::uint32_t>& groups) {
  std::stable_sort(spans.begin(), spans.end(), [](const Span<K>& a, const Span<K>& b) {
    return a.first != b.first ? a.first < b.first : a.last > b.last;  // the enclosing block first
  });
  starts.clear();
  groups.clear();
  // From `at` on, the group is g: a new interval, unless nothing changes; a later call at the
  // same point replaces an earlier one (an inner block starting where its outer one does).
  auto set = [&](K at, std::uint32_t g) {
    if (!starts.empty() && starts.back() == at) {
      groups.back() = g;
      const std::uint32_t before = groups.size() > 1 ? groups[groups.size() - 2] : 0;
      if (before == g) {
        starts.pop_back();
        groups.pop_back();
      }
      return;
    }
    if ((groups.empty() ? 0 : groups.back()) == g) return;
    starts.push_back(at);
    groups.push_back(g);
  };
  struct Open {
    K last;
    std::uint32_t group;
  };
  std::vector<Open> open;  // the blocks enclosing the current point, innermost last
  auto close = [&](bool all, K before) {
    while (!open.empty() && (all || open.back().last < before)) {
      const Open o = open.back();
      open.pop_back();
      if (o.last != top) set(o.last + 1, open.empty() ? 0 : open.back().group);
    }
  };
  for (const auto& s : spans) {
    close(false, s.first);
    set(s.first, s.group);
    open.push_back({s.last, s.group});
  }
  close(true, K{});
}

}  // namespace dyn::localzone
