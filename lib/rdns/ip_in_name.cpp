#include "rdns/ip_in_name.hpp"
#include "util/ascii.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <vector>

namespace dyn::rdns {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  util::ascii_lower_in_place(out);
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

// Maximal runs of characters for which `keep` holds, in order ("dsl-203-0-113-7" -> 203, 0, 113, 7).
template <class Keep>
std::vector<std::string> runs_of(const std::string& s, Keep keep) {
  std::vector<std::string> runs;
  for (std::size_t i = 0; i < s.size();) {
    if (!keep(static_cast<unsigned char>(s[i]))) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && keep(static_cast<unsigned char>(s[j]))) ++j;
    runs.push_back(s.substr(i, j - i));
    i = j;
  }
  return runs;
}

std::vector<std::string> digit_runs(const std::string& s) {
  return runs_of(s, [](unsigned char c) { return util::ascii_digit(static_cast<char>(c)); });
}

bool is_octet(const std::string& run, int value) {
  if (run.size() > 3 || run.empty()) return false;
  return std::stoi(run) == value;  // "024" and "24" both spell 24
}

// Longest stretch of consecutive runs that spell consecutive octets (forward or reversed).
int longest_octet_sequence(const std::vector<std::string>& runs, const std::array<int, 4>& o, bool* reversed) {
  int best = 0;
  for (int dir = 0; dir < 2; ++dir) {
    std::array<int, 4> want = o;
    if (dir == 1) std::reverse(want.begin(), want.end());
    for (std::size_t start = 0; start < runs.size(); ++start)
      for (int first = 0; first < 4; ++first) {
        int len = 0;
        while (first + len < 4 && start + len < runs.size() && is_octet(runs[start + len], want[first + len])) ++len;
        if (len > best) {
          best = len;
          *reversed = dir == 1;
        }
      }
  }
  return best;
}

std::string concat(const std::array<int, 4>& o, bool padded, bool reversed) {
  std::string out;
  for (int k = 0; k < 4; ++k) {
    const int v = o[reversed ? 3 - k : k];
    char buf[4];
    std::snprintf(buf, sizeof buf, padded ? "%03d" : "%d", v);
    out += buf;
  }
  return out;
}

// Can `run` be cut into the four octets, in order, each written with 1 to 3 digits and any
// zero padding ("11212042027" = 112.120.042.027)?
bool splits_into_octets(std::string_view run, const std::array<int, 4>& o, int k = 0) {
  if (k == 4) return run.empty();
  for (std::size_t len = 1; len <= 3 && len <= run.size(); ++len) {
    int v = 0;
    for (std::size_t i = 0; i < len; ++i) v = v * 10 + (run[i] - '0');
    const std::size_t plain = o[k] >= 100 ? 3 : o[k] >= 10 ? 2 : 1;
    if (v == o[k] && len >= plain && splits_into_octets(run.substr(len), o, k + 1)) return true;
  }
  return false;
}

// The address written in two halves in different places ("1-100-200.w90-1": 90.1 and 100.200).
bool in_two_pairs(const std::vector<std::string>& runs, const std::array<int, 4>& o) {
  auto pair_at = [&](int a, int b) {
    for (std::size_t i = 0; i + 1 < runs.size(); ++i)
      if (is_octet(runs[i], a) && is_octet(runs[i + 1], b)) return true;
    return false;
  };
  return pair_at(o[0], o[1]) && pair_at(o[2], o[3]);
}

std::string hex8(const std::array<int, 4>& o, bool reversed) {
  char buf[9];
  if (reversed)
    std::snprintf(buf, sizeof buf, "%02x%02x%02x%02x", o[3], o[2], o[1], o[0]);
  else
    std::snprintf(buf, sizeof buf, "%02x%02x%02x%02x", o[0], o[1], o[2], o[3]);
  return buf;
}

EmbedMatch find_v4(const std::string& name, const net::IpAddress& ip) {
  const auto& b = ip.bytes();
  const std::array<int, 4> o = {b[0], b[1], b[2], b[3]};
  const auto runs = digit_runs(name);

  bool reversed = false;
  const int seq = longest_octet_sequence(runs, o, &reversed);
  if (seq == 4) return {Embedding::Full, reversed ? "reversed" : "dotted/dashed"};

  // Run together in one number: "089144192089" (zero-padded) or "8510023760" (plain).
  for (const auto& run : runs) {
    if (run.size() < 7) continue;
    for (bool rev : {false, true}) {
      if (run.find(concat(o, true, rev)) != std::string::npos) return {Embedding::Full, "run-together, zero-padded"};
      if (run.find(concat(o, false, rev)) != std::string::npos) return {Embedding::Full, "run-together"};
    }
    const std::array<int, 4> r = {o[3], o[2], o[1], o[0]};
    if (run.size() <= 12 && (splits_into_octets(run, o) || splits_into_octets(run, r)))
      return {Embedding::Full, "run-together, mixed padding"};
  }
  if (seq < 4 && in_two_pairs(runs, o)) return {Embedding::Full, "in two halves"};
  // Hexadecimal: "0541c831", "ip5f5ae8a6", "0xd5aaf40b".
  for (bool rev : {false, true})
    if (name.find(hex8(o, rev)) != std::string::npos) return {Embedding::Full, rev ? "hex, reversed" : "hex"};

  if (seq == 3) return {Embedding::Partial, reversed ? "three octets, reversed" : "three octets"};
  return {};
}

EmbedMatch find_v6(const std::string& name, const net::IpAddress& ip) {
  const auto& b = ip.bytes();
  // Groups as written without leading zeros ("2001-1c00-570d-ee00-d118-..."): count how many of
  // the eight groups appear in order among the name's hex runs.
  std::array<std::string, 8> groups;
  for (int g = 0; g < 8; ++g) {
    char buf[5];
    std::snprintf(buf, sizeof buf, "%x", (b[2 * g] << 8) | b[2 * g + 1]);
    groups[g] = buf;
  }
  auto runs = runs_of(name, [](unsigned char c) { return util::ascii_xdigit(static_cast<char>(c)); });
  for (auto& run : runs) run.erase(0, std::min(run.find_first_not_of('0'), run.size() - 1));  // "0db8" spells "db8"
  int matched = 0;
  for (std::size_t r = 0, g = 0; r < runs.size() && g < 8; ++r)
    if (runs[r] == groups[g]) ++matched, ++g;
  if (matched >= 6) return {Embedding::Full, "IPv6 groups"};
  // 32 nibbles, forward ("20010db8...") or reversed as in ip6.arpa ("1.0.0.0...").
  std::string nibbles, reversed;
  for (int i = 0; i < 16; ++i) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02x", b[i]);
    nibbles += buf;
  }
  std::string compact;
  for (char c : name)
    if (util::ascii_xdigit(c)) compact += c;
  reversed.assign(nibbles.rbegin(), nibbles.rend());
  if (compact.find(nibbles) != std::string::npos) return {Embedding::Full, "IPv6 nibbles"};
  if (compact.find(reversed) != std::string::npos) return {Embedding::Full, "IPv6 nibbles, reversed"};
  // The interface half (last 64 bits) alone still names one host of a pool.
  if (compact.find(nibbles.substr(16)) != std::string::npos || matched >= 4) return {Embedding::Partial, "IPv6, half"};
  return {};
}

}  // namespace

EmbedMatch find_ip_in_name(std::string_view name_in, const net::IpAddress& ip) {
  const std::string name = lower(name_in);
  if (name.empty() || name.size() > 253) return {};
  return ip.is_v4() ? find_v4(name, ip) : find_v6(name, ip);
}

}  // namespace dyn::rdns
