// Duration: a time span written by operators as "5s", "250ms", "1.5s", "2m", "1h", "30d" or a bare number of seconds
// (at most a year).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace dyn::util {

struct Duration {
  std::chrono::milliseconds value{0};

  static std::optional<Duration> parse(std::string_view text);
  std::string to_string() const;
  bool operator==(const Duration&) const = default;
};

}  // namespace dyn::util
