// Config: one immutable snapshot of every setting, plain data. Built by options/options.cpp from
// the command line and the config file (which checks signal names against the sources'
// declarations, policy/signal.hpp); the daemon shares it as shared_ptr<const Config>.
#pragma once

#include "dns/server_address.hpp"
#include "dnsbl/zone_spec.hpp"
#include "localzone/zones.hpp"
#include "net/cidr.hpp"
#include "smtp/reply.hpp"
#include "rdns/classify.hpp"
#include "rules/rule_set.hpp"

#include <memory>
#include "util/byte_size.hpp"
#include "util/duration.hpp"
#include "util/log.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dyn::config {

// One "--rdns-weight SIGNAL=N" setting: a signal's weight (0 turns it off, negative counts for the
// client). The signal is one some source declares (checked by the config reader).
struct WeightSetting {
  std::string signal;
  int weight = 0;
  std::string to_string() const { return signal + "=" + std::to_string(weight); }
  bool operator==(const WeightSetting&) const = default;
};

// One "--signal-class SIGNAL=primary|supporting" setting.
struct ClassSetting {
  std::string signal;
  rdns::Strength strength = rdns::Strength::Primary;
  std::string to_string() const { return signal + "=" + std::string(rdns::to_string(strength)); }
  bool operator==(const ClassSetting&) const = default;
};

// What to do when a lookup failed (timeout, SERVFAIL) and the lists that answered did not reach
// the threshold, but the failed ones could have.
enum class DnsErrorAction { Accept, Tempfail };

// What to do with a client that reaches the threshold: refuse (550), defer (450), accept and
// mark the message with a header, or accept and only log what would have happened (dry run).
// Ordered from mildest to strongest.
enum class PolicyAction { Reject, Tempfail, Tag, Log };

// "--action-for KEY=ACTION": the strongest action a list, a reverse-DNS signal or a rule can
// bring a client to. KEY is a --dnsbl zone, a signal name (no-ptr, ...) or rule:NAME.
struct ActionFor {
  std::string key;
  PolicyAction action = PolicyAction::Reject;
  static std::optional<ActionFor> parse(std::string_view text, std::string* error);
  std::string to_string() const;
  bool operator==(const ActionFor&) const = default;
};
// (Inline: the config layer is headers only, and the policy below the reader uses them.)
inline std::string_view to_string(PolicyAction v) {
  switch (v) {
    case PolicyAction::Reject: return "reject";
    case PolicyAction::Tempfail: return "tempfail";
    case PolicyAction::Tag: return "tag";
    case PolicyAction::Log: return "log";
  }
  return "?";
}
inline std::optional<PolicyAction> parse_action(std::string_view s) {
  for (auto a : {PolicyAction::Reject, PolicyAction::Tempfail, PolicyAction::Tag, PolicyAction::Log})
    if (to_string(a) == s) return a;
  return std::nullopt;
}

// Clients always accepted: networks (--allow-network, --allow-file), and forward-confirmed names
// under a domain or matching a pattern (--allow-hostname, --allow-file).
struct Allowlist {
  std::vector<net::Cidr> networks;
  std::vector<std::string> domains;  // canonical: lower case, no trailing dot
  struct NamePattern {
    rules::Pattern pattern;
    std::string where;  // "--allow-hostname" or file:line
  };
  std::vector<NamePattern> patterns;
};

// One line of a --domain-policy table: what differs for mail to one recipient domain (or one
// address). Unset settings are the configuration's own.
struct DomainPolicy {
  std::string key;   // "example.org", ".example.org" (its subdomains) or "user@example.org", lower case
  bool off = false;  // this domain opted out: never refused
  std::optional<PolicyAction> action;
  std::optional<int> threshold;
  std::optional<smtp::ReplyTemplate> reply_text;
  std::string where;  // file:line
  bool operator==(const DomainPolicy&) const = default;
};

struct Config {
  // Daemon
  std::string socket = "inet:8894@127.0.0.1";
  bool foreground = false;
  std::string user;                  // empty: keep the identity dynmilter started with
  std::string group;                 // empty: the user's primary group
  std::string socket_owner;          // unix socket: USER[:GROUP]; empty: the identity it runs as
  std::string socket_mode = "0660";  // unix socket: octal permissions
  log::Level log_level = log::Level::Info;
  std::string syslog_facility = "mail";
  std::string metrics;  // ADDR:PORT of the Prometheus endpoint; empty: off

  // DNS
  std::vector<dns::ServerAddress> dns_servers;  // after loading: never empty (resolv.conf, else 127.0.0.1)
  util::Duration dns_timeout{std::chrono::milliseconds(5000)};
  int dns_cache_size = 100'000;
  util::Duration milter_timeout{std::chrono::seconds(30)};  // an idle MTA connection is closed after this
  std::string control_socket;  // --control-socket: the unix socket dynmilter-ctl talks to ("": none)
  int history = 10000;         // --history: recent verdicts kept for "dynmilter-ctl why"
  // The refused sender's page (dynmilter-web): the public socket it reads the history from, and
  // a shared store every MX host writes its refusals to.
  std::string public_socket;  // --public-socket ("": none)
  std::string history_redis;  // --history-redis HOST:PORT or unix:PATH ("": none)
  util::Duration history_expire{std::chrono::hours(24 * 30)};
  int max_helo = 10;  // HELO/EHLO commands one connection may send before each further one is deferred
  util::Duration dns_min_ttl{std::chrono::seconds(60)};
  util::Duration dns_max_ttl{std::chrono::seconds(3600)};
  bool resolver_check = true;  // probe the resolver; name evidence counts for nothing while it lies

  // Policy
  std::vector<dnsbl::ZoneSpec> dnsbls;
  util::ByteSize local_zone_max_bytes{1ull << 30};  // the most a --local-zone dataset's files may hold
  int local_zone_max_shrink = 50;            // percent: a changed dataset with fewer entries than this is refused
  std::vector<std::string> dnsbl_names;      // --dnsbl-name ZONE=NAME as written (applied to dnsbls by the reader)
  std::vector<localzone::Spec> local_zones;  // --dnsbl zones answered from rbldnsd-format files
  util::Duration dnsbl_timeout{std::chrono::milliseconds(0)};  // 0: each list may use all of dns_timeout
  util::Duration dnsbl_probe_interval{std::chrono::seconds(300)};
  std::vector<WeightSetting> rdns_weights;
  std::vector<ClassSetting> signal_classes;  // primary or supporting (supporting alone never refuses)
  std::vector<std::string> rule_files;       // dynmilter-rules(5) files
  std::vector<std::string> pcre_tables;      // Postfix pcre_table files, read as Postfix reads them
  int pcre_reject_weight = 3;
  util::Duration ptr_ttl_min{std::chrono::seconds(43200)};
  std::shared_ptr<const rules::RuleSet> rules = std::make_shared<rules::RuleSet>();  // loaded from the above
  int threshold = 3;
  PolicyAction action = PolicyAction::Reject;
  std::vector<ActionFor> action_for;
  smtp::ReplyCode reject_code{"550", "5.7.1"};
  smtp::ReplyCode tempfail_code{"450", "4.7.1"};
  DnsErrorAction on_dns_error = DnsErrorAction::Accept;
  std::vector<net::Cidr> exempt_networks;
  std::vector<net::Cidr> allow_networks;     // inline --allow-network
  std::vector<std::string> allow_files;      // --allow-file: networks, domains, /regex/, one per line
  std::vector<std::string> allow_hostnames;  // domain suffixes or /regex/, matched against verified names only
  int allow_threshold = 0;                   // < 0: a list score at or below it accepts (DNSWL)
  // Loaded from allow_files together with allow_networks and allow_hostnames (what the policy uses).
  std::shared_ptr<const Allowlist> allowlist = std::make_shared<Allowlist>();
  smtp::ReplyTemplate reply_text;
  std::string why_url;  // --why-url: {url} is this with the reference after it ("": {url} is empty)
  // --domain-policy FILE: per recipient domain (or address) settings, in Postfix table syntax.
  std::vector<std::string> domain_policy_files;
  std::shared_ptr<const std::vector<DomainPolicy>> domain_policies = std::make_shared<std::vector<DomainPolicy>>();
  std::vector<std::string> bypass_recipients;  // "user@domain" or "@domain", lower case; always accepted
  std::vector<std::string> bypass_files;       // more of them, one per line
  // Loaded: bypass_recipients and the lines of bypass_files (what the policy uses).
  std::shared_ptr<const std::vector<std::string>> bypass = std::make_shared<std::vector<std::string>>();
};

}  // namespace dyn::config
