// The sender's side: would dynmilter, and the old SORBS DUHL rules, accept mail from this
// domain's mail servers? One line per rule and server (pass, fail or unknown, and for each
// failure what to change), then dynmilter's own verdict with the reply it would send.
//   ptr-exists, fcrdns, ptr-not-generic, ptr-ttl, a-ttl, mx-ttl, mx-maps-to-ip, ptr-is-mx-name,
//   not-listed
// The rules are pure functions of the DNS answers (judge_server); check() asks the questions in
// stages (MX, the MX hosts' addresses, each address's PTR, the PTR names' addresses, then the
// lists through a Transaction as the daemon asks them), each stage within --dns-timeout. A
// temporary DNS failure is "unknown", never "fail".
#pragma once

#include "config/config.hpp"
#include "dns/querier.hpp"
#include "dnsbl/health.hpp"
#include "net/ip_address.hpp"
#include "policy/policy.hpp"

#include <optional>
#include <string>
#include <vector>

namespace dyn::readiness {

enum class Result { Pass, Fail, Unknown };
std::string_view to_string(Result result);

struct Finding {
  std::string rule;
  Result result = Result::Unknown;
  std::string detail;  // what was found
  std::string fix;     // for a failure: what to change
};

// What the DNS said about one sending server (an address of an MX host, or the address given).
struct ServerAnswers {
  std::string mx_host;  // empty: the address was given and is no MX host's
  net::IpAddress ip;
  dns::Answer mx;                              // the domain's MX answer (shared by every server)
  std::vector<dns::Answer> mx_host_addresses;  // A and AAAA of mx_host (every MX host for mx-maps-to-ip)
  std::vector<std::string> all_mx_hosts;       // with mx_host_addresses: the same order, two answers each
  dns::Answer ptr;                             // PTR of ip
  std::vector<dns::Answer> ptr_addresses;      // A and AAAA of the first PTR name
};

struct Server {
  std::string mx_host;
  net::IpAddress ip;
  std::vector<Finding> findings;
  std::string verdict;  // accept, reject, defer
  std::string reply;    // the reply dynmilter would send ("" for accept)
  // The verdict's evidence, as dynmilter-check ADDRESS shows it: each signal (those shown with
  // weight 0 too, such as the neighbours asked) with its weight, class and whether it decided.
  std::vector<std::string> evidence;
  int score = 0;
};

struct Report {
  std::string domain;
  std::optional<net::IpAddress> given_ip;
  std::vector<std::string> mx_hosts;     // as found (the domain itself for an implicit MX)
  std::vector<Finding> domain_findings;  // about the domain alone (no MX host found, a null MX)
  std::vector<Server> servers;
  std::string verdict;  // the worst of the servers': reject, defer, accept; "unknown" with none
  int threshold = 0;
  bool all_pass() const;
};

// The DUHL and naming rules for one server (not-listed is added by check() from the verdict).
std::vector<Finding> judge_server(const config::Config& config, const ServerAnswers& answers);

// The not-listed rule from the lists' results (each listing with its TXT text, when it has one).
Finding judge_lists(const std::vector<policy::ListResult>& lists);

// Asks everything and judges. `ip`: the server to judge (else every address of every MX host).
Report check(const config::Config& config, dns::Querier& querier, const std::string& domain,
             const std::optional<net::IpAddress>& ip, const dnsbl::HealthBoard* health);

std::string format_text(const Report& report);
std::string format_json(const Report& report);

}  // namespace dyn::readiness
