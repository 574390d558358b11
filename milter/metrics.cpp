#include "metrics.hpp"

#include "protocol_guard.hpp"

#include "daemon.hpp"

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <atomic>

namespace dyn::milter {

namespace pm = prometheus;

std::string_view verdict_reason(const policy::Verdict& v) {
  switch (v.basis) {
    case policy::Basis::NoAddress: return "no-address";
    case policy::Basis::ExemptNetwork: return "exempt-network";
    case policy::Basis::Allowlisted: return "allowlisted";
    case policy::Basis::Scored: break;
  }
  if (v.surge_deferred) return "list-surging";
  if (v.reached) {
    bool listed = false;
    policy::for_each_contribution(v, [&](const policy::Contribution& c) {
      listed = listed || (c.kind == policy::Contribution::Kind::Listing && c.against());
    });
    return listed ? "listed" : "rdns";
  }
  if (v.supporting_only) return "supporting-only";
  return v.action == policy::Action::Tempfail ? "dns-error" : "below-threshold";
}

namespace {

// What is read at scrape time: the DNS cache and resolver, and each list's health.
class LiveState final : public pm::Collectable {
 public:
  void watch(const dns::CachingResolver& resolver, const dnsbl::HealthBoard& health) {
    health_.store(&health);
    resolver_.store(&resolver);
  }
  // Each list's name as shown (its --dnsbl-name, else its zone without a key), by full zone.
  void names(const std::vector<dnsbl::ZoneSpec>& lists) {
    std::map<std::string, std::string> next;
    for (const auto& l : lists) next[l.zone] = l.safe_name();
    std::lock_guard lock(names_mutex_);
    names_ = std::move(next);
  }
  std::string shown(const std::string& zone) const {
    std::lock_guard lock(names_mutex_);
    const auto it = names_.find(zone);
    return it == names_.end() ? dnsbl::safe_zone(zone) : it->second;
  }

  std::vector<pm::MetricFamily> Collect() const override {
    const dns::CachingResolver* resolver = resolver_.load();
    const dnsbl::HealthBoard* health = health_.load();
    if (resolver == nullptr || health == nullptr) return {};
    const auto s = resolver->stats();
    std::vector<pm::MetricFamily> out;
    auto counter = [&](const char* name, const char* help, double value) {
      pm::ClientMetric m;
      m.counter.value = value;
      out.push_back(pm::MetricFamily{name, help, pm::MetricType::Counter, {m}});
    };
    auto gauge = [&](const char* name, const char* help, double value) {
      pm::ClientMetric m;
      m.gauge.value = value;
      out.push_back(pm::MetricFamily{name, help, pm::MetricType::Gauge, {m}});
    };
    counter("dynmilter_dns_cache_hits_total", "DNS questions answered from the cache", double(s.cache.hits));
    counter("dynmilter_dns_cache_misses_total", "DNS questions not found fresh in the cache", double(s.cache.misses));
    counter("dynmilter_dns_coalesced_total", "DNS questions that joined the same question already in flight",
            double(s.coalesced));
    counter("dynmilter_dns_upstream_queries_total", "DNS queries sent to the servers", double(s.upstream));
    gauge("dynmilter_dns_cache_entries", "answers held in the DNS cache", double(s.cache.size));
    gauge("dynmilter_dns_in_flight", "DNS queries waiting for an answer", double(s.in_flight));
    pm::MetricFamily healthy{"dynmilter_dnsbl_healthy",
                             "1 when the list passed its last RFC 5782 probe, 0.5 when degraded (it does not list "
                             "127.0.0.2; its listings still count), 0 when broken (ignored), -1 before the first",
                             pm::MetricType::Gauge,
                             {}};
    pm::MetricFamily surging{"dynmilter_dnsbl_surging",
                             "1 while the list lists a far larger share of clients than its recent baseline "
                             "(the listing-rate guard: refusals that rest on it are deferred)",
                             pm::MetricType::Gauge,
                             {}};
    const auto zones = health->snapshot();  // held: a range-for would drop the temporary at once
    for (const auto& [zone, h] : *zones) {
      pm::ClientMetric m;
      m.label = {{"list", shown(zone)}};  // never an access key
      switch (h.state) {
        case dnsbl::Health::Healthy: m.gauge.value = 1; break;
        case dnsbl::Health::Degraded: m.gauge.value = 0.5; break;
        case dnsbl::Health::Broken: m.gauge.value = 0; break;
        case dnsbl::Health::Unprobed: m.gauge.value = -1; break;
      }
      healthy.metric.push_back(std::move(m));
      pm::ClientMetric surge;
      surge.label = {{"list", shown(zone)}};
      surge.gauge.value = h.surging ? 1 : 0;
      surging.metric.push_back(std::move(surge));
    }
    out.push_back(std::move(healthy));
    out.push_back(std::move(surging));
    gauge("dynmilter_resolver_sane",
          "1 while the resolver answers its sanity probes sanely; 0 while reverse-DNS and HELO evidence is ignored",
          health->resolver().sane ? 1 : 0);
    if (const localzone::Keeper* local = local_.load()) {
      pm::MetricFamily entries{"dynmilter_local_zone_entries",
                               "entries of each --local-zone dataset as loaded (0 when none is configured)",
                               pm::MetricType::Gauge,
                               {}};
      if (const auto set = local->zones().current())
        for (const auto& l : set->datasets()) {
          pm::ClientMetric m;
          m.label = {{"zone", dnsbl::safe_zone(l.spec.zone)},
                     {"dataset", l.spec.to_string().substr(l.spec.zone.size() + 1)}};
          m.gauge.value = double(l.data->entries());
          entries.metric.push_back(std::move(m));
        }
      out.push_back(std::move(entries));
      counter("dynmilter_local_zone_failed_loads_total",
              "changed --local-zone files that could not be used (the old data kept; the log says file:line)",
              double(local->failed_loads()));
    }
    counter("dynmilter_malformed_macro_packets_total",
            "milter macro packets with an unpaired or unterminated string, cut to their pairs or refused",
            double(malformed_macro_packets()));
    return out;
  }

 private:
  std::atomic<const dns::CachingResolver*> resolver_{nullptr};
  mutable std::mutex names_mutex_;
  std::map<std::string, std::string> names_;
  std::atomic<const dnsbl::HealthBoard*> health_{nullptr};

 public:
  std::atomic<const localzone::Keeper*> local_{nullptr};
};

}  // namespace

struct Metrics::Impl {
  std::shared_ptr<pm::Registry> registry = std::make_shared<pm::Registry>();
  std::shared_ptr<LiveState> live;
  std::unique_ptr<pm::Exposer> exposer;
  pm::Counter* connections = nullptr;
  pm::Family<pm::Counter>* verdicts = nullptr;
  pm::Family<pm::Counter>* exempt = nullptr;
  pm::Family<pm::Counter>* list_queries = nullptr;
  pm::Family<pm::Counter>* list_hits = nullptr;
  pm::Family<pm::Counter>* list_errors = nullptr;
  pm::Family<pm::Counter>* reloads = nullptr;
  pm::Family<pm::Counter>* history_store = nullptr;
  pm::Family<pm::Counter>* evidence_hits = nullptr;
  pm::Family<pm::Counter>* evidence_decisive = nullptr;
  pm::Histogram* decision = nullptr;
};

Metrics::Metrics(const std::string& address) : impl_(std::make_unique<Impl>()) {
  auto& r = *impl_->registry;
  impl_->connections = &pm::BuildCounter()
                            .Name("dynmilter_connections_total")
                            .Help("SMTP connections the MTA reported")
                            .Register(r)
                            .Add({});
  impl_->verdicts = &pm::BuildCounter()
                         .Name("dynmilter_verdicts_total")
                         .Help("decided connections, by action and by what decided them")
                         .Register(r);
  impl_->exempt = &pm::BuildCounter()
                       .Name("dynmilter_exempt_recipients_total")
                       .Help("recipients accepted without a verdict: role (postmaster, abuse), bypass, auth")
                       .Register(r);
  impl_->list_queries =
      &pm::BuildCounter().Name("dynmilter_dnsbl_queries_total").Help("list lookups used in verdicts").Register(r);
  impl_->list_hits =
      &pm::BuildCounter().Name("dynmilter_dnsbl_hits_total").Help("lookups that found the client listed").Register(r);
  impl_->list_errors = &pm::BuildCounter()
                            .Name("dynmilter_dnsbl_errors_total")
                            .Help("lookups with an unknown outcome: failure, error code, broken list")
                            .Register(r);
  impl_->reloads = &pm::BuildCounter().Name("dynmilter_reloads_total").Help("SIGUSR1 reloads, by result").Register(r);
  impl_->reloads->Add({{"result", "ok"}});  // both series from the start, at 0
  impl_->reloads->Add({{"result", "failed"}});
  impl_->history_store = &pm::BuildCounter()
                              .Name("dynmilter_history_store_total")
                              .Help("refusals sent to the --history-redis store, by result (written, dropped, failed)")
                              .Register(r);
  // The source label is a configured list, a signal name or rule:NAME: bounded by the configuration.
  impl_->evidence_hits = &pm::BuildCounter()
                              .Name("dynmilter_evidence_hits_total")
                              .Help("verdicts in which this list, signal or rule counted against the client")
                              .Register(r);
  impl_->evidence_decisive = &pm::BuildCounter()
                                  .Name("dynmilter_evidence_decisive_total")
                                  .Help(
                                      "verdicts that reached the threshold only because of this list, signal or rule "
                                      "(dry runs included)")
                                  .Register(r);
  impl_->decision = &pm::BuildHistogram()
                         .Name("dynmilter_decision_seconds")
                         .Help("time from CONNECT to the verdict")
                         .Register(r)
                         .Add({}, pm::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                  0.5, 1, 2.5, 5, 10});
  impl_->live = std::make_shared<LiveState>();
  try {
    // One listening thread: a scrape is rare and cheap.
    impl_->exposer = std::make_unique<pm::Exposer>(address, 1);
  } catch (const std::exception& e) {
    throw StartError(1, "cannot serve metrics on " + address + " (port in use?): " + e.what());
  }
  impl_->exposer->RegisterCollectable(impl_->registry);
  impl_->exposer->RegisterCollectable(impl_->live);
}

Metrics::~Metrics() = default;

void Metrics::watch(const dns::CachingResolver& resolver, const dnsbl::HealthBoard& health) {
  impl_->live->watch(resolver, health);
}

void Metrics::watch(const localzone::Keeper& local) { impl_->live->local_.store(&local); }

void Metrics::lists(const std::vector<dnsbl::ZoneSpec>& lists) {
  impl_->live->names(lists);
  for (const auto& l : lists) {
    const pm::Labels labels{{"list", l.safe_name()}};
    impl_->list_queries->Add(labels);
    impl_->list_hits->Add(labels);
    impl_->list_errors->Add(labels);
  }
}

void Metrics::connection() { impl_->connections->Increment(); }

void Metrics::exempt_recipient(std::string_view why) { impl_->exempt->Add({{"why", std::string(why)}}).Increment(); }

void Metrics::history_store(std::string_view result) {
  impl_->history_store->Add({{"result", std::string(result)}}).Increment();
}

void Metrics::reload(bool ok) { impl_->reloads->Add({{"result", ok ? "ok" : "failed"}}).Increment(); }

void Metrics::verdict(const policy::Verdict& v, double elapsed_ms) {
  impl_->verdicts->Add({{"action", std::string(policy::disposition(v))}, {"reason", std::string(verdict_reason(v))}})
      .Increment();
  for (const auto& l : v.lists) {
    const pm::Labels labels{{"list", l.zone}};
    impl_->list_queries->Add(labels).Increment();
    if (l.outcome.listing == dnsbl::Listing::Listed) impl_->list_hits->Add(labels).Increment();
    if (l.outcome.listing == dnsbl::Listing::Unknown) impl_->list_errors->Add(labels).Increment();
  }
  for (const auto& [source, weight] : policy::evidence_hits(v))
    impl_->evidence_hits->Add({{"source", source}}).Increment();
  for (const auto& source : v.decisive) impl_->evidence_decisive->Add({{"source", source}}).Increment();
  if (v.basis == policy::Basis::Scored) impl_->decision->Observe(elapsed_ms / 1000.0);
}

}  // namespace dyn::milter
