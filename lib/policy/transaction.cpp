#include "policy/transaction.hpp"

#include "net/reverse.hpp"

#include <algorithm>
#include <utility>

namespace dyn::policy {

namespace {
const std::vector<dns::Answer> kNoAnswers;  // confirmation without forward answers

bool contains(const std::vector<dns::Question>& in, const dns::Question& q) {
  return std::find(in.begin(), in.end(), q) != in.end();
}
}  // namespace

Transaction::Transaction(std::shared_ptr<const config::Config> config, ClientFacts facts, dns::Querier& querier,
                         const dnsbl::HealthBoard* health)
    : Transaction(std::make_shared<const PreparedConfig>(std::move(config)), std::move(facts), querier, health) {}

Transaction::Transaction(std::shared_ptr<const PreparedConfig> policy, ClientFacts facts, dns::Querier& querier,
                         const dnsbl::HealthBoard* health)
    : policy_(std::move(policy)),
      config_(*policy_->config),
      prepared_(policy_->prepared),
      facts_(std::move(facts)),
      started_(dns::Clock::now()),
      deadline_(started_ + config_.dns_timeout.value),
      health_(health),
      querier_(querier) {
  // Each source (a list, the PTR, the HELO name) gets at most --dnsbl-timeout, inside the deadline.
  source_deadline_ = deadline_;
  if (config_.dnsbl_timeout.value.count() > 0)
    source_deadline_ = std::min(deadline_, started_ + config_.dnsbl_timeout.value);
  if (!checked(config_, facts_)) return;  // exempt or address-less: nothing to ask, now or at HELO
  checked_ = true;
  // Only a name the MTA verified is settled; "unknown", FAIL, TEMP or FORGED may be a failure
  // of the MTA's own lookup (Postfix says "unknown" for a missing PTR and a temporary failure
  // alike), so our own lookup decides, and a failure of ours never counts.
  settled_ = facts_.rdns.status == rdns::RdnsStatus::Ok;
  if (!settled_) mta_rdns_ = std::exchange(facts_.rdns, rdns::RdnsFacts{});
  const auto& w = prepared_.weights;
  dns::Question ptr{net::ptr_name(*facts_.ip), dns::RrType::PTR};
  if (settled_) {  // the usual case with Postfix and Sendmail: one batch for everything
    auto questions = plan(config_, facts_, &prepared_);
    planned_connect_ = true;
    const bool want_ptr = w.of("ptr-ttl-short") != 0 || w.of("mx-confirmed") != 0;  // our own PTR, for its TTL
    if (want_ptr) {
      ptr_index_ = questions.size();
      questions.push_back(std::move(ptr));
    }
    if (questions.empty()) return;
    batches_.push_back({dns::Batch::start(querier, std::move(questions), source_deadline_), Stage::Connect});
    if (want_ptr) ptr_batch_ = batches_.back().batch;
    return;
  }
  ptr_batch_ = dns::Batch::start(querier, {std::move(ptr)}, source_deadline_);
  batches_.push_back({ptr_batch_, Stage::Connect});
  // Asked ahead: what the sources need whatever the name turns out to be (the lists).
  ask(plan(config_, facts_, &prepared_), source_deadline_, Stage::Connect);
  advance(false);  // a cached PTR settles the names at once
}

dns::Deadline Transaction::late_deadline() const {
  return std::min(deadline_, dns::Clock::now() + (source_deadline_ - started_));
}

void Transaction::ask(std::vector<dns::Question> wanted, dns::Deadline until, Stage stage) {
  // The questions to ask now are gathered at the front of `wanted`, each once: wanted[0, fresh).
  std::size_t fresh = 0;
  for (std::size_t k = 0; k < wanted.size(); ++k) {
    const bool asked = std::any_of(batches_.begin(), batches_.end(),
                                   [&](const Asked& a) { return contains(a.batch->questions(), wanted[k]); }) ||
                       std::find(wanted.begin(), wanted.begin() + static_cast<std::ptrdiff_t>(fresh), wanted[k]) !=
                           wanted.begin() + static_cast<std::ptrdiff_t>(fresh);
    if (asked) continue;
    if (k != fresh) wanted[fresh] = std::move(wanted[k]);
    ++fresh;
  }
  wanted.erase(wanted.begin() + static_cast<std::ptrdiff_t>(fresh), wanted.end());
  if (!wanted.empty()) batches_.push_back({dns::Batch::start(querier_, std::move(wanted), until), stage});
}

void Transaction::take_ptr(const dns::Answer& ptr) {
  if (ptr_taken_) return;
  ptr_taken_ = true;
  if (health_) health_->note_lookup(ptr.status);
  if (ptr.status == dns::Status::Ok && !ptr.records.empty()) {
    std::uint32_t ttl = UINT32_MAX;
    for (const auto& r : ptr.records) ttl = std::min(ttl, r.ttl);
    facts_.ptr_ttl = ttl;
  }
}

bool Transaction::settle(bool block) {
  if (settled_) return true;
  if (!block && !ptr_batch_->done()) return false;
  const auto& ptr = ptr_batch_->wait_until(source_deadline_)[ptr_index_];
  take_ptr(ptr);
  if (ptr.status == dns::Status::Ok && !ptr.records.empty() && !forward_batch_) {
    // The second step of forward confirmation gets what is left of the PTR's budget.
    forward_until_ =
        std::min(deadline_, std::max(source_deadline_, dns::Clock::now() + std::chrono::milliseconds(100)));
    const std::string& name = ptr.records.front().value;
    forward_batch_ = dns::Batch::start(querier_, {{name, dns::RrType::A}, {name, dns::RrType::AAAA}}, forward_until_);
    batches_.push_back({forward_batch_, Stage::Connect});
  }
  if (forward_batch_ && !block && !forward_batch_->done()) return false;
  const auto& forward = forward_batch_ ? forward_batch_->wait_until(forward_until_) : kNoAnswers;
  if (health_ && !forward.empty())
    health_->note_lookup(forward[0].status == dns::Status::Ok ? forward[0].status : forward[1].status);
  auto own = rdns::confirm(ptr, forward, *facts_.ip);
  // "It does not exist" is believed only from a resolver that is believed, and only while it was
  // recently seen to answer a name that exists (a freshness check, shared with the connections
  // that need one meanwhile): a resolver that begins to lie mid-run costs a refusal or two at
  // most, not every client until the next probe.
  const bool negative = own.status == rdns::RdnsStatus::NoPtr || own.status == rdns::RdnsStatus::Forged;
  bool believed = !negative || !health_ || health_->resolver().sane;
  if (negative && believed && health_) {
    if (!check_asked_) {
      check_asked_ = true;
      check_ = health_->freshness_check();
    }
    if (check_ && !block && !check_->done()) return false;
    if (check_) {
      const auto until =
          std::min(deadline_, std::max(source_deadline_, dns::Clock::now() + std::chrono::milliseconds(100)));
      believed = health_->take_check(check_, until);
      check_.reset();
    }
  }
  if (!believed) own = rdns::RdnsFacts{rdns::RdnsStatus::TempFail, ""};
  // Our lookup failed: unknown. When the MTA sent no reverse-DNS macros at all, its CONNECT
  // name is judged (judged_name()); when it said something, that is only a failure we share.
  if (own.status == rdns::RdnsStatus::Unknown && mta_rdns_.status != rdns::RdnsStatus::Unknown)
    own.status = rdns::RdnsStatus::TempFail;
  facts_.rdns = std::move(own);
  settled_ = true;
  return true;
}

void Transaction::advance(bool block) {
  if (!checked_ || !settle(block)) return;
  if (!planned_connect_) {
    planned_connect_ = true;
    ask(plan(config_, facts_, &prepared_), late_deadline(), Stage::Connect);
  }
  if (!planned_helo_ && !facts_.helo.empty()) {
    planned_helo_ = true;
    ask(plan_helo(config_, facts_, &prepared_), late_deadline(), Stage::Helo);
  }
}

void Transaction::helo(std::string_view name, dns::Querier&) {
  if (verdict_) return;
  facts_.helo = std::string(name.substr(0, 255));
  // A second HELO (after STARTTLS, or a client that repeats itself) replaces the first: its
  // lookups are dropped (they may still fill the cache), so a flood of HELOs holds one set.
  batches_.erase(
      std::remove_if(batches_.begin(), batches_.end(), [](const Asked& a) { return a.stage == Stage::Helo; }),
      batches_.end());
  planned_helo_ = false;
  advance(false);
}

const Verdict& Transaction::verdict() {
  if (!verdict_) {
    const auto asked = dns::Clock::now();
    advance(true);
    AnswerBook& book = book_;
    for (const auto& b : batches_) book.add(b.batch->questions(), b.batch->wait_until(deadline_));
    if (ptr_batch_) take_ptr(ptr_batch_->wait_until(deadline_)[ptr_index_]);
    // The resolver is not believed (it answers NXDOMAIN or an address for everything): what the
    // client's names say, from the MTA's lookups or ours, is unknown, never evidence against it.
    if (health_ && !health_->resolver().sane) {
      facts_.rdns = rdns::RdnsFacts{rdns::RdnsStatus::TempFail, ""};
      facts_.ptr_ttl.reset();
      book.distrust_helo();
    }
    static const dnsbl::HealthMap kNone;
    const auto health = health_ ? health_->snapshot() : nullptr;
    health_seen_ = health;
    verdict_ = decide(config_, facts_, book, health ? *health : kNone, &prepared_);
    // What each list said about this client, for its listing-rate guard (the lists follow
    // config.dnsbls; the board knows them by their full zone).
    if (health_ && facts_.ip && verdict_->lists.size() == config_.dnsbls.size())
      for (std::size_t i = 0; i < verdict_->lists.size(); ++i)
        if (const auto l = verdict_->lists[i].outcome.listing; l != dnsbl::Listing::Unknown)
          health_->note_listing(config_.dnsbls[i].zone, *facts_.ip, l == dnsbl::Listing::Listed);
    decided_at_ = dns::Clock::now();
    waited_ = decided_at_ - asked;
  }
  return *verdict_;
}

const Verdict* Transaction::verdict_for(std::string_view recipient, const config::DomainPolicy** entry) {
  const auto* p = domain_policy(config_, recipient);
  if (entry) *entry = p;
  if (!p) return &verdict();
  if (p->off) return nullptr;
  const Verdict& base = verdict();
  const auto index = static_cast<std::size_t>(p - config_.domain_policies->data());
  if (index >= policy_->domain_configs.size()) return &base;  // cannot happen: built from the same table
  for (const auto& [i, v] : domain_verdicts_)
    if (i == index) return &v;
  static const dnsbl::HealthMap kNone;
  domain_verdicts_.emplace_back(
      index, decide(*policy_->domain_configs[index], facts_, book_, health_seen_ ? *health_seen_ : kNone, &prepared_));
  return &domain_verdicts_.back().second;
}

double Transaction::elapsed_ms() const {
  const auto end = verdict_ ? decided_at_ : dns::Clock::now();
  return std::chrono::duration<double, std::milli>(end - started_).count();
}

double Transaction::waited_ms() const { return std::chrono::duration<double, std::milli>(waited_).count(); }

}  // namespace dyn::policy
