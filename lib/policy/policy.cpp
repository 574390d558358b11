#include "policy/policy.hpp"

#include "net/reverse.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

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
    if (name == d || (name.size() > d.size() && name.compare(name.size() - d.size(), d.size(), d) == 0 &&
                      name[name.size() - d.size() - 1] == '.'))
      return "under allowed domain " + d;
  for (const auto& p : config.allowlist->patterns)
    if (p.pattern.match(name) == rules::MatchResult::Match)
      return "matching allowed pattern /" + p.pattern.source() + "/ (" + p.where + ")";
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

}  // namespace

// With per-list and per-rule actions, the verdict is the strongest action A such that the
// contributions allowed to reach A (their action at least as strong), with every negative
// weight, still reach the threshold. Without any, every contribution has the global action.
config::PolicyAction strongest_action(const config::Config& config, const Verdict& v) {
  struct Part {
    int weight;
    config::PolicyAction action;
  };
  std::vector<Part> parts;
  for (const auto& l : v.lists)
    if (l.outcome.listing == dnsbl::Listing::Listed) parts.push_back({l.weight, action_of(config, l.zone)});
  for (const auto& s : v.signals) parts.push_back({s.weight, action_of(config, s.name)});
  for (auto a : {config::PolicyAction::Reject, config::PolicyAction::Tempfail, config::PolicyAction::Tag}) {
    int score = 0;
    for (const auto& p : parts)
      if (p.weight < 0 || severity(p.action) >= severity(a)) score += p.weight;
    if (score >= config.threshold) return a;
  }
  return config::PolicyAction::Log;
}

std::vector<rdns::Signal> rule_signals(const config::Config& config, const ClientFacts& facts) {
  std::vector<rdns::Signal> out;
  if (!config.rules || config.rules->empty()) return out;
  // The name the rules judge: the verified or PTR name; the MTA's CONNECT name when it sent no
  // macros; none when it found no PTR or failed for now.
  std::string name;
  switch (facts.rdns.status) {
    case rdns::RdnsStatus::Ok:
    case rdns::RdnsStatus::Forged: name = facts.rdns.name; break;
    case rdns::RdnsStatus::Unknown: name = facts.hostname; break;
    case rdns::RdnsStatus::NoPtr:
    case rdns::RdnsStatus::TempFail: return out;
  }
  if (!rdns::plausible_host_name(name)) return out;
  for (const auto& hit : config.rules->evaluate(name, facts.ip))
    out.push_back(rdns::Signal{"rule:" + hit.rule, hit.weight, hit.reason + " (" + hit.where + ")"});
  return out;
}

std::vector<dns::Question> plan(const config::Config& config, const ClientFacts& facts) {
  std::vector<dns::Question> questions;
  if (!facts.ip || exempt(config, facts)) return questions;
  for (const auto& spec : config.dnsbls)
    questions.push_back(dns::Question{net::dnsbl_query_name(*facts.ip, spec.zone), dns::RrType::A});
  return questions;
}

namespace {

bool helo_is_address(std::string_view helo) {
  if (helo.size() > 2 && helo.front() == '[' && helo.back() == ']') {
    auto inner = helo.substr(1, helo.size() - 2);
    if (inner.rfind("IPv6:", 0) == 0 || inner.rfind("ipv6:", 0) == 0) inner.remove_prefix(5);
    return net::IpAddress::parse(inner).has_value();
  }
  return net::IpAddress::parse(helo).has_value();
}

std::vector<rdns::Signal> helo_signals(const rdns::NameWeights& w, std::string_view helo,
                                       const std::vector<dns::Answer>& answers) {
  std::vector<rdns::Signal> out;
  if (helo.empty()) return out;
  if (helo_is_address(helo)) {
    out.push_back(rdns::Signal{"helo-ip", w.helo_ip, "HELO gives an address (" + sanitize_reply_text(helo, 100) + "), not a name"});
    return out;
  }
  if (answers.size() == 2) {
    auto none = [](const dns::Answer& a) { return a.status == dns::Status::NxDomain || a.status == dns::Status::NoData; };
    if (none(answers[0]) && none(answers[1]))
      out.push_back(rdns::Signal{"helo-unresolvable", w.helo_unresolvable,
                                 "the HELO name " + sanitize_reply_text(helo, 100) + " has no address record"});
  }
  return out;
}

}  // namespace

std::vector<dns::Question> plan_helo(const config::Config& config, std::string_view helo) {
  if (helo_is_address(helo) || !rdns::plausible_host_name(helo)) return {};
  if (rdns::weights_from(config.rdns_weights).helo_unresolvable == 0) return {};
  const std::string name = dns::canonical_name(helo);
  return {dns::Question{name, dns::RrType::A}, dns::Question{name, dns::RrType::AAAA}};
}

Verdict decide(const config::Config& config, const ClientFacts& facts, const std::vector<dns::Answer>& answers,
               const dnsbl::HealthMap& health, const std::vector<dns::Answer>& helo_answers) {
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
  int could_add = 0;
  for (std::size_t i = 0; i < config.dnsbls.size(); ++i) {
    const auto& spec = config.dnsbls[i];
    const dns::Answer answer = i < answers.size() ? answers[i] : dns::Answer::failure(dns::Status::Timeout, "not asked");
    ListResult r{spec.safe_name(), net::dnsbl_query_name(*facts.ip, spec.safe_name()), spec.weight, answer.status,
                 dnsbl::interpret(spec, answer)};
    if (auto h = health.find(spec.zone); h != health.end() && h->second.state == dnsbl::Health::Broken) {
      r.outcome.listing = dnsbl::Listing::Unknown;
      r.outcome.transient = false;
      r.outcome.reason = "list marked broken (" + h->second.reason + ")";
    }
    if (r.outcome.listing == dnsbl::Listing::Listed) v.score += spec.weight;
    if (r.outcome.listing == dnsbl::Listing::Unknown && r.outcome.transient && spec.weight > 0) could_add += spec.weight;
    v.lists.push_back(std::move(r));
  }

  if (config.allow_threshold < 0 && v.score <= config.allow_threshold) {
    v.basis = Basis::Allowlisted;
    v.note = "list score " + std::to_string(v.score) + " reaches the allow threshold " + std::to_string(config.allow_threshold);
    return v;
  }
  const auto weights = rdns::weights_from(config.rdns_weights);
  v.signals = rdns::client_signals(facts.rdns, facts.hostname, facts.ip, weights);
  for (auto& s : rule_signals(config, facts)) v.signals.push_back(std::move(s));
  for (auto& s : helo_signals(weights, facts.helo, helo_answers))
    v.signals.push_back(std::move(s));
  const auto min_ttl = std::chrono::duration_cast<std::chrono::seconds>(config.ptr_ttl_min.value).count();
  if (facts.ptr_ttl && *facts.ptr_ttl < min_ttl)
    v.signals.push_back(rdns::Signal{"ptr-ttl-short", weights.ptr_ttl_short,
                                     "the PTR record's TTL is " + std::to_string(*facts.ptr_ttl) + " s, under " +
                                         std::to_string(min_ttl) + " s"});
  v.score += rdns::total(v.signals);

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
    const std::string text = config.reply_text.render({
        {"reason", reason_text(facts, v)},
        {"ip", facts.ip->to_string()},
        {"hostname", facts.hostname.empty() ? "unknown" : facts.hostname},
        {"list", join_listed(v.lists)},
        {"score", std::to_string(v.score)},
        {"bypass", !config.bypass || config.bypass->empty() ? std::string("postmaster") : config.bypass->front()},
        {"id", facts.id},
    });
    std::string error;
    v.reply = SmtpReply::make(code.code, code.xcode, text, &error);
    if (!v.reply)  // a template is checked at load, so this means rendered text broke a limit
      v.reply = SmtpReply{code.code, code.xcode, "Your IP address appears to be dynamically assigned."};
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

std::string reason_text(const ClientFacts& facts, const Verdict& v) {
  if (const auto listed = join_listed(v.lists); !listed.empty()) return "listed in " + listed;
  std::string name = facts.rdns.name.empty() ? facts.hostname : facts.rdns.name;
  for (const auto& s : v.signals) {
    if (s.weight <= 0) continue;
    if (s.name == "no-ptr") return "no reverse DNS name";
    if (s.name == "forged") return "reverse DNS name " + name + " does not resolve back to it";
  }
  for (const auto& s : v.signals)
    if (s.weight > 0) return "generic reverse DNS name " + name;
  return "score " + std::to_string(v.score);
}

// "<User@Example.ORG>" -> "user@example.org".
static std::string normalize_recipient(std::string_view recipient) {
  std::string r;
  for (char c : recipient)
    if (c != '<' && c != '>') r += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

std::string_view exempt_recipient(const config::Config& config, std::string_view recipient) {
  if (is_role_recipient(recipient)) return "role";
  const std::string r = normalize_recipient(recipient);
  const auto at = r.rfind('@');
  if (!config.bypass) return {};
  for (const auto& b : *config.bypass) {
    const std::string want = normalize_recipient(b);
    if (want == r || (want.front() == '@' && at != std::string::npos && r.substr(at) == want)) return "bypass";
  }
  return {};
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

bool is_role_recipient(std::string_view recipient) {
  const std::string r = normalize_recipient(recipient);
  const auto at = r.rfind('@');
  const std::string local = r.substr(0, at);
  return local == "postmaster" || local == "abuse";
}

std::string new_incident_id() {
  static constexpr char kAlphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";
  std::string id;
  for (int i = 0; i < 10; ++i) id += kAlphabet[::arc4random_uniform(sizeof kAlphabet - 1)];
  return id;
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
  out += fmt::format(" elapsed={:.1f}ms waited={:.1f}ms", elapsed_ms, waited_ms);
  return out;
}

}  // namespace dyn::policy
