// ByteSize: an amount of data written by operators as "1G", "512M", "64K" or a bare number of bytes
// (powers of 1024).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dyn::util {

struct ByteSize {
  std::uint64_t value = 0;

  static std::optional<ByteSize> parse(std::string_view text);
  std::string to_string() const;  // the largest suffix that divides it exactly: "1G", "1536M", "100"
  bool operator==(const ByteSize&) const = default;
};

}  // namespace dyn::util
