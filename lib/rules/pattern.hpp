// Pattern: one compiled regular expression. The only interface to PCRE2 (pattern.cpp), so the
// engine can change behind it. Compiled with JIT where available; every match runs under a
// match limit, so a catastrophic pattern fails one match (reported as an error) instead of hanging.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dyn::rules {

struct PatternOptions {
  bool caseless = true;  // host names are case-insensitive (Postfix pcre_table's default too)
  bool multiline = false, dotall = false, extended = false, anchored = false, dollar_endonly = false, ungreedy = false;
};

enum class MatchResult { Match, NoMatch, Error };

class Pattern {
 public:
  static std::optional<Pattern> compile(std::string_view regex, const PatternOptions& options, std::string* error);
  MatchResult match(std::string_view subject) const;
  const std::string& source() const { return source_; }

 private:
  struct Code;
  std::shared_ptr<const Code> code_;  // immutable; shared by copies and by every thread
  std::string source_;
};

}  // namespace dyn::rules
