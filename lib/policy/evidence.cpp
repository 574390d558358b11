#include "policy/evidence.hpp"

namespace dyn::policy {

// The sources, each defined in its own file in policy/sources/.
std::unique_ptr<const Source> make_dnsbl_source(const dnsbl::ZoneSpec& list, const config::Config& config);
std::unique_ptr<const Source> make_rdns_facts_source();
std::unique_ptr<const Source> make_name_source();
std::unique_ptr<const Source> make_rules_source();
std::unique_ptr<const Source> make_neighbours_source();
std::unique_ptr<const Source> make_helo_source();
std::unique_ptr<const Source> make_ptr_ttl_source();
std::unique_ptr<const Source> make_duhl_source();

std::vector<std::unique_ptr<const Source>> sources(const config::Config& config) {
  std::vector<std::unique_ptr<const Source>> all;
  for (const auto& list : config.dnsbls) all.push_back(make_dnsbl_source(list, config));
  all.push_back(make_rdns_facts_source());
  all.push_back(make_name_source());
  all.push_back(make_rules_source());
  all.push_back(make_neighbours_source());
  all.push_back(make_helo_source());
  all.push_back(make_ptr_ttl_source());
  all.push_back(make_duhl_source());
  return all;
}

Prepared prepare(const config::Config& config) {
  Prepared p;
  p.sources = sources(config);
  p.weights = rdns::weights_from(config.rdns_weights);
  p.classes = rdns::Classes(config.signal_classes);
  return p;
}

const dns::Answer& Answers::at(Stage stage, std::size_t i) const {
  static const dns::Answer missing = dns::Answer::failure(dns::Status::Timeout, "not asked");
  const auto& set = stage == Stage::Connect ? connect : helo;
  return i < set.size() && set[i] ? *set[i] : missing;
}

void AnswerBook::add(std::span<const dns::Question> questions, std::span<const dns::Answer> answers) {
  static const dns::Answer missing = dns::Answer::failure(dns::Status::Timeout, "no answer within the transaction deadline");
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
