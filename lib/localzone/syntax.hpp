// The pieces of rbldnsd's data-file syntax (rbldnsd(8), "DATASET TYPES AND FORMATS"), as pure
// functions over one line's text. Behaviour where the manual is silent was taken from rbldnsd
// 1.0~20210120 (Debian 12) answering the same lines; test/integration/localzone_diff.sh keeps
// checking it.
#pragma once

#include <array>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace dyn::localzone {

// An inclusive IPv4 range, as ip4set accepts it: 127.0.0.0/24, 127.0.0, 127/24, 127-127.0.0,
// 127.0.0.0-127.0.0.255, 127.0.0.1-255. `rest` is what follows the range on the line.
struct Ip4Range {
  std::uint32_t first = 0, last = 0;
  int bits = 32;           // the CIDR or prefix length; 32 for an a-b range
  bool host_bits = false;  // a CIDR whose address has bits set past its length (rbldnsd masks them off)
};
std::optional<Ip4Range> parse_ip4_range(std::string_view& text);
// ip4trie: a CIDR or a prefix of 2-4 octets (no a-b ranges).
std::optional<Ip4Range> parse_ip4_cidr(std::string_view& text);
// ip4tset: a whole address of four octets.
std::optional<std::uint32_t> parse_ip4_address(std::string_view& text);

// IPv6 with "::" compression, as 16-bit groups; a prefix of fewer groups means that many bits
// (2001:db8 is /32); `/N` (0-128) may follow.
struct Ip6Prefix {
  std::array<std::uint8_t, 16> bytes{};
  int bits = 128;
  bool host_bits = false;
};
std::optional<Ip6Prefix> parse_ip6_prefix(std::string_view& text, bool allow_length);

// A value: an A record and a TXT template, from ":A:TXT", ":A", ":A:" or "TXT" after an entry
// (or alone on a default line). A is 127.0.0.N for a bare N, else inet_aton's reading.
struct Value {
  std::uint32_t a = 0x7f000002;  // 127.0.0.2
  bool has_txt = false;
  std::string txt;  // the template, at most 255 bytes
  bool operator==(const Value&) const = default;
};
// The value after an entry; `fallback` is the scope's default. nullopt, with `why`, when invalid.
std::optional<Value> parse_value(std::string_view text, const Value& fallback, std::string* why);

// A $TIMESTAMP stamp: yyyy[:mm[:dd[:hh[:mi[:ss]]]]] in UTC, the delimiters (':' or '-') optional;
// 0 or '-' for "not given" (nullopt with *given = false).
std::optional<std::time_t> parse_stamp(std::string_view text, bool* given);

// A time in rbldnsd's units: a number with an optional s, m, h, d or w suffix.
std::optional<std::uint32_t> parse_time(std::string_view text);

// The blanks rbldnsd skips, and its comment starts.
inline bool is_blank(char c) { return c == ' ' || c == '\t'; }
inline bool is_comment(char c) { return c == '#' || c == ';'; }
std::string_view trim(std::string_view s);

}  // namespace dyn::localzone
