// The operator's list files (--allow-file, --bypass-file) and the checks of their entries.
// Errors name file:line (config::Error).
#pragma once

#include "config/config.hpp"
#include "options/value_checks.hpp"

#include <functional>
#include <string>

namespace dyn::config {

// Where an option's value was read: "file:line", or "" for the command line and defaults.
using WhereRead = std::function<std::string(const std::string& option, const std::string& value)>;

// --allow-network, --allow-hostname and the lines of --allow-file into c.allowlist.
void load_allowlist(Config& c, const WhereRead& where, const FileTexts* texts = nullptr);
// --bypass-recipient and the lines of --bypass-file into c.bypass (lower case).
void load_bypass(Config& c, const WhereRead& where, const FileTexts* texts = nullptr);
// The lines of each --domain-policy file into c.domain_policies (errors name file:line).
void load_domain_policies(Config& c, const WhereRead& where, const FileTexts* texts = nullptr);
// user@domain or @domain; `where` is a message prefix ("file:line: " or "").
void check_bypass_address(const std::string& b, const std::string& where);

std::string trim(const std::string& s);  // without leading and trailing blanks
// A NUL or another control character (a tab excepted): never meant in a file line, and it would
// cut the error message short wherever it is shown (found by fuzzing).
bool has_control_character(const std::string& line);

}  // namespace dyn::config
