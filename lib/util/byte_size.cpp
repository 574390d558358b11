#include "util/byte_size.hpp"

namespace dyn::util {

std::optional<ByteSize> ByteSize::parse(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t unit = 1;
  switch (text.back()) {
    case 'K':
    case 'k': unit = 1ull << 10; break;
    case 'M':
    case 'm': unit = 1ull << 20; break;
    case 'G':
    case 'g': unit = 1ull << 30; break;
    case 'T':
    case 't': unit = 1ull << 40; break;
    default: break;
  }
  if (unit != 1) text.remove_suffix(1);
  if (text.empty() || text.size() > 15) return std::nullopt;  // 15 digits: no overflow below
  std::uint64_t n = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (n > UINT64_MAX / unit) return std::nullopt;
  return ByteSize{n * unit};
}

std::string ByteSize::to_string() const {
  static constexpr struct {
    char suffix;
    std::uint64_t unit;
  } kUnits[] = {{'T', 1ull << 40}, {'G', 1ull << 30}, {'M', 1ull << 20}, {'K', 1ull << 10}};
  for (const auto& u : kUnits)
    if (value != 0 && value % u.unit == 0) return std::to_string(value / u.unit) + u.suffix;
  return std::to_string(value);
}

}  // namespace dyn::util
