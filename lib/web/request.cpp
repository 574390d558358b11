#include "web/request.hpp"

#include "policy/policy.hpp"

#include <algorithm>

namespace dyn::web {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::optional<std::string> normalize_domain(std::string_view text, std::string* why) {
  auto fail = [&](const char* reason) -> std::optional<std::string> {
    if (why) *why = reason;
    return std::nullopt;
  };
  text = trim(text);
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  if (text.empty()) return fail("no domain given");
  if (text.size() > 253) return fail("a domain name is at most 253 characters");
  if (std::any_of(text.begin(), text.end(), [](unsigned char c) { return c >= 0x80; }))
    return fail("write an international domain in its ASCII form (xn--...), as DNS knows it");
  const std::string d = lower(text);
  if (d.find('.') == std::string::npos) return fail("a domain has at least two labels (example.org)");
  std::size_t start = 0;
  while (start <= d.size()) {
    auto dot = d.find('.', start);
    if (dot == std::string::npos) dot = d.size();
    const std::string_view label = std::string_view(d).substr(start, dot - start);
    if (label.empty() || label.size() > 63) return fail("each label of a domain is 1 to 63 characters");
    if (label.front() == '-' || label.back() == '-') return fail("a label does not start or end with '-'");
    if (!std::all_of(label.begin(), label.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'; }))
      return fail("a domain holds letters, digits, '-' and '.' only");
    start = dot + 1;
  }
  return d;
}

std::variant<Request, Refusal> route(std::string_view method, std::string_view path, const Params& param,
                                     std::string_view accept) {
  if (method != "GET" && method != "HEAD") return Refusal{405, "only GET is served here"};
  if (path.size() > kMaxPath) return Refusal{414, "that address is too long"};
  Request r;
  const auto format = param("format");
  r.json = accept.find("application/json") != std::string_view::npos || (format && *format == "json");
  auto get = [&](std::string_view name, std::string* out) -> std::optional<Refusal> {
    const auto v = param(name);
    if (!v) return std::nullopt;
    if (v->size() > kMaxParam) return Refusal{400, "the " + std::string(name) + " given is too long"};
    *out = std::string(trim(*v));
    return std::nullopt;
  };
  if (path == "/" || path.empty()) return r;
  if (path.starts_with("/why/")) {
    const auto ref = lower(path.substr(5));
    if (!policy::is_incident_id(ref))
      return Refusal{404, "no such reference: a reference is 10 letters and digits, as quoted in the reply"};
    r.page = Request::Page::Why;
    r.reference = ref;
    return r;
  }
  if (path == "/why") {
    std::string q;
    if (auto bad = get("q", &q)) return *bad;
    if (q.empty()) return Refusal{400, "give the reference from the reply, or your server's IP address"};
    if (policy::is_incident_id(lower(q))) {
      r.page = Request::Page::Why;
      r.reference = lower(q);
      return r;
    }
    r.client = net::IpAddress::parse(q);
    if (!r.client) return Refusal{400, "that is neither a reference (10 letters and digits) nor an IP address"};
    r.page = Request::Page::Lookup;
    return r;
  }
  if (path == "/check") {
    std::string domain, ip, again;
    for (auto [name, out] : {std::pair{"domain", &domain}, {"ip", &ip}, {"again", &again}})
      if (auto bad = get(name, out)) return *bad;
    std::string why;
    const auto d = normalize_domain(domain, &why);
    if (!d) return Refusal{400, why};
    r.domain = *d;
    if (!ip.empty()) {
      r.client = net::IpAddress::parse(ip);
      if (!r.client) return Refusal{400, "ip= is not an IP address"};
    }
    r.ip_given = param("ip").has_value();
    r.again = again == "1";
    r.page = Request::Page::Check;
    return r;
  }
  return Refusal{404, "no such page"};
}

}  // namespace dyn::web
