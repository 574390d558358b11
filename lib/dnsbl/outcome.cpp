#include "dnsbl/outcome.hpp"

namespace dyn::dnsbl {

std::string_view to_string(Listing listing) {
  switch (listing) {
    case Listing::Listed: return "listed";
    case Listing::NotListed: return "not-listed";
    case Listing::Unknown: return "unknown";
  }
  return "?";
}

namespace {

std::string error_code_meaning(std::uint8_t last) {
  switch (last) {
    case 252: return "the list name is wrong or the zone needs a key";
    case 254: return "the list refuses queries from public/open resolvers; use a local recursive resolver";
    case 255: return "the list says too many queries were sent";
    default: return "the list answered an error code";
  }
}

}  // namespace

Outcome interpret(const ZoneSpec& spec, const dns::Answer& answer) {
  Outcome out;
  switch (answer.status) {
    case dns::Status::NxDomain:
    case dns::Status::NoData: out.listing = Listing::NotListed; return out;
    case dns::Status::ServFail:
    case dns::Status::Refused:
    case dns::Status::Timeout:
    case dns::Status::Malformed:
    case dns::Status::NetworkError:
      out.listing = Listing::Unknown;
      out.transient = true;
      out.reason = std::string(dns::to_string(answer.status)) + (answer.detail.empty() ? "" : ": " + answer.detail);
      return out;
    case dns::Status::Ok: break;
  }

  bool any_match = false;
  for (const auto& record : answer.records) {
    auto code = net::IpAddress::parse(record.value);
    if (!code || !code->is_v4()) {
      out.listing = Listing::Unknown;
      out.reason = "unusable A record '" + record.value + "'";
      return out;
    }
    out.codes.push_back(*code);
    const auto& b = code->bytes();
    if (b[0] != 127) {
      out.listing = Listing::Unknown;
      out.reason = "answer " + code->to_string() + " is outside 127.0.0.0/8 (list broken or gone)";
      return out;
    }
    if (b[1] == 255 && b[2] == 255) {
      out.listing = Listing::Unknown;
      out.reason = "error code " + code->to_string() + ": " + error_code_meaning(b[3]);
      return out;
    }
    if (!spec.filter || spec.filter->matches(*code)) any_match = true;
  }
  if (any_match) {
    out.listing = Listing::Listed;
  } else {
    out.listing = Listing::NotListed;
    out.reason = "code outside filter " + (spec.filter ? spec.filter->text() : std::string());
  }
  return out;
}

}  // namespace dyn::dnsbl
