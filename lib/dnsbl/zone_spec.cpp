#include "dnsbl/zone_spec.hpp"
#include "util/ascii.hpp"

#include "dns/types.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

namespace dyn::dnsbl {

namespace {

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

bool parse_number(std::string_view s, int min, int max, int& out) {
  if (s.empty()) return false;
  const char* first = s.data();
  if (s.front() == '+') ++first;
  auto [p, ec] = std::from_chars(first, s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= min && out <= max;
}

// One octet of a filter: "10", "[10..11]", "[2;4..7;10]".
bool parse_octet(std::string_view s, std::bitset<256>& set) {
  if (s.empty()) return false;
  if (s.front() != '[') {
    int v;
    if (!parse_number(s, 0, 255, v)) return false;
    set.set(static_cast<std::size_t>(v));
    return true;
  }
  if (s.back() != ']' || s.size() < 3) return false;
  s = s.substr(1, s.size() - 2);
  while (!s.empty()) {
    const auto semi = s.find(';');
    const auto item = s.substr(0, semi);
    s = semi == std::string_view::npos ? std::string_view() : s.substr(semi + 1);
    if (semi != std::string_view::npos && s.empty()) return false;  // trailing ';'
    const auto dots = item.find("..");
    int lo, hi;
    if (dots == std::string_view::npos) {
      if (!parse_number(item, 0, 255, lo)) return false;
      hi = lo;
    } else if (!parse_number(item.substr(0, dots), 0, 255, lo) || !parse_number(item.substr(dots + 2), 0, 255, hi) ||
               lo > hi) {
      return false;
    }
    for (int v = lo; v <= hi; ++v) set.set(static_cast<std::size_t>(v));
  }
  return true;
}

// Longest zone that still leaves room for a 64-character IPv6 nibble label within 253 octets.
constexpr std::size_t kMaxZoneLength = 253 - 64;

bool valid_zone(const std::string& zone, std::string* error) {
  if (zone.empty()) return fail(error, "empty DNSBL zone name");
  if (zone.size() > kMaxZoneLength) return fail(error, "DNSBL zone name too long: '" + zone + "'");
  std::size_t label = 0;
  for (char c : zone) {
    if (c == '.') {
      if (label == 0) return fail(error, "empty label in DNSBL zone '" + zone + "'");
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return fail(error, "bad character '" + std::string(1, c) + "' in DNSBL zone '" + zone + "'");
    if (++label > 63) return fail(error, "label longer than 63 characters in DNSBL zone '" + zone + "'");
  }
  if (zone.find('.') == std::string::npos) return fail(error, "DNSBL zone '" + zone + "' has no dot");
  return true;
}

}  // namespace

std::optional<ReplyFilter> ReplyFilter::parse(std::string_view text, std::string* error) {
  ReplyFilter f;
  f.text_ = std::string(text);
  std::vector<std::string_view> parts;
  std::size_t start = 0, depth = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] == '[') ++depth;
    if (i < text.size() && text[i] == ']' && depth) --depth;
    if (i == text.size() || (text[i] == '.' && depth == 0)) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() != 4) {
    fail(error, "reply filter '" + f.text_ + "' must have four octets");
    return std::nullopt;
  }
  for (std::size_t i = 0; i < 4; ++i) {
    if (!parse_octet(parts[i], f.octets_[i])) {
      fail(error, "bad octet '" + std::string(parts[i]) + "' in reply filter '" + f.text_ + "'");
      return std::nullopt;
    }
  }
  return f;
}

bool ReplyFilter::matches(const net::IpAddress& code) const {
  if (!code.is_v4()) return false;
  const auto& b = code.bytes();
  for (std::size_t i = 0; i < 4; ++i)
    if (!octets_[i].test(b[i])) return false;
  return true;
}

std::optional<ZoneSpec> ZoneSpec::parse(std::string_view text, std::string* error) {
  ZoneSpec spec;
  std::string_view rest = text;
  const auto star = rest.rfind('*');
  if (star != std::string_view::npos) {
    if (!parse_number(rest.substr(star + 1), -1000, 1000, spec.weight)) {
      fail(error, "bad weight '" + std::string(rest.substr(star + 1)) + "' in '" + safe_spec(text) +
                      "' (want an integer from -1000 to 1000)");
      return std::nullopt;
    }
    rest = rest.substr(0, star);
  }
  const auto eq = rest.find('=');
  spec.zone = dns::canonical_name(rest.substr(0, eq));
  if (!valid_zone(spec.zone, error)) {
    if (error && safe_zone(spec.zone) != spec.zone)  // never echo an access key
      *error = "bad DNSBL zone '" + safe_zone(spec.zone) + "' (after its access key)";
    return std::nullopt;
  }
  if (eq != std::string_view::npos) {
    spec.filter = ReplyFilter::parse(rest.substr(eq + 1), error);
    if (!spec.filter) return std::nullopt;
  }
  return spec;
}

namespace {

// Services that put the customer's key as the first label of every zone (Spamhaus DQS).
constexpr std::string_view kKeyedSuffixes[] = {".dq.spamhaus.net", ".dq.spamhaus.com"};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string safe_zone(std::string_view zone) {
  const auto dot = zone.find('.');
  if (dot == std::string_view::npos) return std::string(zone);
  const std::string_view first = zone.substr(0, dot), rest = zone.substr(dot);
  for (auto suffix : kKeyedSuffixes)
    if (ends_with(rest, suffix)) return std::string(rest.substr(1));
  bool digit = false, alpha = false, other = false;
  for (char c : first) {
    const char l = util::ascii_lower(c);
    digit = digit || (l >= '0' && l <= '9');
    alpha = alpha || (l >= 'a' && l <= 'z');
    other = other || !((l >= '0' && l <= '9') || (l >= 'a' && l <= 'z'));
  }
  // Elsewhere a key is 12 or more letters and digits mixed, no hyphen; list names are words.
  if (first.size() >= 12 && digit && alpha && !other && rest.find('.', 1) != std::string_view::npos)
    return std::string(rest.substr(1));
  return std::string(zone);
}

std::string ZoneSpec::safe_name() const { return display.empty() ? safe_zone(zone) : display; }

std::string safe_spec(std::string_view text) {
  const auto end = std::min(text.find('='), text.find('*'));
  if (end == std::string_view::npos) return safe_zone(text);
  return safe_zone(text.substr(0, end)) + std::string(text.substr(end));
}

std::string ZoneSpec::to_string() const {
  std::string out = zone;
  if (filter) out += "=" + filter->text();
  if (weight != 1) out += "*" + std::to_string(weight);
  return out;
}

}  // namespace dyn::dnsbl
