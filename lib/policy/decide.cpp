// The decision: the gates, the sum of the sources' evidence against the threshold with primary
// evidence among it, the decisive evidence, and the action (--action, --action-for, rule action=).
#include "policy/policy.hpp"
#include "policy/reply_text.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace dyn::policy {

std::string_view to_string(Action action) {
  switch (action) {
    case Action::Accept: return "accept";
    case Action::Reject: return "reject";
    case Action::Tempfail: return "tempfail";
  }
  return "?";
}

namespace {

bool exempt(const config::Config& config, const ClientFacts& facts) {
  return facts.ip && (net::any_contains(config.exempt_networks, *facts.ip) ||
                      (config.allowlist && net::any_contains(config.allowlist->networks, *facts.ip)));
}

// A forward-confirmed name under an allowed domain or matching an allowed pattern (never an
// unverified PTR name: anyone can make their PTR say mail.bigprovider.example). Says which.
std::string allowed_hostname(const config::Config& config, const ClientFacts& facts) {
  if (facts.rdns.status != rdns::RdnsStatus::Ok || !config.allowlist) return {};
  const std::string name = dns::canonical_name(facts.rdns.name);
  for (const auto& d : config.allowlist->domains)
    if (dns::at_or_under(name, d)) return "under allowed domain " + d;
  for (const auto& p : config.allowlist->patterns)
    if (p.pattern.match(name) == rules::MatchResult::Match)
      return "matching allowed pattern /" + p.pattern.source() + "/ (" + p.where + ")";
  return {};
}

int severity(config::PolicyAction a) {
  switch (a) {
    case config::PolicyAction::Log: return 0;
    case config::PolicyAction::Tag: return 1;
    case config::PolicyAction::Tempfail: return 2;
    case config::PolicyAction::Reject: return 3;
  }
  return 0;
}

// The action a contribution may bring the client to: its --action-for, else its rule's own
// action=, else the global --action.
config::PolicyAction action_of(const config::Config& config, std::string_view key) {
  for (auto it = config.action_for.rbegin(); it != config.action_for.rend(); ++it)
    if (it->key == key) return it->action;
  if (key.rfind("rule:", 0) == 0 && config.rules)
    if (auto a = config::parse_action(config.rules->action_of(key.substr(5)))) return *a;
  return config.action;
}

// Calls fn(key, weight, primary) for each piece of evidence that counted against the client, in
// evidence_hits()'s order: listed lists (primary), then signals of positive weight.
template <class F>
void for_each_hit(const Verdict& v, F&& fn) {
  for_each_contribution(v, [&](const Contribution& c) {
    if (c.against()) fn(c.key, c.weight, c.primary);
  });
}

}  // namespace

// With per-list and per-rule actions, the verdict is the strongest action A such that the
// contributions allowed to reach A (their action at least as strong), with every negative
// weight, still reach the threshold with primary evidence among them. Without any, every
// contribution has the global action.
config::PolicyAction strongest_action(const config::Config& config, const Verdict& v) {
  for (auto a : {config::PolicyAction::Reject, config::PolicyAction::Tempfail, config::PolicyAction::Tag}) {
    int score = 0;
    bool primary = false;
    auto add = [&](int weight, std::string_view key, bool is_primary) {
      if (weight < 0)
        score += weight;
      else if (severity(action_of(config, key)) >= severity(a)) {
        score += weight;
        primary = primary || (is_primary && weight > 0);
      }
    };
    for_each_contribution(v, [&](const Contribution& c) { add(c.weight, c.key, c.primary); });
    if (score >= config.threshold && primary) return a;
  }
  return config::PolicyAction::Log;
}

namespace {

// `prepared`, or one made here when the caller has none.
const Prepared& use(const config::Config& config, const Prepared* prepared, std::optional<Prepared>& local) {
  return prepared ? *prepared : local.emplace(prepare(config));
}

std::vector<dns::Question> plan_stage(const config::Config& config, const ClientFacts& facts, Stage stage,
                                      const Prepared* prepared) {
  std::optional<Prepared> local;
  const Prepared& p = use(config, prepared, local);
  std::vector<dns::Question> questions;
  questions.reserve(p.sources.size() + 4);  // most sources ask one question or none
  const dnsbl::HealthMap none;
  const Context context{config, facts, none, p.weights};
  for (const auto& source : p.sources) source->questions(context, stage, questions);
  return questions;
}

}  // namespace

bool checked(const config::Config& config, const ClientFacts& facts) { return facts.ip && !exempt(config, facts); }

std::vector<dns::Question> plan(const config::Config& config, const ClientFacts& facts, const Prepared* prepared) {
  if (!checked(config, facts)) return {};
  return plan_stage(config, facts, Stage::Connect, prepared);
}

std::vector<dns::Question> plan_helo(const config::Config& config, const ClientFacts& facts, const Prepared* prepared) {
  if (!checked(config, facts) || facts.helo.empty()) return {};
  return plan_stage(config, facts, Stage::Helo, prepared);
}

Evidence gather(const config::Config& config, const ClientFacts& facts, const AnswerBook& book,
                const dnsbl::HealthMap& health, const Prepared* prepared) {
  std::optional<Prepared> local;
  const Prepared& p = use(config, prepared, local);
  const Context context{config, facts, health, p.weights};
  Evidence all;
  all.lists.reserve(config.dnsbls.size());
  all.signals.reserve(8);            // more than a client usually gets
  std::vector<dns::Question> asked;  // one source's questions at a time
  for (const auto& source : p.sources) {
    Answers mine;
    for (const Stage stage : {Stage::Connect, Stage::Helo}) {
      if (stage == Stage::Helo && (facts.helo.empty() || !book.helo_trusted())) break;
      asked.clear();
      source->questions(context, stage, asked);
      auto& into = stage == Stage::Connect ? mine.connect : mine.helo;
      for (const auto& q : asked) into.push_back(book.find(q));
    }
    source->judge(context, mine, all);
  }
  return all;
}

namespace {
// A book of answers given in plan order, with the questions they answer.
struct PlannedBook {
  std::vector<dns::Question> connect, helo;
  AnswerBook book;
  PlannedBook(const config::Config& config, const ClientFacts& facts, const std::vector<dns::Answer>& answers,
              const std::vector<dns::Answer>& helo_answers)
      : connect(plan(config, facts)), helo(plan_helo(config, facts)) {
    book.add(connect, answers);
    book.add(helo, helo_answers);
  }
};
}  // namespace

Evidence gather(const config::Config& config, const ClientFacts& facts, const std::vector<dns::Answer>& answers,
                const dnsbl::HealthMap& health, const std::vector<dns::Answer>& helo_answers) {
  const PlannedBook planned(config, facts, answers, helo_answers);
  return gather(config, facts, planned.book, health);
}

Verdict decide(const config::Config& config, const ClientFacts& facts, const std::vector<dns::Answer>& answers,
               const dnsbl::HealthMap& health, const std::vector<dns::Answer>& helo_answers) {
  const PlannedBook planned(config, facts, answers, helo_answers);
  return decide(config, facts, planned.book, health);
}

Verdict decide(const config::Config& config, const ClientFacts& facts, const AnswerBook& book,
               const dnsbl::HealthMap& health, const Prepared* prepared) {
  std::optional<Prepared> made;
  const Prepared& p = use(config, prepared, made);
  Verdict v;
  if (!facts.ip) {
    v.basis = Basis::NoAddress;
    v.note = "no IP address for the client (not a TCP connection, or the MTA sent none)";
    return v;
  }
  if (exempt(config, facts)) {
    const bool local = net::any_contains(config.exempt_networks, *facts.ip);
    v.basis = local ? Basis::ExemptNetwork : Basis::Allowlisted;
    v.note = local ? "client in an exempt network" : "client in an allowed network";
    return v;
  }
  if (const auto why = allowed_hostname(config, facts); !why.empty()) {
    v.basis = Basis::Allowlisted;
    v.note = "verified name " + why;
    return v;
  }

  // Unknown never adds score; what it could have added decides whether --on-dns-error applies.
  Evidence evidence = gather(config, facts, book, health, &p);
  const int could_add = evidence.could_add;
  v.lists = std::move(evidence.lists);
  for (const auto& l : v.lists)
    if (l.outcome.listing == dnsbl::Listing::Listed) v.score += l.weight;
  if (config.allow_threshold < 0 && v.score <= config.allow_threshold) {
    v.basis = Basis::Allowlisted;
    v.note = "list score " + std::to_string(v.score) + " reaches the allow threshold " +
             std::to_string(config.allow_threshold);
    return v;
  }
  v.signals = std::move(evidence.signals);
  v.score += rdns::total(v.signals);
  int primary_hits = 0;
  for (auto& s : v.signals) s.supporting = p.classes.of(s.name) == rdns::Strength::Supporting;
  for_each_hit(v, [&](std::string_view, int, bool primary) { primary_hits += primary; });
  if (v.score >= config.threshold && primary_hits == 0) {  // weak evidence never refuses on its own
    v.supporting_only = true;
    v.note = "score " + std::to_string(v.score) + " from supporting evidence alone: not enough to refuse";
    return v;
  }
  // What decided: each piece of evidence without which the score would have stayed under the
  // threshold, or without which no primary evidence would be left (counted also in a dry run, so
  // that an operator sees what enforcing would do).
  if (v.score >= config.threshold)
    for_each_hit(v, [&](std::string_view key, int weight, bool primary) {
      if (v.score - weight < config.threshold || (primary && primary_hits == 1)) v.decisive.emplace_back(key);
    });

  if (v.score >= config.threshold) {
    v.reached = true;
    const auto action = strongest_action(config, v);
    v.limited_by_action_for = action != config.action;
    switch (action) {
      case config::PolicyAction::Reject:
      case config::PolicyAction::Tempfail: break;
      case config::PolicyAction::Tag:
        v.tag = true;
        v.note = "tagged";
        return v;
      case config::PolicyAction::Log: v.note = "dry run: would reject (" + reason_text(facts, v) + ")"; return v;
    }
    bool reject = action == config::PolicyAction::Reject;
    // A refusal that rests on a list listing far more clients than usual is a delay instead: the
    // client retries, and is refused then if the list still lists it once its rate is back.
    if (reject) {
      int without = v.score, primary_left = 0;
      std::string_view surging;
      for_each_contribution(v, [&](const Contribution& c) {
        if (c.kind == Contribution::Kind::Listing && !c.list->surge.empty() && c.against()) {
          without -= c.weight;
          if (surging.empty()) surging = c.key;
        } else if (c.against() && c.primary) {
          ++primary_left;
        }
      });
      if (!surging.empty() && !(without >= config.threshold && primary_left > 0)) {
        reject = false;
        v.surge_deferred = true;
        v.note = fmt::format("deferred, not refused: list {} lists far more clients than usual", surging);
      }
    }
    v.action = reject ? Action::Reject : Action::Tempfail;
    v.reply = render_reply(config, facts, v, reject ? config.reject_code : config.tempfail_code);
    return v;
  }
  if (could_add > 0 && v.score + could_add >= config.threshold &&
      config.on_dns_error == config::DnsErrorAction::Tempfail) {
    v.action = Action::Tempfail;
    v.note = "DNS lookups failed for lists that could have decided";
    v.reply = smtp::SmtpReply{"451", "4.7.1",
                              "Temporary DNS failure while checking your IP address; please try again later."};
  }
  return v;
}

bool may_tag(const config::Config& config) {
  if (config.action == config::PolicyAction::Tag) return true;
  for (const auto& a : config.action_for)
    if (a.action == config::PolicyAction::Tag) return true;
  return config.rules && config.rules->any_rule_with_action("tag");
}

std::vector<std::pair<std::string, int>> evidence_hits(const Verdict& v) {
  std::vector<std::pair<std::string, int>> out;
  for_each_hit(v, [&](std::string_view key, int weight, bool) { out.emplace_back(key, weight); });
  return out;
}

bool is_decisive(const Verdict& v, std::string_view key) {
  return std::find(v.decisive.begin(), v.decisive.end(), key) != v.decisive.end();
}

}  // namespace dyn::policy
