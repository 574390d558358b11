// The policy: plan() names the DNS questions a client needs; decide() is a pure function of
// (config, facts, answers) that returns a Verdict. Neither does I/O. Both go through the
// evidence sources (policy/evidence.hpp): decide() only gates, sums and applies actions.
#pragma once

#include "config/config.hpp"
#include "dns/types.hpp"
#include "dnsbl/health.hpp"
#include "dnsbl/outcome.hpp"
#include "net/ip_address.hpp"
#include "policy/evidence.hpp"
#include "smtp/reply.hpp"
#include "rdns/classify.hpp"
#include "rdns/facts.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dyn::policy {

// A new incident reference: 10 characters from an unambiguous alphabet (no 0/O, 1/l/I).
std::string new_incident_id();
// Whether `text` could be one (what a page that looks references up accepts).
bool is_incident_id(std::string_view text);

enum class Action { Accept, Reject, Tempfail };
std::string_view to_string(Action action);

// Why the verdict is what it is.
enum class Basis { NoAddress, ExemptNetwork, Allowlisted, Scored };

struct Verdict {
  Action action = Action::Accept;
  Basis basis = Basis::Scored;
  int score = 0;
  std::vector<ListResult> lists;
  std::vector<rdns::Signal> signals;     // reverse-DNS signals, each with its weight and reason
  std::string note;                      // for NoAddress/ExemptNetwork/Tempfail: why, in words
  std::optional<smtp::SmtpReply> reply;  // set for Reject and Tempfail
  bool reached = false;                  // the score reached the threshold (whatever --action does with it)
  bool supporting_only = false;          // the score reached it with supporting evidence alone: not refused
  bool tag = false;                      // --action tag: add the header at the end of the message
  bool limited_by_action_for = false;    // --action-for or a rule's action= made the action milder
  bool surge_deferred = false;           // a refusal that rested on a list whose listing rate surged: deferred instead
  // The evidence without which the score would not have reached the threshold: list zones and
  // signal names ("pbl.test", "no-ptr", "rule:NAME"). Set whenever it was reached, dry runs too.
  std::vector<std::string> decisive;
};

// One piece of evidence as the verdict counts it: a list's listing or a signal, with its weight
// and class. Every view of a verdict (the decision, the reply's {reason}, the log line, the tag
// header, the metrics, dynmilter-check) reads the evidence through this one view.
struct Contribution {
  enum class Kind { Listing, Signal };
  Kind kind;
  std::string_view key;              // the list's zone (its safe name) or the signal's name, as in Verdict::decisive
  int weight;                        // what it added to the score (negative: for the client; 0: shown, not counted)
  bool primary;                      // may refuse (a listing always; a signal by its class)
  const ListResult* list = nullptr;  // Kind::Listing
  const rdns::Signal* signal = nullptr;  // Kind::Signal
  bool against() const { return weight > 0; }
};

// Calls fn(const Contribution&) for each listing (a list that listed the client, whatever its
// weight), then each signal, in the order the verdict holds them. No allocation.
template <class F>
void for_each_contribution(const Verdict& v, F&& fn) {
  for (const auto& l : v.lists)
    if (l.outcome.listing == dnsbl::Listing::Listed)
      fn(Contribution{Contribution::Kind::Listing, l.zone, l.weight, true, &l, nullptr});
  for (const auto& s : v.signals)
    fn(Contribution{Contribution::Kind::Signal, s.name, s.weight, !s.supporting, nullptr, &s});
}

// The refusal (or the dry run's would-be refusal) rests on this key (Verdict::decisive).
bool is_decisive(const Verdict& verdict, std::string_view key);

// Every piece of evidence that counted against the client, with its weight: listed lists and
// signals of positive weight, keyed as in Verdict::decisive.
std::vector<std::pair<std::string, int>> evidence_hits(const Verdict& verdict);

// The action for a verdict that reached the threshold (see --action-for in dynmilter(8)).
config::PolicyAction strongest_action(const config::Config& config, const Verdict& verdict);

// The configuration can tag a message (--action tag, an --action-for or a rule's action=tag):
// the daemon then removes X-Dynmilter headers that the sender put in, so that the one
// downstream filters see is dynmilter's own.
bool may_tag(const config::Config& config);

// What was done, as the log line and the metrics name it: reject, tempfail, tag, log (a dry run
// that reached the threshold) or accept.
std::string_view disposition(const Verdict& verdict);

// The X-Dynmilter header value for --action tag: score, threshold and what decided it.
std::string tag_header(const ClientFacts& facts, const Verdict& verdict, int threshold);

// The client is looked into at all: it has an address outside the exempt and allowed networks.
bool checked(const config::Config& config, const ClientFacts& facts);

// The questions every evidence source needs at CONNECT (none for an exempt or address-less client).
// The facts must be settled (transaction.hpp): a source plans with the facts it is judged with.
// `prepared` (here and below): prepare(config), when the caller keeps one (else one is made).
std::vector<dns::Question> plan(const config::Config& config, const ClientFacts& facts,
                                const Prepared* prepared = nullptr);

// The questions once HELO is known (facts.helo): the HELO name's A and AAAA, unless it is an
// address literal, cannot be a host name, or the signal is off; the DUHL source's MX and address.
std::vector<dns::Question> plan_helo(const config::Config& config, const ClientFacts& facts,
                                     const Prepared* prepared = nullptr);

// Every source's evidence (lists, then signals, in source order): each source gets from `book`
// the answers to exactly the questions it plans for these facts. A list that `health` marks
// broken or not yet probed counts as unknown whatever it answered.
Evidence gather(const config::Config& config, const ClientFacts& facts, const AnswerBook& book = AnswerBook(),
                const dnsbl::HealthMap& health = {}, const Prepared* prepared = nullptr);

// The verdict: the gates (no address, exempt or allowed network, allowed verified name), then
// the sum of gather()'s evidence against the threshold, and the action for it.
Verdict decide(const config::Config& config, const ClientFacts& facts, const AnswerBook& book = AnswerBook(),
               const dnsbl::HealthMap& health = {}, const Prepared* prepared = nullptr);

// The same two for a caller that holds the answers in plan order: `answers` to plan()'s
// questions, `helo_answers` to plan_helo()'s (missing ones count as timeouts). For tests and tools
// that replay known answers; the daemon's transaction keeps a book.
Evidence gather(const config::Config& config, const ClientFacts& facts, const std::vector<dns::Answer>& answers,
                const dnsbl::HealthMap& health = {}, const std::vector<dns::Answer>& helo_answers = {});
Verdict decide(const config::Config& config, const ClientFacts& facts, const std::vector<dns::Answer>& answers,
               const dnsbl::HealthMap& health = {}, const std::vector<dns::Answer>& helo_answers = {});

// RFC 5321 4.5.1: postmaster must be accepted; abuse@ by RFC 2142 convention. Matches
// "postmaster", "<Postmaster@any.domain>" and the same for abuse, case-insensitively.
bool is_role_recipient(std::string_view recipient);

// The --domain-policy entry for a recipient: its address, else its domain, else the nearest
// ".parent" entry (".example.org" for mail to x@a.example.org); nullptr when none.
const config::DomainPolicy* domain_policy(const config::Config& config, std::string_view recipient);

// Why this recipient always accepts mail, or empty: "role" (postmaster, abuse) or "bypass"
// (a --bypass-recipient address or domain).
std::string_view exempt_recipient(const config::Config& config, std::string_view recipient);

// Why, in words for the sender: the lists that listed the client, else its strongest
// reverse-DNS reasons ("no reverse DNS name", "generic reverse DNS name dsl-1.isp.example").
std::string reason_text(const ClientFacts& facts, const Verdict& verdict);

// The verdict as one JSON document, field for field as the log line has it: client, name, rdns,
// PTR TTL, lists, signals (with class), score, action, decisive, note, reply. dynmilter-check
// --json prints it; the daemon's control socket answers "why" with it.
std::string verdict_json(const ClientFacts& facts, const Verdict& verdict);

// One line for the log: client, name, each list's outcome, score, action, and two times in
// milliseconds: from CONNECT to the decision, and how long the RCPT waited for DNS.
std::string log_line(const ClientFacts& facts, const Verdict& verdict, double elapsed_ms, double waited_ms);

}  // namespace dyn::policy
