#include "util/json.hpp"

#include <fmt/format.h>

namespace dyn::util {

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const unsigned char ch : s) {
    if (ch == '"' || ch == '\\')
      out += {'\\', static_cast<char>(ch)};
    else if (ch < 0x20 || ch >= 0x7f)
      out += fmt::format("\\u{:04x}", ch);
    else
      out += static_cast<char>(ch);
  }
  return out + "\"";
}

std::string json_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + json_string(items[i]);
  return out + "]";
}

}  // namespace dyn::util
