// ZoneSpec: one DNSBL as the operator names it, in Postfix postscreen_dnsbl_sites syntax:
//   zone[=filter][*weight]      e.g.  zen.spamhaus.org=127.0.0.[10..11]*3
// The filter restricts which reply codes count (each octet a number or [a;b..c]); the weight may
// be negative (an allowlist such as list.dnswl.org).
#pragma once

#include "net/ip_address.hpp"

#include <array>
#include <bitset>
#include <optional>
#include <string>
#include <string_view>

namespace dyn::dnsbl {

class ReplyFilter {
 public:
  static std::optional<ReplyFilter> parse(std::string_view text, std::string* error);
  bool matches(const net::IpAddress& code) const;
  const std::string& text() const { return text_; }
  bool operator==(const ReplyFilter& o) const { return text_ == o.text_; }

 private:
  std::array<std::bitset<256>, 4> octets_;
  std::string text_;
};

// A zone name as it may be shown: without an access key as its first label (any label before
// .dq.spamhaus.net/.com, or 12+ letters and digits mixed elsewhere). The rest is left as given.
std::string safe_zone(std::string_view zone);
// The same for a whole spec as written ("KEY.zen.dq.spamhaus.net=127.0.0.[10..11]*3").
std::string safe_spec(std::string_view text);

struct ZoneSpec {
  std::string zone;                   // canonical DNS name
  std::optional<ReplyFilter> filter;  // none: any code in 127.0.0.0/8 counts
  int weight = 1;
  // The public name an operator gave it (--dnsbl-name ZONE=NAME: "Spamhaus PBL"), shown instead
  // of the zone in replies, logs, metrics and dynmilter-check; empty: the zone, without a key.
  std::string display;

  static std::optional<ZoneSpec> parse(std::string_view text, std::string* error);
  std::string to_string() const;  // round-trips through parse (shows a key: for the config only)
  // The name shown in replies, logs, metrics and dynmilter-check: the display name, else
  // safe_zone(zone).
  std::string safe_name() const;
  bool operator==(const ZoneSpec&) const = default;
};

}  // namespace dyn::dnsbl
