#include "util/duration.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

namespace dyn::util {

std::optional<Duration> Duration::parse(std::string_view text) {
  std::string s(text);
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double number = std::strtod(s.c_str(), &end);
  const std::string unit(end);
  if (end == s.c_str() || !std::isfinite(number) || number < 0) return std::nullopt;
  double ms = 0;
  if (unit.empty() || unit == "s")
    ms = number * 1000;
  else if (unit == "ms")
    ms = number;
  else if (unit == "m")
    ms = number * 60000;
  else if (unit == "h")
    ms = number * 3600000;
  else if (unit == "d")
    ms = number * 86400000;
  else
    return std::nullopt;
  // A year bounds what an operator means (how long a store keeps a refusal); each timeout has
  // its own, much shorter bound where its option is checked.
  if (ms > 366 * 86400.0 * 1000) return std::nullopt;
  return Duration{std::chrono::milliseconds(static_cast<long long>(std::llround(ms)))};
}

std::string Duration::to_string() const {
  const auto ms = value.count();
  if (ms != 0 && ms % 86'400'000 == 0) return std::to_string(ms / 86'400'000) + "d";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace dyn::util
