#pragma once
// ASCII case folding, as DNS names (RFC 4343) and SMTP addresses compare: only A-Z fold, and
// ASCII character classes. Unlike std::tolower and std::isalnum they do not depend on the C
// locale, and they inline (no call per character).
#include <string>
#include <string_view>

namespace dyn::util {

constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr bool ascii_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool ascii_alnum(char c) { return ascii_digit(c) || ascii_alpha(c); }
constexpr bool ascii_xdigit(char c) { return ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

inline void ascii_lower_in_place(std::string& s) {
  for (auto& c : s) c = ascii_lower(c);
}

inline std::string ascii_lowered(std::string_view s) {
  std::string out(s);
  ascii_lower_in_place(out);
  return out;
}

}  // namespace dyn::util
