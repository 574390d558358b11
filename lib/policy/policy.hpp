// The policy: plan() names the DNS questions a client needs; decide() is a pure function of
// (config, facts, answers) that returns a Verdict. Neither does I/O.
#pragma once

#include "config/config.hpp"
#include "dns/types.hpp"
#include "dnsbl/health.hpp"
#include "dnsbl/outcome.hpp"
#include "net/ip_address.hpp"
#include "policy/smtp_reply.hpp"
#include "rdns/classify.hpp"
#include "rdns/facts.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dyn::policy {

// What the MTA told us about the client, parsed once at the edge.
struct ClientFacts {
  std::optional<net::IpAddress> ip;  // none: AF_UNIX, a missing or unparsable address
  std::string hostname;              // as the MTA sent it ("unknown", "[192.0.2.1]", a name); may be empty
  rdns::RdnsFacts rdns{};            // the MTA's own reverse-DNS result, from its macros
  std::string helo{};                // the HELO/EHLO argument, once the client sent one
  std::optional<std::uint32_t> ptr_ttl{};  // TTL of the PTR record, from our own lookup
  std::string id{};                  // incident reference for this connection: in the log line and {id}
};

// A new incident reference: 10 characters from an unambiguous alphabet (no 0/O, 1/l/I).
std::string new_incident_id();

enum class Action { Accept, Reject, Tempfail };
std::string_view to_string(Action action);

// Why the verdict is what it is.
enum class Basis { NoAddress, ExemptNetwork, Allowlisted, Scored };

struct ListResult {
  std::string zone;  // the name shown in logs and replies
  std::string query;
  int weight = 0;
  dns::Status status = dns::Status::Timeout;  // how the lookup ended, for dynmilter-check
  dnsbl::Outcome outcome;
};

struct Verdict {
  Action action = Action::Accept;
  Basis basis = Basis::Scored;
  int score = 0;
  std::vector<ListResult> lists;
  std::vector<rdns::Signal> signals;  // reverse-DNS signals, each with its weight and reason
  std::string note;                  // for NoAddress/ExemptNetwork/Tempfail: why, in words
  std::optional<SmtpReply> reply;    // set for Reject and Tempfail
  bool reached = false;              // the score reached the threshold (whatever --action does with it)
  bool tag = false;                  // --action tag: add the header at the end of the message
  bool limited_by_action_for = false;  // --action-for or a rule's action= made the action milder
};

// The action for a verdict that reached the threshold (see --action-for in dynmilter(8)).
config::PolicyAction strongest_action(const config::Config& config, const Verdict& verdict);

// What was done, as the log line and the metrics name it: reject, tempfail, tag, log (a dry run
// that reached the threshold) or accept.
std::string_view disposition(const Verdict& verdict);

// The X-Dynmilter header value for --action tag: score, threshold and what decided it.
std::string tag_header(const ClientFacts& facts, const Verdict& verdict, int threshold);

std::vector<dns::Question> plan(const config::Config& config, const ClientFacts& facts);

// The questions about the HELO name (A and AAAA), asked when HELO arrives; none for an address
// literal, a name that cannot be a host name, or when the signal is off.
std::vector<dns::Question> plan_helo(const config::Config& config, std::string_view helo);

// The operator's rules (--rules, --pcre-table) that match the client's name, as signals whose
// reason names file:line.
std::vector<rdns::Signal> rule_signals(const config::Config& config, const ClientFacts& facts);

// `answers` are in the order of plan()'s questions (missing ones count as timeouts). A list that
// `health` marks broken counts as unknown whatever it answered.
// `helo_answers` are the answers to plan_helo()'s questions, if it was asked.
Verdict decide(const config::Config& config, const ClientFacts& facts, const std::vector<dns::Answer>& answers,
               const dnsbl::HealthMap& health = {}, const std::vector<dns::Answer>& helo_answers = {});

// RFC 5321 4.5.1: postmaster must be accepted; abuse@ by RFC 2142 convention. Matches
// "postmaster", "<Postmaster@any.domain>" and the same for abuse, case-insensitively.
bool is_role_recipient(std::string_view recipient);

// Why this recipient always accepts mail, or empty: "role" (postmaster, abuse) or "bypass"
// (a --bypass-recipient address or domain).
std::string_view exempt_recipient(const config::Config& config, std::string_view recipient);

// Why, in words for the sender: the lists that listed the client, else its strongest
// reverse-DNS reasons ("no reverse DNS name", "generic reverse DNS name dsl-1.isp.example").
std::string reason_text(const ClientFacts& facts, const Verdict& verdict);

// One line for the log: client, name, each list's outcome, score, action, and two times in
// milliseconds: from CONNECT to the decision, and how long the RCPT waited for DNS.
std::string log_line(const ClientFacts& facts, const Verdict& verdict, double elapsed_ms, double waited_ms);

}  // namespace dyn::policy
