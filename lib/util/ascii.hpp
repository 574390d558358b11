#pragma once
// ASCII case folding, as DNS names (RFC 4343) and SMTP addresses compare: only A-Z fold. Unlike
// std::tolower it does not depend on the C locale, and it inlines (no call per character).
#include <string>

namespace dyn::util {

constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline void ascii_lower_in_place(std::string& s) {
  for (auto& c : s) c = ascii_lower(c);
}

}  // namespace dyn::util
