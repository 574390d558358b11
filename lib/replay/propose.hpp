// Rules a site learns from its own mail: provider patterns mined from labeled host names.
// Names are grouped by provider (the registrable domain, from the Public Suffix List); for each
// provider with enough dynamic names, their host parts are generalised label by label (fixed
// words, alternatives, digit runs of their lengths, a shared prefix) into a pattern anchored at
// the provider's domain. A pattern is kept only when it matches none of the server names seen
// under that provider, and every pattern refuses to match a host part holding a server word
// (mail, mx, smtp, relay, static, business, ...), whatever the input claimed. Nothing is enabled:
// format_rule_file() writes a rule file, with counts, dates and examples, for the operator to read.
// Pure: names in, rules out; memory bounded by the caps below.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dyn::replay {

struct LabeledName {
  bool dynamic = false;  // else a server
  std::string name;
  std::string first_seen, last_seen;  // as the log wrote them ("" when unknown)
  bool refused_today = false;         // the current configuration already refuses it
};

struct MiningOptions {
  std::size_t min_support = 3;       // distinct dynamic names a rule must cover
  std::size_t max_alternatives = 8;  // more distinct words than this at one place: any word
  int weight = 3;                    // the rules' weight (3 refuses alone at the default threshold)
};

struct ProposedRule {
  std::string name;                   // "mined-ocn-ne-jp-1"
  std::string domain;                 // the provider's registrable domain
  std::string pattern;                // a PCRE2 regex over the whole name
  std::size_t matched = 0;            // labeled dynamic names it matches
  std::size_t adds = 0;               // of them, not refused today: the refusals it would add
  std::vector<std::string> examples;  // matched dynamic names (at most 3)
  std::vector<std::string> nomatch;   // server names of the provider it leaves alone (at most 3)
  std::string first_seen, last_seen;
};

struct ProviderOutcome {
  std::string domain;
  std::size_t dynamic = 0, servers = 0, rules = 0;
  std::string note;  // why it got no rule ("" when it got one)
};

struct Proposal {
  std::vector<ProposedRule> rules;
  std::vector<ProviderOutcome> providers;      // every provider with dynamic names, most names first
  std::size_t names = 0;                       // names read
  std::map<std::string, std::size_t> skipped;  // names set aside, by reason
};

inline constexpr std::size_t kMaxNamesPerProvider = 2000;  // of each label; more are counted, not kept
inline constexpr std::size_t kMaxNamesKept = 500000;       // in all (about 60 MB)
inline constexpr std::size_t kMaxProviders = 100000;
inline constexpr std::size_t kMaxLabels = 12;

// Why a name cannot be mined ("" when it can): too long, too many labels, IDN, all digits, ...
std::string unminable(std::string_view name);

// Names are added one at a time and kept only as far as the caps allow (a name seen again is
// counted, not kept twice), so a log of any size is mined in bounded memory.
class RuleMiner {
 public:
  explicit RuleMiner(MiningOptions options);
  ~RuleMiner();
  RuleMiner(const RuleMiner&) = delete;
  RuleMiner& operator=(const RuleMiner&) = delete;
  void add(const LabeledName& name);
  Proposal finish();

 private:
  struct Providers;
  MiningOptions options_;
  std::unique_ptr<Providers> providers_;
  std::size_t names_ = 0, kept_ = 0;
  std::map<std::string, std::size_t> skipped_;
};

Proposal propose_rules(const std::vector<LabeledName>& names, const MiningOptions& options);

// The rules in rule-file syntax (dynmilter-rules(5)), each with its counts, dates and examples;
// `source` says where the names came from (a comment at the top).
std::string format_rule_file(const Proposal& proposal, std::string_view source, int weight);
// One line per provider: its rules, or why it got none; then the names set aside.
std::string format_summary(const Proposal& proposal);

}  // namespace dyn::replay
