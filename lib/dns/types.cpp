#include "dns/types.hpp"
#include "util/ascii.hpp"

#include <algorithm>
#include <cctype>

namespace dyn::dns {

std::string_view to_string(RrType type) {
  switch (type) {
    case RrType::A: return "A";
    case RrType::NS: return "NS";
    case RrType::CNAME: return "CNAME";
    case RrType::SOA: return "SOA";
    case RrType::PTR: return "PTR";
    case RrType::MX: return "MX";
    case RrType::TXT: return "TXT";
    case RrType::AAAA: return "AAAA";
  }
  return "?";
}

std::string_view to_string(Status status) {
  switch (status) {
    case Status::Ok: return "ok";
    case Status::NoData: return "nodata";
    case Status::NxDomain: return "nxdomain";
    case Status::ServFail: return "servfail";
    case Status::Refused: return "refused";
    case Status::Timeout: return "timeout";
    case Status::Malformed: return "malformed";
    case Status::NetworkError: return "network-error";
  }
  return "?";
}

bool at_or_under(std::string_view name, std::string_view zone) {
  return name == zone || (name.size() > zone.size() && name.substr(name.size() - zone.size()) == zone &&
                          name[name.size() - zone.size() - 1] == '.');
}

bool is_canonical(std::string_view name) {
  if (!name.empty() && name.back() == '.') return false;
  return std::none_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

std::string canonical_name(std::string_view name) {
  std::string out(name);
  while (!out.empty() && out.back() == '.') out.pop_back();
  util::ascii_lower_in_place(out);
  return out;
}

}  // namespace dyn::dns
