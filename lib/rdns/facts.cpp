#include "rdns/facts.hpp"

#include <algorithm>
#include <cctype>

namespace dyn::rdns {

std::string_view to_string(RdnsStatus status) {
  switch (status) {
    case RdnsStatus::Unknown: return "unknown";
    case RdnsStatus::Ok: return "ok";
    case RdnsStatus::Forged: return "forged";
    case RdnsStatus::NoPtr: return "no-ptr";
    case RdnsStatus::TempFail: return "tempfail";
  }
  return "?";
}

namespace {
bool known_name(const std::optional<std::string>& v) {
  return v && !v->empty() && *v != "unknown" && v->front() != '[';
}
std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

RdnsFacts from_macros(const RdnsMacros& m) {
  // Sendmail: the resolve status says it all.
  if (m.client_resolve) {
    const std::string r = upper(*m.client_resolve);
    if (r == "OK") return {RdnsStatus::Ok, known_name(m.client_name) ? *m.client_name : m.connect_hostname};
    if (r == "FORGED")
      return {RdnsStatus::Forged,
              known_name(m.client_ptr) ? *m.client_ptr : (known_name(m.client_name) ? *m.client_name : "")};
    if (r == "FAIL") return {RdnsStatus::NoPtr, ""};
    if (r == "TEMP") return {RdnsStatus::TempFail, ""};
  }
  // Postfix: a verified name, else an unverified PTR name, else none. Postfix cannot tell us
  // here whether "unknown" was a temporary failure: it says so with the "[TEMPUNAVAIL]"-style
  // hostname it passes at CONNECT only for XCLIENT; otherwise we must not count it.
  if (m.client_name) {
    if (known_name(m.client_name)) return {RdnsStatus::Ok, *m.client_name};
    if (known_name(m.client_ptr)) return {RdnsStatus::Forged, *m.client_ptr};
    if (m.client_ptr && *m.client_ptr == "unknown") return {RdnsStatus::NoPtr, ""};
    return {RdnsStatus::Unknown, ""};
  }
  return {RdnsStatus::Unknown, ""};
}

bool holds_address(const dns::Answer& answer, const net::IpAddress& ip) {
  for (const auto& r : answer.records)
    if (const auto addr = net::IpAddress::parse(r.value); addr && *addr == ip) return true;
  return false;
}

RdnsFacts confirm(const dns::Answer& ptr, const std::vector<dns::Answer>& forward, const net::IpAddress& ip) {
  if (ptr.status == dns::Status::NxDomain || ptr.status == dns::Status::NoData) return {RdnsStatus::NoPtr, ""};
  if (ptr.status != dns::Status::Ok || ptr.records.empty()) return {RdnsStatus::Unknown, ""};
  const std::string& name = ptr.records.front().value;
  bool failed = forward.empty();
  for (const auto& a : forward) {
    if (a.status == dns::Status::Ok) {
      if (holds_address(a, ip)) return {RdnsStatus::Ok, name};
    } else if (a.status != dns::Status::NxDomain && a.status != dns::Status::NoData) {
      failed = true;
    }
  }
  return failed ? RdnsFacts{RdnsStatus::Unknown, ""} : RdnsFacts{RdnsStatus::Forged, name};
}

}  // namespace dyn::rdns
