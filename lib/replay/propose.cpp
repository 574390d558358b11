#include "replay/propose.hpp"

#include "rdns/name_words.hpp"
#include "rules/pattern.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <unordered_map>

namespace dyn::replay {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

std::vector<std::string> labels_of(std::string_view host) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= host.size()) {
    auto dot = host.find('.', start);
    if (dot == std::string_view::npos) dot = host.size();
    out.emplace_back(host.substr(start, dot - start));
    start = dot + 1;
  }
  return out;
}

std::string escape(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') out += '\\';
    out += c;
  }
  return out;
}

bool letters_only(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// A label as runs: letters ("L"), digits ("D"), or one separator character.
struct Run {
  char kind;  // 'L', 'D' or the separator itself
  std::string text;
};
std::vector<Run> runs_of(std::string_view label) {
  std::vector<Run> out;
  for (const char c : label) {
    const char kind = (c >= 'a' && c <= 'z') ? 'L' : (c >= '0' && c <= '9') ? 'D' : c;
    if (!out.empty() && out.back().kind == kind && (kind == 'L' || kind == 'D'))
      out.back().text += c;
    else
      out.push_back({kind, std::string(1, c)});
  }
  return out;
}
std::string kinds_of(const std::vector<Run>& runs) {
  std::string k;
  for (const auto& r : runs) k += r.kind;
  return k;
}

std::string length_range(std::size_t lo, std::size_t hi) {
  return lo == hi ? fmt::format("{{{}}}", lo) : fmt::format("{{{},{}}}", lo, hi);
}

// How long a run may be, from the lengths seen: address octets and short numbers take 1 to 3
// digits whatever was seen; longer runs and words a little either side of what was seen.
std::string digits_regex(std::size_t lo, std::size_t hi) {
  if (hi <= 3) return "[0-9]{1,3}";
  return "[0-9]" + length_range(std::max<std::size_t>(1, lo - 1), hi + 1);
}
std::string letters_regex(std::size_t lo, std::size_t hi) {
  return "[a-z]" + length_range(std::max<std::size_t>(1, lo > 2 ? lo - 2 : 1), hi + 3);
}

// Words seen at one place: the word itself; a few alternatives when they repeat (a provider's
// fixed words: "dynamicip", "pooles"); any word of about those lengths when most are different
// (a town, a letter: the part that varies from customer to customer).
std::string words_regex(const std::vector<std::string_view>& words, std::size_t max_alternatives) {
  std::set<std::string_view> distinct(words.begin(), words.end());
  if (distinct.size() == 1) return escape(*distinct.begin());
  std::size_t lo = SIZE_MAX, hi = 0;
  for (const auto w : distinct) lo = std::min(lo, w.size()), hi = std::max(hi, w.size());
  const bool varies = distinct.size() * 2 > words.size() || distinct.size() > max_alternatives;
  if (varies) return letters_regex(lo, hi);
  std::string out = "(?:";
  bool first = true;
  for (const auto w : distinct) {
    out += (first ? "" : "|") + escape(w);
    first = false;
  }
  return out + ")";
}

// One label position of a group of names, generalised.
std::string label_regex(const std::vector<std::string_view>& values, std::size_t max_alternatives) {
  if (std::all_of(values.begin(), values.end(), [](std::string_view v) { return letters_only(v); }))
    return words_regex(values, max_alternatives);
  // The same runs everywhere ("p", digits, "-", "ipxg", ...): run by run.
  std::vector<std::vector<Run>> runs;
  for (const auto v : values) runs.push_back(runs_of(v));
  const std::string kinds = kinds_of(runs.front());
  if (std::all_of(runs.begin(), runs.end(), [&](const auto& r) { return kinds_of(r) == kinds; })) {
    std::string out;
    for (std::size_t i = 0; i < kinds.size(); ++i) {
      std::vector<std::string_view> at;
      for (const auto& r : runs) at.push_back(r[i].text);
      if (kinds[i] == 'L') {
        out += words_regex(at, max_alternatives);
      } else if (kinds[i] == 'D') {
        std::size_t lo = SIZE_MAX, hi = 0;
        for (const auto t : at) lo = std::min(lo, t.size()), hi = std::max(hi, t.size());
        out += digits_regex(lo, hi);
      } else {
        out += escape(std::string(1, kinds[i]));
      }
    }
    return out;
  }
  // Otherwise: the letters they all start with (two or more: one letter says little), then
  // letters, digits and '-' of about the lengths seen.
  std::string_view prefix = values.front();
  for (const auto v : values) {
    std::size_t n = 0;
    while (n < prefix.size() && n < v.size() && prefix[n] == v[n]) ++n;
    prefix = prefix.substr(0, n);
  }
  while (!prefix.empty() && !(prefix.back() >= 'a' && prefix.back() <= 'z')) prefix.remove_suffix(1);
  if (prefix.size() < 2) prefix = {};
  std::size_t lo = SIZE_MAX, hi = 0;
  for (const auto v : values) lo = std::min(lo, v.size() - prefix.size()), hi = std::max(hi, v.size() - prefix.size());
  return escape(prefix) + "[a-z0-9_-]" + length_range(std::max<std::size_t>(1, lo > 2 ? lo - 2 : 1), hi + 4);
}

// The host part never holds a server word: (?!...) before the labels.
std::string server_word_guard(std::string_view domain) {
  std::string words;
  for (const char* w : rdns::server_words()) words += (words.empty() ? "" : "|") + std::string(w);
  return "(?!(?:.*[^a-z])?(?:" + words + ")(?![a-z]).*\\." + escape(domain) + "$)";
}

struct Seen {  // what is kept of a dynamic host part
  std::string first_seen, last_seen;
  bool refused_today = false;
};
struct Provider {
  std::vector<std::string> dynamic_hosts, server_hosts;  // host parts, distinct, capped
  std::unordered_map<std::string, Seen> dynamic_seen;    // by host part
  std::set<std::string> servers_seen;
  std::size_t dynamic = 0, servers = 0;  // names counted (repeats too)
};

std::string rule_name(std::string_view domain, std::size_t n) {
  std::string out = "mined-";
  for (const char c : domain) out += c == '.' ? '-' : c;
  return out + "-" + std::to_string(n);
}

}  // namespace

std::string unminable(std::string_view raw) {
  if (raw.empty()) return "empty";
  if (raw.size() > 253) return "longer than 253 characters";
  const std::string name = lower(raw);
  for (const char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
      return "not a host name (a character outside letters, digits, '-', '_', '.')";
  const auto labels = labels_of(name);
  if (labels.size() > kMaxLabels) return "more than 12 labels";
  bool all_digits = true;
  for (const auto& l : labels) {
    if (l.empty() || l.size() > 63) return "an empty label or one over 63 characters";
    if (l.starts_with("xn--")) return "an international (punycode) name";
    if (l.find_first_not_of("0123456789") != std::string::npos) all_digits = false;
  }
  if (all_digits) return "all-digit labels (an address, not a name)";
  if (name.ends_with(".arpa")) return "a reverse-DNS zone name";
  const auto domain = rdns::registrable_domain(name);
  if (domain.find('.') == std::string::npos) return "no provider domain";
  if (domain.size() >= name.size()) return "no host part (the name is the provider's domain)";
  return {};
}

struct RuleMiner::Providers {
  std::map<std::string, Provider> by_domain;
};

RuleMiner::RuleMiner(MiningOptions options) : options_(options) {}
RuleMiner::~RuleMiner() = default;

void RuleMiner::add(const LabeledName& n) {
  if (!providers_) providers_ = std::make_unique<Providers>();
  auto& providers = providers_->by_domain;
  ++names_;
  if (const auto why = unminable(n.name); !why.empty()) {
    ++skipped_[why];
    return;
  }
  const std::string name = lower(n.name);
  const auto domain = rdns::registrable_domain(name);
  auto it = providers.find(domain);
  if (it == providers.end()) {
    if (providers.size() >= kMaxProviders) {
      ++skipped_["over the cap of providers"];
      return;
    }
    it = providers.emplace(domain, Provider{}).first;
  }
  Provider& p = it->second;
  std::string host = name.substr(0, name.size() - domain.size() - 1);
  const bool room = kept_ < kMaxNamesKept;
  if (!n.dynamic) {
    ++p.servers;
    if (room && p.server_hosts.size() < kMaxNamesPerProvider && p.servers_seen.insert(host).second) {
      p.server_hosts.push_back(std::move(host));
      ++kept_;
    }
    return;
  }
  ++p.dynamic;
  if (auto s = p.dynamic_seen.find(host); s != p.dynamic_seen.end()) {
    if (!n.first_seen.empty() && (s->second.first_seen.empty() || n.first_seen < s->second.first_seen))
      s->second.first_seen = n.first_seen;
    if (n.last_seen > s->second.last_seen) s->second.last_seen = n.last_seen;
    return;
  }
  if (!room || p.dynamic_hosts.size() >= kMaxNamesPerProvider) return;
  p.dynamic_seen.emplace(host, Seen{n.first_seen, n.last_seen, n.refused_today});
  p.dynamic_hosts.push_back(std::move(host));
  ++kept_;
}

Proposal propose_rules(const std::vector<LabeledName>& names, const MiningOptions& options) {
  RuleMiner miner(options);
  for (const auto& n : names) miner.add(n);
  return miner.finish();
}

Proposal RuleMiner::finish() {
  Proposal out;
  out.names = names_;
  out.skipped = skipped_;
  if (!providers_) return out;
  const MiningOptions& options = options_;
  for (auto& entry : providers_->by_domain) {
    const std::string& domain = entry.first;  // (not a structured binding: the lambdas below use it)
    Provider& p = entry.second;
    if (p.dynamic == 0) continue;
    ProviderOutcome outcome{domain, p.dynamic, p.servers, 0, {}};
    if (p.dynamic_hosts.size() < options.min_support) {
      outcome.note = fmt::format("{} distinct dynamic names, fewer than the {} a rule needs", p.dynamic_hosts.size(),
                                 options.min_support);
      out.providers.push_back(std::move(outcome));
      continue;
    }
    const std::string guard = server_word_guard(domain), tail = "\\." + escape(domain) + "$";
    auto compile = [&](const std::string& regex) {
      return rules::Pattern::compile(regex, rules::PatternOptions{}, nullptr);
    };
    auto clashes = [&](const rules::Pattern& pat, std::string* example) {
      for (const auto& s : p.server_hosts)
        if (pat.match(s + "." + domain) == rules::MatchResult::Match) {
          *example = s + "." + domain;
          return true;
        }
      return false;
    };
    // Groups: by the number of labels; a group whose pattern covers a server name is split by the
    // shape of its labels (their runs of letters, digits and separators) and tried again.
    std::map<std::size_t, std::vector<std::string>> by_count;
    for (const auto& h : p.dynamic_hosts) by_count[labels_of(h).size()].push_back(h);
    std::vector<std::vector<std::string>> groups;
    std::string clash_example;
    std::set<std::string> made;
    auto induce = [&](const std::vector<std::string>& hosts) {
      std::vector<std::vector<std::string>> split;
      for (const auto& h : hosts) split.push_back(labels_of(h));
      std::string regex = "^" + guard;
      for (std::size_t i = 0; i < split.front().size(); ++i) {
        std::vector<std::string_view> values;
        for (const auto& l : split) values.push_back(l[i]);
        regex += (i ? "\\." : "") + label_regex(values, options.max_alternatives);
      }
      return regex + tail;
    };
    auto accept = [&](const std::string& regex, const rules::Pattern& pat) {
      if (!made.insert(regex).second) return;
      ProposedRule r;
      r.name = rule_name(domain, ++outcome.rules);
      r.domain = domain;
      r.pattern = regex;
      for (const auto& h : p.dynamic_hosts) {
        if (pat.match(h + "." + domain) != rules::MatchResult::Match) continue;
        const Seen& src = p.dynamic_seen.at(h);
        ++r.matched;
        if (!src.refused_today) ++r.adds;
        if (r.examples.size() < 3) r.examples.push_back(h + "." + domain);
        if (!src.first_seen.empty() && (r.first_seen.empty() || src.first_seen < r.first_seen))
          r.first_seen = src.first_seen;
        if (src.last_seen > r.last_seen) r.last_seen = src.last_seen;
      }
      for (const auto& s : p.server_hosts)
        if (r.nomatch.size() < 3) r.nomatch.push_back(s + "." + domain);
      out.rules.push_back(std::move(r));
    };
    // A candidate becomes a rule unless it covers a server name (then kept as the example of why not).
    auto try_rule = [&](const std::string& regex) {
      auto pat = compile(regex);
      std::string example;
      if (pat && !clashes(*pat, &example)) {
        accept(regex, *pat);
        return true;
      }
      if (!example.empty()) clash_example = example;
      return false;
    };
    for (auto& [count, hosts] : by_count) {
      if (hosts.size() < options.min_support) continue;
      if (try_rule(induce(hosts))) continue;
      std::map<std::string, std::vector<std::string>> by_shape;
      for (const auto& h : hosts) {
        std::string shape;
        for (const auto& l : labels_of(h)) shape += kinds_of(runs_of(l)) + ".";
        by_shape[shape].push_back(h);
      }
      for (const auto& [shape, sub] : by_shape)
        if (sub.size() >= options.min_support) try_rule(induce(sub));
    }
    // Names no rule covers yet, grouped by the label next to the provider's domain ("ap" in
    // fp96936df3.ap.nuro.jp and fs276ec80e.tkyc203.ap.nuro.jp): their first label generalised,
    // any labels between, then that label.
    std::vector<rules::Pattern> made_patterns;
    for (const auto& r : out.rules)
      if (r.domain == domain)
        if (auto pat = compile(r.pattern)) made_patterns.push_back(*pat);
    std::map<std::string, std::vector<std::string>> by_last;
    for (const auto& h : p.dynamic_hosts) {
      const auto labels = labels_of(h);
      if (labels.size() < 2) continue;
      const std::string whole = h + "." + domain;
      if (std::any_of(made_patterns.begin(), made_patterns.end(),
                      [&](const rules::Pattern& m) { return m.match(whole) == rules::MatchResult::Match; }))
        continue;
      by_last[labels.back()].push_back(h);
    }
    for (const auto& [last, hosts] : by_last) {
      if (hosts.size() < options.min_support) continue;
      std::vector<std::string_view> firsts;
      for (const auto& h : hosts) firsts.push_back(std::string_view(h).substr(0, h.find('.')));
      try_rule("^" + guard + label_regex(firsts, options.max_alternatives) + "(?:\\.[a-z0-9_-]{1,63}){0,4}\\." +
               escape(last) + tail);
    }
    if (outcome.rules == 0)
      outcome.note =
          !clash_example.empty()
              ? "its dynamic and server names share one shape (a pattern would cover the server " + clash_example + ")"
              : fmt::format("no {} of its dynamic names share a shape", options.min_support);
    out.providers.push_back(std::move(outcome));
  }
  std::stable_sort(out.providers.begin(), out.providers.end(),
                   [](const ProviderOutcome& a, const ProviderOutcome& b) { return a.dynamic > b.dynamic; });
  return out;
}

std::string format_rule_file(const Proposal& proposal, std::string_view source, int weight) {
  std::string out = fmt::format(
      "# Rules mined by dynmilter-replay --propose-rules from {}.\n"
      "# Nothing here is in effect until you include it (rules = THIS FILE). Read each rule: its pattern\n"
      "# covers the dynamic names shown and none of the server names seen under the same provider.\n"
      "# Try them first without refusing anyone: action-for = rule:NAME=log (dynmilter.conf(5)).\n"
      "# {} rules from {} names.\n",
      source, proposal.rules.size(), proposal.names);
  for (const auto& r : proposal.rules) {
    out += fmt::format("\n[{}]\n", r.name);
    out += fmt::format("# {} dynamic names of {} matched, {} of them not refused today", r.matched, r.domain, r.adds);
    if (!r.first_seen.empty()) out += fmt::format("; seen {} to {}", r.first_seen, r.last_seen);
    out += "\n";
    out += fmt::format("pattern = /{}/\n", r.pattern);
    out += fmt::format("weight  = {}\n", weight);
    out += fmt::format("reason  = named like the dynamic lines of {} seen here{}\n", r.domain,
                       r.examples.empty() ? "" : " (e.g. " + r.examples.front() + ")");
    for (const auto& e : r.examples) out += "match   = " + e + "\n";
    for (const auto& e : r.nomatch) out += "nomatch = " + e + "\n";
  }
  return out;
}

std::string format_summary(const Proposal& proposal) {
  std::string out = fmt::format("{} names read, {} rules proposed for {} providers with dynamic names\n",
                                proposal.names, proposal.rules.size(), proposal.providers.size());
  for (const auto& p : proposal.providers)
    out += fmt::format("  {:<32} dynamic {:>6}  servers {:>6}  {}\n", p.domain, p.dynamic, p.servers,
                       p.rules ? fmt::format("{} rule{}", p.rules, p.rules > 1 ? "s" : "") : "no rule: " + p.note);
  for (const auto& [why, n] : proposal.skipped)
    out += fmt::format("  set aside: {} name{}: {}\n", n, n > 1 ? "s" : "", why);
  return out;
}

}  // namespace dyn::replay
