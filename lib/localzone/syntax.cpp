#include "localzone/syntax.hpp"

namespace dyn::localzone {

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

int hex(char c) {
  if (digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A decimal number up to `max`, consumed from `t`.
std::optional<std::uint32_t> number(std::string_view& t, std::uint32_t max) {
  if (t.empty() || !digit(t[0])) return std::nullopt;
  std::uint64_t v = 0;
  std::size_t i = 0;
  while (i < t.size() && digit(t[i])) {
    v = v * 10 + static_cast<std::uint64_t>(t[i] - '0');
    if (v > max) return std::nullopt;
    ++i;
  }
  t.remove_prefix(i);
  return static_cast<std::uint32_t>(v);
}

// 1 to 4 dotted octets, left-aligned ("10.1" -> 10.1.0.0, 16 bits).
struct Octets {
  std::uint32_t value = 0;
  int bits = 0;
};
std::optional<Octets> octets(std::string_view& t) {
  Octets o;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const auto n = number(t, 255);
    if (!n) return std::nullopt;
    o.value |= *n << shift;
    o.bits += 8;
    if (shift == 0 || t.size() < 2 || t[0] != '.' || !digit(t[1])) break;
    t.remove_prefix(1);
  }
  return o;
}

std::uint32_t mask(int bits) { return bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits); }

// What may follow an address on a line: nothing, a blank, a comment or a value's colon.
bool ends_entry(std::string_view t) { return t.empty() || is_blank(t[0]) || is_comment(t[0]) || t[0] == ':'; }

std::optional<Ip4Range> cidr_from(Octets o, std::string_view& t) {
  Ip4Range r;
  r.bits = o.bits;
  if (!t.empty() && t[0] == '/') {
    t.remove_prefix(1);
    const auto n = number(t, 32);
    if (!n) return std::nullopt;
    r.bits = static_cast<int>(*n);
  } else if (o.bits == 8) {
    return std::nullopt;  // a bare number: write 10/8
  }
  r.host_bits = (o.value & ~mask(r.bits)) != 0;
  r.first = o.value & mask(r.bits);
  r.last = r.first | ~mask(r.bits);
  return r;
}

}  // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::optional<Ip4Range> parse_ip4_range(std::string_view& text) {
  std::string_view t = text;
  const auto a = octets(t);
  if (!a) return std::nullopt;
  std::optional<Ip4Range> r;
  if (!t.empty() && t[0] == '-') {
    t.remove_prefix(1);
    auto b = octets(t);
    if (!b) return std::nullopt;
    if (b->bits == 8 && a->bits > 8) {  // 127.0.0.1-255: the last octet given replaces the first's
      b->value = (a->value & mask(a->bits - 8)) | (b->value >> (a->bits - 8));
      b->bits = a->bits;
    } else if (b->bits != a->bits) {
      return std::nullopt;  // 1.2-1.2.3.4
    }
    Ip4Range x;
    x.first = a->value;
    x.last = b->value | ~mask(b->bits);
    if (x.first > x.last) return std::nullopt;
    r = x;
  } else {
    r = cidr_from(*a, t);
  }
  if (!r || !ends_entry(t)) return std::nullopt;
  text = t;
  return r;
}

std::optional<Ip4Range> parse_ip4_cidr(std::string_view& text) {
  std::string_view t = text;
  const auto a = octets(t);
  if (!a) return std::nullopt;
  auto r = cidr_from(*a, t);
  if (!r || !ends_entry(t)) return std::nullopt;
  text = t;
  return r;
}

std::optional<std::uint32_t> parse_ip4_address(std::string_view& text) {
  std::string_view t = text;
  const auto a = octets(t);
  if (!a || a->bits != 32 || !ends_entry(t)) return std::nullopt;
  text = t;
  return a->value;
}

std::optional<Ip6Prefix> parse_ip6_prefix(std::string_view& text, bool allow_length) {
  std::string_view t = text;
  std::uint16_t head[8], tail[8];
  int nhead = 0, ntail = 0;
  bool compressed = false;
  if (t.size() >= 2 && t[0] == ':' && t[1] == ':') {
    compressed = true;
    t.remove_prefix(2);
  }
  for (;;) {
    std::uint32_t v = 0;
    std::size_t i = 0;
    while (i < t.size() && i < 5 && hex(t[i]) >= 0) v = v << 4 | static_cast<std::uint32_t>(hex(t[i++]));
    if (i == 0) {
      if (compressed && ntail == 0) break;  // nothing after "::" ("::", "2001:db8::")
      return std::nullopt;
    }
    if (i > 4) return std::nullopt;
    t.remove_prefix(i);
    if (nhead + ntail >= 8) return std::nullopt;
    (compressed ? tail[ntail++] : head[nhead++]) = static_cast<std::uint16_t>(v);
    if (t.size() >= 2 && t[0] == ':' && t[1] == ':') {
      if (compressed) return std::nullopt;  // a second "::"
      compressed = true;
      t.remove_prefix(2);
      continue;
    }
    if (!t.empty() && t[0] == ':' && t.size() >= 2 && hex(t[1]) >= 0) {
      t.remove_prefix(1);
      continue;
    }
    break;
  }
  Ip6Prefix p;
  for (int i = 0; i < nhead; ++i) {
    p.bytes[2 * i] = static_cast<std::uint8_t>(head[i] >> 8);
    p.bytes[2 * i + 1] = static_cast<std::uint8_t>(head[i]);
  }
  for (int i = 0; i < ntail; ++i) {
    const int at = 8 - ntail + i;
    p.bytes[2 * at] = static_cast<std::uint8_t>(tail[i] >> 8);
    p.bytes[2 * at + 1] = static_cast<std::uint8_t>(tail[i]);
  }
  if (compressed && nhead + ntail > 7) return std::nullopt;
  p.bits = compressed ? 128 : 16 * nhead;
  if (!t.empty() && t[0] == '/') {
    if (!allow_length) return std::nullopt;
    t.remove_prefix(1);
    const auto n = number(t, 128);
    if (!n) return std::nullopt;
    p.bits = static_cast<int>(*n);
  } else if (!compressed && nhead == 1) {
    return std::nullopt;  // a bare number
  }
  for (int bit = p.bits; bit < 128; ++bit)
    if (p.bytes[bit / 8] & (0x80 >> (bit % 8))) {
      p.host_bits = true;
      p.bytes[bit / 8] = static_cast<std::uint8_t>(p.bytes[bit / 8] & ~(0x80 >> (bit % 8)));
    }
  if (!ends_entry(t)) return std::nullopt;
  text = t;
  return p;
}

std::optional<Value> parse_value(std::string_view text, const Value& fallback, std::string* why) {
  std::string_view t = text;
  while (!t.empty() && is_blank(t[0])) t.remove_prefix(1);
  Value v = fallback;
  if (t.empty() || is_comment(t[0])) return v;  // "127/8 ; loopback": the scope's value
  if (t[0] == ':') {
    t.remove_prefix(1);
    const auto o = octets(t);
    std::uint32_t a = 0;
    if (o) switch (o->bits) {               // inet_aton's reading; a bare N is 127.0.0.N
        case 8: a = o->value >> 24; break;  // 127.0.0. is added below, once 0 is ruled out
        case 16: a = (o->value & 0xff000000) | ((o->value >> 16) & 0xff); break;
        case 24: a = (o->value & 0xffff0000) | ((o->value >> 8) & 0xff); break;
        default: a = o->value;
      }
    if (!o || a == 0) {
      if (why) *why = "invalid A value (want :N for 127.0.0.N, or :a.b.c.d)";
      return std::nullopt;
    }
    v.a = o->bits == 8 ? 0x7f000000 | a : a;
    while (!t.empty() && is_blank(t[0])) t.remove_prefix(1);
    if (t.empty()) return v;  // ":A": the scope's TXT
    if (t[0] != ':') {
      if (why) *why = "unrecognized value (want :A:TXT, :A or a TXT text)";
      return std::nullopt;
    }
    t.remove_prefix(1);
    while (!t.empty() && is_blank(t[0])) t.remove_prefix(1);
    v.has_txt = !t.empty();
    v.txt = std::string(t.substr(0, 255));
    return v;
  }
  v.has_txt = true;
  v.txt = std::string(t.substr(0, 255));
  return v;
}

std::optional<std::time_t> parse_stamp(std::string_view text, bool* given) {
  *given = !(text == "0" || text == "-");
  if (!*given) return std::nullopt;
  std::string digits;
  for (char c : text) {
    if (digit(c))
      digits += c;
    else if (c != ':' && c != '-')
      return std::nullopt;
  }
  if (digits.size() < 8 || digits.size() > 14 || digits.size() % 2) return std::nullopt;
  auto field = [&](std::size_t at, std::size_t n) { return std::stoi(digits.substr(at, n)); };
  std::tm tm{};
  tm.tm_year = field(0, 4) - 1900;
  tm.tm_mon = field(4, 2) - 1;
  tm.tm_mday = field(6, 2);
  tm.tm_hour = digits.size() >= 10 ? field(8, 2) : 0;
  tm.tm_min = digits.size() >= 12 ? field(10, 2) : 0;
  tm.tm_sec = digits.size() >= 14 ? field(12, 2) : 0;
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 59)
    return std::nullopt;
  return ::timegm(&tm);
}

std::optional<std::uint32_t> parse_time(std::string_view text) {
  std::string_view t = text;
  const auto n = number(t, 0xffffffffu);
  if (!n) return std::nullopt;
  std::uint64_t unit = 1;
  if (!t.empty()) {
    switch (t[0] | 0x20) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      case 'w': unit = 604800; break;
      default: return std::nullopt;
    }
    t.remove_prefix(1);
  }
  if (!t.empty() || *n * unit > 0xffffffffu) return std::nullopt;
  return static_cast<std::uint32_t>(*n * unit);
}

}  // namespace dyn::localzone
