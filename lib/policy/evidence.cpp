#include "policy/evidence.hpp"

namespace dyn::policy {

// The sources, each defined in its own file in policy/sources/: how to make it, and the signals
// it declares. The lists come first (one source per --dnsbl, their evidence is a listing, not a
// signal), then these, in the order their evidence is shown.
#define DYN_SOURCE(x)                                \
  std::unique_ptr<const Source> make_##x##_source(); \
  std::span<const SignalSpec> x##_signals()
DYN_SOURCE(rdns_facts);
DYN_SOURCE(name);
DYN_SOURCE(rules);
DYN_SOURCE(neighbours);
DYN_SOURCE(helo);
DYN_SOURCE(ptr_ttl);
DYN_SOURCE(duhl);
#undef DYN_SOURCE
std::unique_ptr<const Source> make_dnsbl_source(const dnsbl::ZoneSpec& list, const config::Config& config);

namespace {
struct Kind {
  std::unique_ptr<const Source> (*make)();
  std::span<const SignalSpec> (*signals)();
};
constexpr Kind kKinds[] = {
    {make_rdns_facts_source, rdns_facts_signals},
    {make_name_source, name_signals},
    {make_rules_source, rules_signals},
    {make_neighbours_source, neighbours_signals},
    {make_helo_source, helo_signals},
    {make_ptr_ttl_source, ptr_ttl_signals},
    {make_duhl_source, duhl_signals},
};
}  // namespace

std::span<const SignalSpec* const> declared_signals() {
  static const std::vector<const SignalSpec*> all = [] {
    std::vector<const SignalSpec*> out;
    for (const auto& k : kKinds)
      for (const auto& s : k.signals()) out.push_back(&s);
    return out;
  }();
  return all;
}

std::vector<std::unique_ptr<const Source>> sources(const config::Config& config) {
  std::vector<std::unique_ptr<const Source>> all;
  for (const auto& list : config.dnsbls) all.push_back(make_dnsbl_source(list, config));
  for (const auto& k : kKinds) all.push_back(k.make());
  return all;
}

PreparedConfig::PreparedConfig(std::shared_ptr<const config::Config> c)
    : config(std::move(c)), prepared(prepare(*config)) {
  if (!config->domain_policies) return;
  for (const auto& p : *config->domain_policies) {
    auto variant = std::make_shared<config::Config>(*config);
    variant->domain_policies = std::make_shared<std::vector<config::DomainPolicy>>();  // no tables inside tables
    if (p.action) variant->action = *p.action;
    if (p.threshold) variant->threshold = *p.threshold;
    if (p.reply_text) variant->reply_text = *p.reply_text;
    domain_configs.push_back(std::move(variant));
  }
}

Prepared prepare(const config::Config& config) {
  Prepared p;
  p.sources = sources(config);
  p.weights = Weights(config.rdns_weights);
  p.classes = Classes(config.signal_classes);
  return p;
}

const dns::Answer& Answers::at(Stage stage, std::size_t i) const {
  static const dns::Answer missing = dns::Answer::failure(dns::Status::Timeout, "not asked");
  const auto& set = stage == Stage::Connect ? connect : helo;
  return i < set.size() && set[i] ? *set[i] : missing;
}

void AnswerBook::add(std::span<const dns::Question> questions, std::span<const dns::Answer> answers) {
  static const dns::Answer missing =
      dns::Answer::failure(dns::Status::Timeout, "no answer within the transaction deadline");
  for (std::size_t i = 0; i < questions.size(); ++i)
    entries_.push_back(Entry{&questions[i], i < answers.size() ? &answers[i] : &missing});
}

const dns::Answer* AnswerBook::find(const dns::Question& q) const {
  for (const auto& e : entries_)
    if (e.question->type == q.type && e.question->name == q.name) return e.answer;
  return nullptr;
}

const std::string& judged_name(const ClientFacts& facts) {
  static const std::string kNone;
  switch (facts.rdns.status) {
    case rdns::RdnsStatus::Ok:
    case rdns::RdnsStatus::Forged: return facts.rdns.name;
    case rdns::RdnsStatus::Unknown: return facts.hostname;
    case rdns::RdnsStatus::NoPtr:
    case rdns::RdnsStatus::TempFail: return kNone;
  }
  return kNone;
}

}  // namespace dyn::policy
