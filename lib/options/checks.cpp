// The checks after parsing (checks.hpp): consistency, local zones, list names, action keys.
#include "options/checks.hpp"

#include "dns/types.hpp"
#include "options/options.hpp"
#include "options/list_files.hpp"
#include "options/types.hpp"
#include "options/value_checks.hpp"
#include "policy/signal.hpp"
#include "smtp/reply.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace dyn::config {

void check_consistency(const Config& c, const Locations& where) {
  if (c.threshold <= 0)
    throw Error(fmt::format("{}threshold must be positive (got {})", where("threshold"), c.threshold));
  // The most a client can score: every positive list weight, plus the strongest reverse-DNS case
  // (a name with the address, a pool word and an ISP domain word; or no PTR at all).
  int lists = 0;
  for (const auto& z : c.dnsbls) lists += z.weight > 0 ? z.weight : 0;
  const policy::Weights weights(c.rdns_weights);
  const auto& w = weights.names();
  const auto pos = [](int x) { return x > 0 ? x : 0; };
  const int names = pos(weights.of("forged")) +
                    std::max({pos(w.ip_in_name), pos(w.ip_in_name_bare), pos(w.ip_in_name_partial)}) +
                    std::max(pos(w.dynamic_word), pos(w.generic_word)) + pos(w.device_id);
  int rules = 0;  // operator rules can add anything; count them as able to reach any threshold
  if (!c.rule_files.empty() || !c.pcre_tables.empty()) rules = c.threshold;
  const int rdns_max = std::max(pos(weights.of("no-ptr")), names) + rules;
  if (lists + rdns_max < c.threshold)
    throw Error(
        fmt::format("{}the positive --dnsbl weights ({}) and reverse-DNS weights (at most {}) can never reach "
                    "threshold {}",
                    where("threshold"), lists, rdns_max, c.threshold));
  if (c.dns_timeout.value.count() <= 0)
    throw Error(fmt::format("{}dns-timeout must be more than zero", where("dns-timeout")));
  // The MTA stops waiting for a milter long before: Postfix after milter_command_timeout (30s),
  // Sendmail after its filter's R: timeout (10s by default).
  if (c.dns_timeout.value > kMaxDnsTimeout)
    throw Error(
        fmt::format("{}dns-timeout {} is longer than {}: the MTA would give up on the milter first "
                    "(Postfix milter_command_timeout is 30s, Sendmail's default R: is 10s)",
                    where("dns-timeout"), c.dns_timeout.to_string(), util::Duration{kMaxDnsTimeout}.to_string()));
  if (c.dnsbl_timeout.value > c.dns_timeout.value)
    throw Error(fmt::format("{}dnsbl-timeout {} is longer than dns-timeout {}, which bounds every lookup",
                            where("dnsbl-timeout"), c.dnsbl_timeout.to_string(), c.dns_timeout.to_string()));
  if (c.dnsbl_probe_interval.value.count() != 0 && c.dnsbl_probe_interval.value < kMinProbeInterval)
    throw Error(
        fmt::format("{}dnsbl-probe-interval {} is shorter than {} (0 probes at start only): probes are "
                    "queries the lists count against you",
                    where("dnsbl-probe-interval"), c.dnsbl_probe_interval.to_string(),
                    util::Duration{kMinProbeInterval}.to_string()));
  if (const auto why = socket_spec_error(c.socket); !why.empty())
    throw Error(fmt::format("{}socket '{}' {}", where("socket"), c.socket, why));
  if (std::string why; !c.reply_text.fits(smtp::kReplyValueLimits[std::size(smtp::kReplyValueLimits) - 1], &why))
    throw Error(fmt::format("{}reply-text is too long: {}, even with each placeholder cut to {} characters",
                            where("reply-text"), why, smtp::kReplyValueLimits[std::size(smtp::kReplyValueLimits) - 1]));
  if (c.dns_cache_size <= 0) throw Error(fmt::format("{}dns-cache-size must be positive", where("dns-cache-size")));
  if (c.max_helo <= 0) throw Error(fmt::format("{}max-helo must be positive", where("max-helo")));
  if (c.history < 0 || c.history > 10'000'000)
    throw Error(fmt::format("{}history must be from 0 to 10000000", where("history")));
  if (!c.control_socket.empty() && c.control_socket.front() != '/')
    throw Error(
        fmt::format("{}control-socket '{}' is not an absolute path", where("control-socket"), c.control_socket));
  if (!c.why_url.empty()) {
    const bool scheme = c.why_url.starts_with("https://") || c.why_url.starts_with("http://");
    const bool plain = std::all_of(c.why_url.begin(), c.why_url.end(),
                                   [](unsigned char ch) { return ch > 0x20 && ch < 0x7f && ch != '%'; });
    if (!scheme || !plain || c.why_url.size() + 11 > smtp::kMaxUrlLength)
      throw Error(
          fmt::format("{}why-url '{}' must be an http:// or https:// URL of printable characters, no "
                      "blank or '%', at most {} characters",
                      where("why-url"), c.why_url, smtp::kMaxUrlLength - 11));
  }
  for (const auto& [name, path] : {std::pair{"public-socket", &c.public_socket}})
    if (!path->empty() && path->front() != '/')
      throw Error(fmt::format("{}{} '{}' is not an absolute path", where(name), name, *path));
  if (!c.history_redis.empty()) {
    const auto& r = c.history_redis;
    const auto colon = r.rfind(':');
    const auto port = colon == std::string::npos ? std::string() : r.substr(colon + 1);
    const bool unix_path = r.starts_with("unix:/");
    const bool host_port = colon != std::string::npos && colon > 0 && !port.empty() && port.size() <= 5 &&
                           std::all_of(port.begin(), port.end(), [](char ch) { return ch >= '0' && ch <= '9'; }) &&
                           std::stoi(port) > 0 && std::stoi(port) < 65536 && r.find('/') == std::string::npos;
    if (!unix_path && !host_port)
      throw Error(fmt::format("{}history-redis '{}' is neither HOST:PORT nor unix:/PATH", where("history-redis"), r));
  }
  if (c.history_expire.value < std::chrono::seconds(60))
    throw Error(fmt::format("{}history-expire must be at least 1m", where("history-expire")));
  if (c.local_zone_max_shrink < 0 || c.local_zone_max_shrink > 100)
    throw Error(
        fmt::format("{}local-zone-max-shrink must be a percentage from 0 to 100", where("local-zone-max-shrink")));
  if (c.local_zone_max_bytes.value == 0)
    throw Error(fmt::format("{}local-zone-max-bytes must be more than zero", where("local-zone-max-bytes")));
  if (c.milter_timeout.value < std::chrono::seconds(1))
    throw Error(fmt::format("{}milter-timeout must be at least 1s", where("milter-timeout")));
  for (const auto& b : c.bypass_recipients) check_bypass_address(b, where("bypass-recipient", b));
  if (c.dns_min_ttl.value > c.dns_max_ttl.value)
    throw Error(fmt::format("{}dns-min-ttl ({}) is longer than dns-max-ttl ({})", where("dns-min-ttl"),
                            c.dns_min_ttl.to_string(), c.dns_max_ttl.to_string()));
  if (c.socket_mode.empty() || c.socket_mode.size() > 4 ||
      c.socket_mode.find_first_not_of("01234567") != std::string::npos)
    throw Error(
        fmt::format("{}socket-mode '{}' is not an octal mode such as 0660", where("socket-mode"), c.socket_mode));
  if (!syslog_facility_known(c.syslog_facility))
    throw Error(fmt::format("{}syslog-facility '{}' is not one of mail, daemon, user, local0 ... local7",
                            where("syslog-facility"), c.syslog_facility));
  if (!c.metrics.empty()) {  // written as a DNS server is, but the port must be given
    const auto a = dns::ServerAddress::parse(c.metrics);
    const bool port_given =
        a && (a->ip.is_v4() ? c.metrics.find(':') != std::string::npos : c.metrics.find("]:") != std::string::npos);
    if (!port_given)
      throw Error(
          fmt::format("{}metrics '{}' is not ADDRESS:PORT (an IPv6 address in brackets)", where("metrics"), c.metrics));
  }
  if (c.allow_threshold > 0)
    throw Error(fmt::format("{}allow-threshold must be negative (or 0 to turn it off)", where("allow-threshold")));
  // A reply code must say what its action does: a refusal is permanent (5xx), a deferral is not.
  if (c.reject_code.code[0] != '5')
    throw Error(fmt::format("{}reject-code {} is not a permanent (5xx) reply, as action reject needs",
                            where("reject-code"), c.reject_code.to_string()));
  if (c.tempfail_code.code[0] != '4')
    throw Error(fmt::format("{}tempfail-code {} is not a temporary (4xx) reply, as action tempfail needs",
                            where("tempfail-code"), c.tempfail_code.to_string()));
}

// Each --local-zone must be the zone of a --dnsbl list: a local zone nobody asks is a typo.
void check_local_zones(const Config& c, const Locations& where) {
  for (const auto& l : c.local_zones)
    if (std::none_of(c.dnsbls.begin(), c.dnsbls.end(),
                     [&](const dnsbl::ZoneSpec& z) { return dns::canonical_name(z.zone) == l.zone; }))
      throw Error(fmt::format("{}local-zone {} is the zone of no --dnsbl list (it would answer nothing that is asked)",
                              where("local-zone", show(l)), l.zone));
}

// Each --dnsbl-name names a --dnsbl zone (by its zone or its name without a key) and gives it a
// name fit for a reply line, a log field and a metrics label.
void apply_dnsbl_names(Config& c, const Locations& where) {
  for (const auto& text : c.dnsbl_names) {
    const auto eq = text.find('=');
    const std::string zone = eq == std::string::npos ? text : dns::canonical_name(text.substr(0, eq));
    const std::string name = eq == std::string::npos ? std::string() : text.substr(eq + 1);
    const auto here = where("dnsbl-name", text);
    if (eq == std::string::npos || name.empty() || name.size() > 64 || name.front() == ' ' || name.back() == ' ' ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-_()/+") !=
            std::string::npos)
      throw Error(
          fmt::format("{}dnsbl-name '{}' is not ZONE=NAME with a NAME of letters, digits, blanks and .-_()/+ "
                      "(at most 64, no blank at either end)",
                      here, dnsbl::safe_spec(text)));
    bool found = false;
    for (auto& z : c.dnsbls)
      if (z.zone == zone || z.safe_name() == zone || dnsbl::safe_zone(z.zone) == zone) {
        z.display = name;
        found = true;
      }
    if (!found)
      throw Error(
          fmt::format("{}dnsbl-name '{}' names no --dnsbl zone of this configuration", here, dnsbl::safe_zone(zone)));
  }
}

// Each --action-for must name something this configuration has.
// A zone with an access key in its name is kept under its safe name, as the policy shows it.
void check_action_keys(Config& c, const Locations& where) {
  for (auto& a : c.action_for) {
    bool known = false;
    for (const auto& z : c.dnsbls)
      if (a.key == z.safe_name() || a.key == z.zone || a.key == dnsbl::safe_zone(z.zone)) {
        known = true;
        a.key = z.safe_name();
      }
    known |= policy::find_signal(a.key) != nullptr;
    if (a.key.rfind("rule:", 0) == 0 && c.rules) known |= c.rules->has_rule(a.key.substr(5));
    if (!known)
      throw Error(fmt::format("{}action-for '{}' names no --dnsbl zone, signal or rule:NAME of this configuration",
                              where("action-for", a.to_string()), dnsbl::safe_zone(a.key)));  // never echo a key
  }
}

}  // namespace dyn::config
