#include "policy/smtp_reply.hpp"

#include <algorithm>

namespace dyn::policy {

namespace {
// RFC 5321 4.5.3.1.5: a reply line is at most 512 octets with CRLF; leave room for
// "550-5.7.1 " and the CRLF.
constexpr std::size_t kMaxReplyText = 500;

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
}  // namespace

std::optional<SmtpReply> SmtpReply::make(std::string code, std::string xcode, std::string text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<SmtpReply> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  if (code.size() != 3 || !all_digits(code) || (code[0] != '4' && code[0] != '5'))
    return fail("reply code '" + code + "' is not a 4xx or 5xx code");
  // Enhanced status: class.subject.detail, class 4 or 5 matching the reply code (RFC 3463).
  const auto d1 = xcode.find('.');
  const auto d2 = d1 == std::string::npos ? d1 : xcode.find('.', d1 + 1);
  if (d2 == std::string::npos || d1 != 1 || !all_digits(xcode.substr(0, 1)) ||
      !all_digits(xcode.substr(d1 + 1, d2 - d1 - 1)) || !all_digits(xcode.substr(d2 + 1)) || d2 - d1 - 1 > 3 ||
      xcode.size() - d2 - 1 > 3)
    return fail("enhanced status code '" + xcode + "' is not of the form N.NNN.NNN");
  if (xcode[0] != code[0]) return fail("enhanced status code " + xcode + " does not match reply code " + code);
  if (text.empty()) return fail("empty reply text");
  if (text.size() > kMaxReplyText) return fail("reply text longer than " + std::to_string(kMaxReplyText) + " characters");
  for (unsigned char c : text)
    if (c < 0x20 || c > 0x7e) return fail("reply text has a control or non-ASCII character");
  return SmtpReply{std::move(code), std::move(xcode), std::move(text)};
}

std::string escape_percent(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    out += c;
    if (c == '%') out += '%';
  }
  return out;
}

std::string sanitize_reply_text(std::string_view text, std::size_t max_length) {
  std::string out;
  out.reserve(std::min(text.size(), max_length));
  for (unsigned char c : text) {
    if (out.size() >= max_length) break;
    out += (c < 0x20 || c > 0x7e) ? '?' : static_cast<char>(c);
  }
  return out;
}

const std::vector<std::string>& ReplyTemplate::placeholders() {
  static const std::vector<std::string> names = {"ip", "hostname", "list", "reason", "score", "bypass", "id"};
  return names;
}

std::optional<ReplyTemplate> ReplyTemplate::parse(std::string_view text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<ReplyTemplate> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  if (text.empty()) return fail("empty reply template");
  for (unsigned char c : text)
    if (c < 0x20 || c > 0x7e) return fail("reply template has a control or non-ASCII character");
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') continue;
    const auto close = text.find('}', i);
    if (close == std::string_view::npos) return fail("unclosed '{' in reply template");
    const std::string name(text.substr(i + 1, close - i - 1));
    const auto& known = placeholders();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "{" : ", {") + k + "}";
      return fail("unknown placeholder {" + name + "} in reply template (known: " + list + ")");
    }
    i = close;
  }
  ReplyTemplate t;
  t.text_ = std::string(text);
  return t;
}

std::string ReplyTemplate::render(const std::map<std::string, std::string>& values) const {
  std::string out;
  for (std::size_t i = 0; i < text_.size(); ++i) {
    if (text_[i] != '{') {
      out += text_[i];
      continue;
    }
    const auto close = text_.find('}', i);
    const auto it = values.find(text_.substr(i + 1, close - i - 1));
    if (it != values.end()) out += sanitize_reply_text(it->second);
    i = close;
  }
  return out;
}

}  // namespace dyn::policy
