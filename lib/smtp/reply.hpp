// SMTP replies the milter hands to the MTA: always valid whatever the operator's template or the
// client's data inserted into it (RFC 5321 4.2: code, enhanced status code, printable text).
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dyn::smtp {

struct SmtpReply {
  std::string code;   // "550"
  std::string xcode;  // "5.7.1" (RFC 3463); its class digit equals the code's first digit
  std::string text;   // printable ASCII lines of bounded length, separated by '\n' (a multi-line reply)

  // Validates; nullopt with *error on a mismatch or bad text.
  static std::optional<SmtpReply> make(std::string code, std::string xcode, std::string text, std::string* error);
  std::vector<std::string> lines() const;  // text split at '\n'
  bool multiline() const { return text.find('\n') != std::string::npos; }
};

// The maximum number of lines of a reply (libmilter's smfi_setmlreply takes at most 32).
inline constexpr std::size_t kMaxReplyLines = 32;

// How long each placeholder value may be in a reply, tried in order until the reply fits; the
// last one is what the template must fit with (checked when the configuration is loaded).
inline constexpr std::size_t kReplyValueLimits[] = {200, 64, 24};
// {url} (the refused sender's page, --why-url) is never cut: a link cut short leads nowhere. It
// is at most this long, checked when the configuration is loaded.
inline constexpr std::size_t kMaxUrlLength = 160;

// A reply code with its enhanced status code, as an operator writes it: "550 5.7.1".
struct ReplyCode {
  std::string code;   // 4xx or 5xx
  std::string xcode;  // same class as code
  static std::optional<ReplyCode> parse(std::string_view text, std::string* error);
  std::string to_string() const { return code + " " + xcode; }
  bool operator==(const ReplyCode&) const = default;
};

// Escapes '%' as "%%": smfi_setreply formats its text with '%' as a special character.
std::string escape_percent(std::string_view text);

// Makes untrusted text (a host name the client chose, a list's words) safe inside a reply line:
// control characters, CR/LF and non-ASCII bytes become '?', and the result is bounded.
std::string sanitize_reply_text(std::string_view text, std::size_t max_length = 200);
// prefix + sanitize_reply_text(text, max_length) + suffix, built in one allocation.
std::string sanitized_within(std::string_view prefix, std::string_view text, std::size_t max_length,
                             std::string_view suffix = {});

// One placeholder's value for ReplyTemplate::render.
struct ReplyValue {
  std::string_view name;
  std::string_view value;
};

// A reply text with {placeholders}; the two characters \n start a new line of a multi-line reply.
// Conditional segments: {?NAME:text} is shown only when NAME's value is not empty, {!NAME:text}
// only when it is (the text may hold placeholders, not another conditional), so one template
// serves list and reverse-DNS refusals: "{?list:listed in {list}: {txt}}". Names, and that every
// segment is closed, are checked when the template is parsed, so an operator's typo is an error
// at load time, never a broken reply at run time.
class ReplyTemplate {
 public:
  static const std::vector<std::string>& placeholders();  // ip, hostname, list, ..., url
  static std::optional<ReplyTemplate> parse(std::string_view text, std::string* error);

  // Fills placeholders with sanitised values, each cut to `max_value` characters (ending in
  // "..." when cut); unknown keys in `values` are ignored.
  std::string render(std::span<const ReplyValue> values, std::size_t max_value = 200) const;
  std::string render(const std::map<std::string, std::string>& values, std::size_t max_value = 200) const;
  // The reply line limits hold even with every placeholder `max_value` characters long.
  bool fits(std::size_t max_value, std::string* error) const;
  const std::string& text() const { return text_; }
  bool uses(std::string_view name) const;  // {name}, {?name:...} or {!name:...} appears
  bool operator==(const ReplyTemplate& o) const { return text_ == o.text_; }

 private:
  std::string text_;
};

}  // namespace dyn::smtp
