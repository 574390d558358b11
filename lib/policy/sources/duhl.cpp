// The old SORBS DUHL rules for static space, as DUHL wrote them, as receiving-side evidence:
//   mx-confirmed (negative by default): the client is a long-lived mail server of its own domain.
//     Its verified name is an MX host of that name's registrable domain (or its HELO name is an
//     MX host of the HELO name's domain and has the client's address, while the client has a
//     verified name of its own), and the MX record, the name's address record and the PTR record
//     all have TTLs of at least --ptr-ttl-min (43,200 s). Dynamic DNS cannot buy it: its records
//     live for minutes.
//   mx-ttl-short (supporting): the client is such an MX host, but the MX record's TTL is short;
//   a-ttl-short (supporting): the address record of the client's verified name has a short TTL.
// An MX host whose A or PTR TTL is short gets neither bonus nor penalty from the MX: a weight-0
// note says why, so that dynmilter-check shows what the rule wanted.
// Questions: at CONNECT, the verified name's A (or AAAA) and its domain's MX; at HELO, the HELO
// name's domain's MX and the HELO name's address. A failed lookup adds nothing.
#include "policy/evidence.hpp"
#include "smtp/reply.hpp"
#include "rdns/facts.hpp"
#include "rdns/name_words.hpp"

#include <algorithm>

namespace dyn::policy {

namespace {

constexpr SignalSpec kSignals[] = {
    // the client is an MX host of its own domain, MX/A/PTR TTLs >= --ptr-ttl-min (DUHL's static rule)
    {"mx-confirmed", -2, rdns::Strength::Supporting, "your host is an MX host of its own domain"},
    // the address record of the client's verified name has a TTL below --ptr-ttl-min
    {"a-ttl-short", 1, rdns::Strength::Supporting, "short DNS TTLs{ttl}"},
    // the client is an MX host of its own domain, but the MX TTL is below --ptr-ttl-min
    {"mx-ttl-short", 1, rdns::Strength::Supporting, "short DNS TTLs{ttl}"},
};
const SignalSpec& kMxConfirmed = kSignals[0];
const SignalSpec& kATtlShort = kSignals[1];
const SignalSpec& kMxTtlShort = kSignals[2];

bool has_value(const dns::Answer& a, std::string_view value) {
  return a.status == dns::Status::Ok &&
         std::any_of(a.records.begin(), a.records.end(), [&](const dns::Record& r) { return r.value == value; });
}

bool holds(const dns::Answer& a, const net::IpAddress& ip) {
  return a.status == dns::Status::Ok && rdns::holds_address(a, ip);
}

std::uint32_t min_ttl(const dns::Answer& a) {
  std::uint32_t ttl = UINT32_MAX;
  for (const auto& r : a.records) ttl = std::min(ttl, r.ttl);
  return ttl;
}

dns::RrType address_type(const net::IpAddress& ip) { return ip.is_v4() ? dns::RrType::A : dns::RrType::AAAA; }

// The verified name (the MTA's or our own forward-confirmed one), canonical; empty if none.
std::string verified_name(const ClientFacts& f) {
  if (f.rdns.status != rdns::RdnsStatus::Ok || !rdns::plausible_host_name(f.rdns.name)) return {};
  return dns::canonical_name(f.rdns.name);
}

class DuhlSource final : public Source {
 public:
  std::string_view name() const override { return "duhl"; }

  void questions(const Context& c, Stage stage, std::vector<dns::Question>& q) const override {
    if (!c.facts.ip) return;
    const bool mx = c.weights.of(kMxConfirmed) != 0 || c.weights.of(kMxTtlShort) != 0;
    if (stage == Stage::Connect) {
      const auto name = verified_name(c.facts);
      if (name.empty()) return;
      if (c.weights.of(kATtlShort) != 0 || mx) q.push_back({name, address_type(*c.facts.ip)});
      auto domain = rdns::registrable_domain(name);
      if (mx && !domain.empty()) q.push_back({std::move(domain), dns::RrType::MX});
      return;
    }
    std::string helo = dns::canonical_name(c.facts.helo);
    if (!mx || !rdns::plausible_host_name(helo) || net::IpAddress::parse(helo)) return;
    auto domain = rdns::registrable_domain(helo);
    if (domain.empty()) return;
    q.push_back({std::move(domain), dns::RrType::MX});
    q.push_back({std::move(helo), address_type(*c.facts.ip)});
  }

  void judge(const Context& c, const Answers& answers, Evidence& e) const override {
    if (!c.facts.ip) return;
    const auto& ip = *c.facts.ip;
    const auto floor = static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::seconds>(c.config.ptr_ttl_min.value).count());
    const auto name = verified_name(c.facts);
    if (!name.empty()) {
      const auto& address = answers.at(Stage::Connect, 0);
      const bool maps = holds(address, ip);
      if (maps && min_ttl(address) < floor && c.weights.of(kATtlShort) != 0)
        e.signals.push_back(rdns::Signal{"a-ttl-short", c.weights.of(kATtlShort),
                                         "the address record of " + name + " has a TTL of " +
                                             std::to_string(min_ttl(address)) + " s, under " + std::to_string(floor) +
                                             " s"});
      const auto domain = rdns::registrable_domain(name);
      if (maps && mx_rule(c, answers.at(Stage::Connect, 1), address, name, domain, "the client's name ", floor, e))
        return;
    }
    // The HELO name, for a server whose verified name is its provider's: it must still have one.
    if (name.empty() || c.facts.helo.empty()) return;
    const auto& mx = answers.at(Stage::Helo, 0);
    const auto& address = answers.at(Stage::Helo, 1);
    const std::string helo = dns::canonical_name(c.facts.helo);
    if (!holds(address, ip)) return;
    mx_rule(c, mx, address, helo, rdns::registrable_domain(helo), "the HELO name ", floor, e);
  }

 private:
  // `host` (whose address record `address` holds the client's address) against its domain's MX
  // answer: the DUHL static rule's signal, and true, when the MX names it.
  static bool mx_rule(const Context& c, const dns::Answer& mx, const dns::Answer& address, const std::string& host,
                      const std::string& domain, std::string_view who, std::uint32_t floor, Evidence& e) {
    if (!has_value(mx, host)) return false;
    const std::string what = smtp::sanitized_within(who, host, 100, " is an MX host of " + domain);
    const auto mx_ttl = min_ttl(mx), a_ttl = min_ttl(address);
    const auto ptr_ttl = c.facts.ptr_ttl.value_or(UINT32_MAX);
    if (mx_ttl < floor) {
      e.signals.push_back(rdns::Signal{"mx-ttl-short", c.weights.of(kMxTtlShort),
                                       what + ", but its MX record has a TTL of " + std::to_string(mx_ttl) +
                                           " s, under " + std::to_string(floor) + " s"});
      return true;
    }
    if (a_ttl < floor || ptr_ttl < floor) {
      e.signals.push_back(rdns::Signal{"mx-confirmed", 0,
                                       what + ", but its " + (a_ttl < floor ? "address" : "PTR") +
                                           " record has a TTL of " + std::to_string(std::min(a_ttl, ptr_ttl)) +
                                           " s: the static rule wants " + std::to_string(floor) + " s or more"});
      return true;
    }
    e.signals.push_back(
        rdns::Signal{"mx-confirmed", c.weights.of(kMxConfirmed),
                     what + ", with MX, address and PTR TTLs of " + std::to_string(floor) + " s or more"});
    return true;
  }
};

}  // namespace

std::unique_ptr<const Source> make_duhl_source() { return std::make_unique<DuhlSource>(); }
std::span<const SignalSpec> duhl_signals() { return kSignals; }

}  // namespace dyn::policy
