// JSON output for the tools' --json: strings quoted and escaped. Log and DNS text is not always
// UTF-8, so every byte outside printable ASCII is escaped (as if it were Latin-1): the document
// is always valid JSON.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dyn::util {

std::string json_string(std::string_view s);
std::string json_list(const std::vector<std::string>& items);

}  // namespace dyn::util
