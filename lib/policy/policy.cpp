#include "policy/policy.hpp"

#include "net/reverse.hpp"
#include "util/ascii.hpp"
#include "util/random.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

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
    if (dns::at_or_under(name, d))
      return "under allowed domain " + d;
  for (const auto& p : config.allowlist->patterns)
    if (p.pattern.match(name) == rules::MatchResult::Match)
      return "matching allowed pattern /" + p.pattern.source() + "/ (" + p.where + ")";
  return {};
}

// A line that rendered empty (a "{txt}" line when the list has no text) is left out, not sent blank.
std::string without_empty_lines(std::string text) {
  if (text.find('\n') == std::string::npos)  // one line, as usual: kept whole unless blank
    return text.find_first_not_of(' ') == std::string::npos ? std::string() : std::move(text);
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    const std::string line = text.substr(start, nl - start);
    if (line.find_first_not_of(' ') != std::string::npos) out += (out.empty() ? "" : "\n") + line;
    start = nl + 1;
  }
  return out;
}

// The TXT text of the listing that decided (else of any listing), for {txt}; "" when none.
std::string listing_text(const Verdict& v) {
  for (const bool decisive_only : {true, false})
    for (const auto& l : v.lists) {
      if (l.outcome.listing != dnsbl::Listing::Listed || l.txt.empty() || l.weight <= 0) continue;
      if (decisive_only && std::find(v.decisive.begin(), v.decisive.end(), l.zone) == v.decisive.end()) continue;
      return l.txt;
    }
  return {};
}

std::string join_listed(const std::vector<ListResult>& lists) {
  std::string out;
  for (const auto& l : lists)
    if (l.outcome.listing == dnsbl::Listing::Listed && l.weight > 0) out += (out.empty() ? "" : ", ") + l.zone;
  return out;
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
  for (const auto& l : v.lists)
    if (l.outcome.listing == dnsbl::Listing::Listed && l.weight > 0) fn(l.zone, l.weight, true);
  for (const auto& s : v.signals)
    if (s.weight > 0) fn(s.name, s.weight, !s.supporting);
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
      if (weight < 0) score += weight;
      else if (severity(action_of(config, key)) >= severity(a)) {
        score += weight;
        primary = primary || (is_primary && weight > 0);
      }
    };
    for (const auto& l : v.lists)
      if (l.outcome.listing == dnsbl::Listing::Listed) add(l.weight, l.zone, true);
    for (const auto& s : v.signals) add(s.weight, s.name, !s.supporting);
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
  all.signals.reserve(8);  // more than a client usually gets
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
    v.note = "list score " + std::to_string(v.score) + " reaches the allow threshold " + std::to_string(config.allow_threshold);
    return v;
  }
  v.signals = std::move(evidence.signals);
  v.score += rdns::total(v.signals);
  int primary_hits = 0;
  for (auto& s : v.signals) s.supporting = p.classes.of(s.name) == rdns::Strength::Supporting;
  for_each_hit(v, [&](const std::string&, int, bool primary) { primary_hits += primary; });
  if (v.score >= config.threshold && primary_hits == 0) {  // weak evidence never refuses on its own
    v.note = "score " + std::to_string(v.score) + " from supporting evidence alone: not enough to refuse";
    return v;
  }
  // What decided: each piece of evidence without which the score would have stayed under the
  // threshold, or without which no primary evidence would be left (counted also in a dry run, so
  // that an operator sees what enforcing would do).
  if (v.score >= config.threshold)
    for_each_hit(v, [&](const std::string& key, int weight, bool primary) {
      if (v.score - weight < config.threshold || (primary && primary_hits == 1)) v.decisive.push_back(key);
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
      case config::PolicyAction::Log:
        v.note = "dry run: would reject (" + reason_text(facts, v) + ")";
        return v;
    }
    const bool reject = action == config::PolicyAction::Reject;
    v.action = reject ? Action::Reject : Action::Tempfail;
    const auto& code = reject ? config.reject_code : config.tempfail_code;
    const std::string reason = reason_text(facts, v), ip = facts.ip->to_string(), listed = join_listed(v.lists),
                      score = std::to_string(v.score), txt = listing_text(v);
    const std::string_view hostname = facts.hostname.empty() ? std::string_view("unknown") : facts.hostname;
    const std::string_view bypass = !config.bypass || config.bypass->empty() ? std::string_view("postmaster") : config.bypass->front();
    const ReplyValue values[] = {{"reason", reason}, {"ip", ip},         {"hostname", hostname}, {"list", listed},
                                 {"score", score},   {"bypass", bypass}, {"id", facts.id},       {"txt", txt}};
    // Long values (a 255-character host name, many lists) are cut until the reply fits; the
    // template was checked at load to fit with every value at the shortest of these.
    for (const std::size_t max_value : kReplyValueLimits) {
      v.reply = SmtpReply::make(code.code, code.xcode, without_empty_lines(config.reply_text.render(values, max_value)), nullptr);
      if (v.reply) break;
    }
    if (!v.reply)  // cannot happen after the load-time check; the guidance stays all the same
      v.reply = SmtpReply{code.code, code.xcode,
                          "Your IP address " + facts.ip->to_string() +
                              " appears to be dynamically assigned. Please smarthost your mail through your ISP's mail server."};
    return v;
  }
  if (could_add > 0 && v.score + could_add >= config.threshold &&
      config.on_dns_error == config::DnsErrorAction::Tempfail) {
    v.action = Action::Tempfail;
    v.note = "DNS lookups failed for lists that could have decided";
    v.reply = SmtpReply{"451", "4.7.1", "Temporary DNS failure while checking your IP address; please try again later."};
  }
  return v;
}

namespace {

// "the PTR record's TTL is 300 s, under 43200 s" -> " (300 s)"; "" when the reason names none.
std::string ttl_in(std::string_view reason) {
  for (const std::string_view mark : {"TTL is ", "TTL of "})
    if (const auto at = reason.find(mark); at != std::string_view::npos) {
      const auto from = at + mark.size(), to = reason.find(" s", from);
      if (to != std::string_view::npos) return " (" + std::string(reason.substr(from, to - from)) + " s)";
    }
  return {};
}

// What the sender's admin reads for one signal: plain words about what to fix.
std::string sender_words(const rdns::Signal& s, std::string_view name) {
  const std::string_view n = s.name;
  if (n == "no-ptr") return "no reverse DNS name";
  if (n == "forged") return "reverse DNS name " + std::string(name) + " does not resolve back to your address";
  if (n.rfind("ip-in-name", 0) == 0) return "your address appears in your host name " + std::string(name);
  if (n == "ptr-ttl-short" || n == "a-ttl-short" || n == "mx-ttl-short") return "short DNS TTLs" + ttl_in(s.reason);
  if (n == "helo-ip") return "a HELO that gives an address, not a name";
  if (n == "helo-unresolvable") return "an unresolvable HELO name";
  if (n == "neighbours-pooled") return "neighbouring addresses named like a dynamic pool";
  return "generic reverse DNS name " + std::string(name);  // pool words, a device ID, a rule
}

}  // namespace

std::string reason_text(const ClientFacts& facts, const Verdict& v) {
  // The decisive evidence; when no one piece decides (several would each be enough), the
  // listings, else the first primary signal: one clear thing to fix.
  const rdns::Signal* first_primary = nullptr;
  for (const auto& s : v.signals)
    if (s.weight > 0 && !s.supporting && !first_primary) first_primary = &s;
  const bool any_listed = std::any_of(v.lists.begin(), v.lists.end(), [](const ListResult& l) {
    return l.outcome.listing == dnsbl::Listing::Listed && l.weight > 0;
  });
  auto counts = [&](const std::string& key) {
    if (!v.decisive.empty()) return std::find(v.decisive.begin(), v.decisive.end(), key) != v.decisive.end();
    if (any_listed) return std::any_of(v.lists.begin(), v.lists.end(), [&](const ListResult& l) { return l.zone == key; });
    return first_primary && first_primary->name == key;
  };
  std::string listed;
  for (const auto& l : v.lists)
    if (l.outcome.listing == dnsbl::Listing::Listed && l.weight > 0 && counts(l.zone))
      listed += (listed.empty() ? "listed in " : ", ") + l.zone;
  std::vector<std::string> parts;
  if (!listed.empty()) parts.push_back(std::move(listed));
  const std::string& name = facts.rdns.name.empty() ? facts.hostname : facts.rdns.name;
  for (const auto& s : v.signals) {
    if (s.weight <= 0 || !counts(s.name)) continue;
    auto words = sender_words(s, name);
    if (std::find(parts.begin(), parts.end(), words) == parts.end()) parts.push_back(std::move(words));
  }
  if (parts.empty()) return "score " + std::to_string(v.score);
  std::string out = parts[0];
  for (std::size_t i = 1; i < parts.size(); ++i) out += (i + 1 == parts.size() ? " and " : ", ") + parts[i];
  return out;
}

// "<User@Example.ORG>" -> "user@example.org". A quoted local part is read as RFC 5321 reads it
// ("post\master"@x is postmaster@x), and a source route (<@relay:user@x>) is dropped. Written to
// `out`, which has room for recipient.size() characters (never more are written); returns the length.
static std::size_t normalize_recipient(std::string_view recipient, char* out) {
  std::size_t n = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < recipient.size(); ++i) {
    char c = recipient[i];
    if (c == '<' || c == '>') continue;
    if (c == '"') {
      quoted = !quoted;
      continue;
    }
    if (quoted && c == '\\' && i + 1 < recipient.size()) c = recipient[++i];
    out[n++] = util::ascii_lower(c);
  }
  if (n > 0 && out[0] == '@')
    if (const auto colon = std::string_view(out, n).find(':'); colon != std::string_view::npos) {
      std::memmove(out, out + colon + 1, n - colon - 1);
      n -= colon + 1;
    }
  return n;
}

static std::string normalize_recipient(std::string_view recipient) {
  std::string r(recipient.size(), '\0');
  r.resize(normalize_recipient(recipient, r.data()));
  return r;
}

// postmaster or abuse, in any domain or none (`r` normalized).
static bool role_address(std::string_view r) {
  const auto local = r.substr(0, r.rfind('@'));
  return local == "postmaster" || local == "abuse";
}

std::string_view exempt_recipient(const config::Config& config, std::string_view recipient) {
  char small[256];  // an address of usual length is normalized here, without an allocation
  std::string large;
  char* buffer = recipient.size() <= sizeof small ? small : (large.resize(recipient.size()), large.data());
  const std::string_view r(buffer, normalize_recipient(recipient, buffer));
  if (role_address(r)) return "role";
  if (!config.bypass) return {};
  const auto at = r.rfind('@');
  const std::string_view domain = at == std::string_view::npos ? std::string_view() : r.substr(at);
  for (const auto& b : *config.bypass) {
    const std::string want = normalize_recipient(b);
    if (want == r || (want.front() == '@' && !domain.empty() && domain == want)) return "bypass";
  }
  return {};
}

bool may_tag(const config::Config& config) {
  if (config.action == config::PolicyAction::Tag) return true;
  for (const auto& a : config.action_for)
    if (a.action == config::PolicyAction::Tag) return true;
  return config.rules && config.rules->any_rule_with_action("tag");
}

std::string_view disposition(const Verdict& v) {
  if (v.tag) return "tag";
  if (v.reached && v.action == Action::Accept) return "log";
  return to_string(v.action);
}

std::string tag_header(const ClientFacts& facts, const Verdict& v, int threshold) {
  std::string out = fmt::format("{}; score={}; threshold={}; client={}", v.reached ? "dynamic" : "pass", v.score,
                                threshold, facts.ip ? facts.ip->to_string() : "none");
  std::string listed, signals;
  for (const auto& l : v.lists)
    if (l.outcome.listing == dnsbl::Listing::Listed) listed += (listed.empty() ? "" : ",") + l.zone;
  for (const auto& s : v.signals)
    if (s.weight != 0) signals += fmt::format("{}{}({:+d})", signals.empty() ? "" : ",", s.name, s.weight);
  if (!listed.empty()) out += "; listed=" + listed;
  if (!signals.empty()) out += "; signals=" + signals;
  return sanitize_reply_text(out, 900);
}

bool is_role_recipient(std::string_view recipient) { return role_address(normalize_recipient(recipient)); }

std::string new_incident_id() {
  // 31 characters that cannot be mistaken for one another; each from one random byte below 248
  // (8 x 31, so every character is equally likely), from the per-thread buffer of random bytes
  // (glibc 2.36 makes a getrandom system call per arc4random call).
  static constexpr char kAlphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";
  constexpr unsigned kSize = sizeof kAlphabet - 1, kLimit = 256 / kSize * kSize;
  std::string id;
  unsigned char bytes[12];  // 10 wanted; a byte is refused 8 times in 256 (then 12 more are drawn)
  while (id.size() < 10) {
    util::random_bytes(bytes, sizeof bytes);
    for (const unsigned char b : bytes)
      if (b < kLimit && id.size() < 10) id += kAlphabet[b % kSize];
  }
  return id;
}

std::vector<std::pair<std::string, int>> evidence_hits(const Verdict& v) {
  std::vector<std::pair<std::string, int>> out;
  for_each_hit(v, [&](const std::string& key, int weight, bool) { out.emplace_back(key, weight); });
  return out;
}

std::string log_line(const ClientFacts& facts, const Verdict& verdict, double elapsed_ms, double waited_ms) {
  std::string out = facts.id.empty() ? std::string() : "id=" + facts.id + " ";
  out += fmt::format("client={} name={}", facts.ip ? facts.ip->to_string() : "none",
                     facts.hostname.empty() ? "-" : sanitize_reply_text(facts.hostname, 255));
  for (const auto& l : verdict.lists) {
    out += fmt::format(" list={}:{}", l.zone, dnsbl::to_string(l.outcome.listing));
    if (!l.outcome.codes.empty()) {
      out += "(";
      for (std::size_t i = 0; i < l.outcome.codes.size(); ++i) out += (i ? "," : "") + l.outcome.codes[i].to_string();
      out += ")";
    }
  }
  if (facts.rdns.status != rdns::RdnsStatus::Unknown) out += fmt::format(" rdns={}", rdns::to_string(facts.rdns.status));
  for (const auto& s : verdict.signals)
    if (s.weight != 0) out += fmt::format(" signal={}({:+d})", s.name, s.weight);
  out += fmt::format(" score={} action={}", verdict.score, disposition(verdict));
  if (!verdict.note.empty()) out += fmt::format(" note=\"{}\"", verdict.note);
  for (const auto& l : verdict.lists)
    if (!l.outcome.reason.empty() && l.outcome.listing == dnsbl::Listing::Unknown)
      out += fmt::format(" error[{}]=\"{}\"", l.zone, l.outcome.reason);
  if (!verdict.decisive.empty()) {
    out += " decisive=";
    for (std::size_t i = 0; i < verdict.decisive.size(); ++i) out += (i ? "," : "") + verdict.decisive[i];
  }
  out += fmt::format(" elapsed={:.1f}ms waited={:.1f}ms", elapsed_ms, waited_ms);
  return out;
}

}  // namespace dyn::policy
