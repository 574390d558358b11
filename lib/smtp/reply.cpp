#include "smtp/reply.hpp"

#include <algorithm>

namespace dyn::smtp {

namespace {
// RFC 5321 4.5.3.1.5: a reply line is at most 512 octets with CRLF; leave room for
// "550-5.7.1 " and the CRLF.
constexpr std::size_t kMaxReplyText = 500;

// Appends at most `max_length` characters of `text`, each control, CR/LF or non-ASCII byte as '?'
// (copied whole, then mended in place: one append instead of one per character).
void append_sanitized(std::string& out, std::string_view text, std::size_t max_length) {
  const std::size_t at = out.size();
  out.append(text.substr(0, max_length));
  for (auto it = out.begin() + static_cast<std::ptrdiff_t>(at); it != out.end(); ++it)
    if (const auto c = static_cast<unsigned char>(*it); c < 0x20 || c > 0x7e) *it = '?';
}

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
  SmtpReply reply{std::move(code), std::move(xcode), std::move(text)};
  const std::string_view text_view = reply.text;
  if (std::count(text_view.begin(), text_view.end(), '\n') + 1 > static_cast<std::ptrdiff_t>(kMaxReplyLines))
    return fail("reply text has more than " + std::to_string(kMaxReplyLines) + " lines");
  // Every character at once (no early exit, so the compiler can do it many bytes at a time).
  bool unprintable = false;
  for (const unsigned char c : text_view) unprintable |= c != '\n' && (c < 0x20 || c > 0x7e);
  if (unprintable) return fail("reply text has a control or non-ASCII character");
  for (std::string_view rest = text_view;;) {
    const auto nl = rest.find('\n');
    const auto line = rest.substr(0, nl);
    if (line.empty()) return fail("empty reply text or an empty line in it");
    if (line.size() > kMaxReplyText)
      return fail("reply line longer than " + std::to_string(kMaxReplyText) + " characters");
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  return reply;
}

std::vector<std::string> SmtpReply::lines() const {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (auto nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start)) {
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  out.push_back(text.substr(start));
  return out;
}

std::optional<ReplyCode> ReplyCode::parse(std::string_view text, std::string* error) {
  const auto space = text.find(' ');
  if (space == std::string_view::npos) {
    if (error) *error = "want a reply code and an enhanced status code, e.g. \"550 5.7.1\"";
    return std::nullopt;
  }
  std::string code(text.substr(0, space)), xcode(text.substr(space + 1));
  if (!SmtpReply::make(code, xcode, "x", error)) return std::nullopt;
  return ReplyCode{std::move(code), std::move(xcode)};
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
  return sanitized_within({}, text, max_length);
}

std::string sanitized_within(std::string_view prefix, std::string_view text, std::size_t max_length,
                             std::string_view suffix) {
  std::string out;
  out.reserve(prefix.size() + std::min(text.size(), max_length) + suffix.size());
  out.append(prefix);
  append_sanitized(out, text, max_length);
  out.append(suffix);
  return out;
}

const std::vector<std::string>& ReplyTemplate::placeholders() {
  static const std::vector<std::string> names = {"ip",     "hostname", "list", "reason", "score",
                                                 "bypass", "id",       "txt",  "url"};
  return names;
}

namespace {

// Where the '}' that closes the conditional opened at text[open] is: its body may hold plain
// {placeholders}, never another conditional. npos when it is not closed.
std::size_t conditional_end(std::string_view text, std::size_t open) {
  for (std::size_t i = open + 2; i < text.size(); ++i) {
    if (text[i] == '}') return i;
    if (text[i] == '{') {
      const auto close = text.find('}', i);
      if (close == std::string_view::npos) return close;
      i = close;
    }
  }
  return std::string_view::npos;
}

bool conditional_at(std::string_view text, std::size_t i) {
  return i + 1 < text.size() && text[i] == '{' && (text[i + 1] == '?' || text[i + 1] == '!');
}

// Renders `text` (the template or a conditional's body) into `out`.
void render_into(std::string& out, std::string_view text, std::span<const ReplyValue> values, std::size_t max_value) {
  auto value_of = [&](std::string_view name) -> const ReplyValue* {
    const auto it = std::find_if(values.begin(), values.end(), [&](const ReplyValue& v) { return v.name == name; });
    return it == values.end() ? nullptr : &*it;
  };
  std::size_t plain = 0;  // where the text not yet copied starts: copied a run at a time
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool newline = text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 'n';
    if (!newline && text[i] != '{') continue;
    out.append(text.substr(plain, i - plain));
    if (newline) {
      out += '\n';
      plain = ++i + 1;
      continue;
    }
    if (conditional_at(text, i)) {  // {?name:body} when the value is not empty, {!name:body} when it is
      const auto end = conditional_end(text, i), colon = text.find(':', i);
      if (end == std::string_view::npos || colon > end) break;  // parse() refused such a template
      const auto* v = value_of(text.substr(i + 2, colon - i - 2));
      const bool present = v && !v->value.empty();
      if (present == (text[i + 1] == '?')) render_into(out, text.substr(colon + 1, end - colon - 1), values, max_value);
      i = end;
      plain = end + 1;
      continue;
    }
    const auto close = text.find('}', i);  // parse() saw every '{' closed
    if (close == std::string_view::npos) break;
    if (const auto* v = value_of(text.substr(i + 1, close - i - 1))) {
      // A value cut short ends in "..." (when there is room for it).
      // A link is sent whole or not at all: one cut short leads nowhere.
      const bool whole = v->name == "url";
      const std::size_t limit = whole ? kMaxUrlLength : max_value;
      const std::size_t at = out.size();
      if (!whole || v->value.size() <= limit) append_sanitized(out, v->value, limit);
      if (!whole && v->value.size() > max_value && max_value > 3) out.replace(at + max_value - 3, 3, "...");
    }
    i = close;
    plain = close + 1;
  }
  out.append(text.substr(std::min(plain, text.size())));
}

}  // namespace

std::optional<ReplyTemplate> ReplyTemplate::parse(std::string_view text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<ReplyTemplate> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  if (text.empty()) return fail("empty reply template");
  for (unsigned char c : text)
    if (c < 0x20 || c > 0x7e) return fail("reply template has a control or non-ASCII character");
  std::size_t lines = 1;
  for (std::size_t i = 0; i + 1 < text.size(); ++i)
    if (text[i] == '\\' && text[i + 1] == 'n') {
      ++lines;
      if (i == 0 || i + 2 == text.size() || text.substr(i + 2, 2) == "\\n")
        return fail("a reply template line is empty (\\n at the start, the end or twice)");
    }
  if (lines > kMaxReplyLines) return fail("reply template has more than " + std::to_string(kMaxReplyLines) + " lines");
  const auto& known = placeholders();
  auto unknown = [&](std::string_view shown) -> std::optional<ReplyTemplate> {
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "{" : ", {") + k + "}";
    return fail("unknown placeholder " + std::string(shown) + " in reply template (known: " + list + ")");
  };
  auto is_known = [&](std::string_view name) { return std::find(known.begin(), known.end(), name) != known.end(); };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') continue;
    std::size_t close;
    if (conditional_at(text, i)) {
      close = conditional_end(text, i);
      const auto colon = text.find(':', i);
      if (close == std::string_view::npos || colon > close)
        return fail("unclosed conditional in reply template: " + std::string(text.substr(i, 20)) +
                    " (want {?NAME:text} or {!NAME:text}, closed by '}')");
      const auto name = text.substr(i + 2, colon - i - 2);
      if (!is_known(name)) return unknown(std::string(text.substr(i, colon - i + 1)) + "...}");
      const auto body = text.substr(colon + 1, close - colon - 1);
      for (std::size_t j = 0; j < body.size(); ++j)
        if (body[j] == '{') {
          if (conditional_at(body, j)) return fail("a conditional in reply template holds another one");
          const auto inner = body.find('}', j);
          if (!is_known(body.substr(j + 1, inner - j - 1))) return unknown(body.substr(j, inner - j + 1));
          j = inner;
        }
    } else {
      close = text.find('}', i);
      if (close == std::string_view::npos) return fail("unclosed '{' in reply template");
      if (!is_known(text.substr(i + 1, close - i - 1))) return unknown(text.substr(i, close - i + 1));
    }
    i = close;
  }
  ReplyTemplate t;
  t.text_ = std::string(text);
  return t;
}

bool ReplyTemplate::uses(std::string_view name) const {
  const std::string n(name);
  return text_.find("{" + n + "}") != std::string::npos || text_.find("{?" + n + ":") != std::string::npos ||
         text_.find("{!" + n + ":") != std::string::npos;
}

std::string ReplyTemplate::render(std::span<const ReplyValue> values, std::size_t max_value) const {
  std::string out;
  out.reserve(text_.size() + 128);
  render_into(out, text_, values, max_value);
  return out;
}

std::string ReplyTemplate::render(const std::map<std::string, std::string>& values, std::size_t max_value) const {
  std::vector<ReplyValue> flat;
  for (const auto& [name, value] : values) flat.push_back({name, value});
  return render(flat, max_value);
}

bool ReplyTemplate::fits(std::size_t max_value, std::string* error) const {
  std::map<std::string, std::string> longest;
  for (const auto& name : placeholders()) longest[name] = std::string(max_value, 'x');
  longest["url"] = std::string(kMaxUrlLength, 'x');  // never cut (render)
  return SmtpReply::make("550", "5.7.1", render(longest, max_value), error).has_value();
}

}  // namespace dyn::smtp
