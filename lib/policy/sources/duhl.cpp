// The old SORBS DUHL rules as receiving-side evidence, beside the PTR TTL (ptr_ttl.cpp):
//   mx-confirmed (negative by default): the client is a mail server of its own domain: its
//     verified name is an MX host of that name's registrable domain, or its HELO name is an MX
//     host of the HELO name's domain and has the client's address;
//   a-ttl-short: the address record of the client's verified name has a TTL under
//     --ptr-ttl-min (static lines keep their records 12 hours or more).
// Questions: at CONNECT, the verified name's A (or AAAA) and its domain's MX; at HELO, the HELO
// name's domain's MX and the HELO name's address. All within the connection's deadline; a
// failed lookup adds nothing.
#include "policy/evidence.hpp"
#include "policy/smtp_reply.hpp"
#include "rdns/facts.hpp"
#include "rdns/name_words.hpp"

#include <boost/container/small_vector.hpp>

#include <algorithm>

namespace dyn::policy {

namespace {

bool has_value(const dns::Answer& a, std::string_view value) {
  return a.status == dns::Status::Ok &&
         std::any_of(a.records.begin(), a.records.end(), [&](const dns::Record& r) { return r.value == value; });
}

bool holds(const dns::Answer& a, const net::IpAddress& ip) { return a.status == dns::Status::Ok && rdns::holds_address(a, ip); }

dns::RrType address_type(const net::IpAddress& ip) { return ip.is_v4() ? dns::RrType::A : dns::RrType::AAAA; }

// The verified name (the MTA's or our own forward-confirmed one), canonical; empty if none.
std::string verified_name(const ClientFacts& f) {
  if (f.rdns.status != rdns::RdnsStatus::Ok || !rdns::plausible_host_name(f.rdns.name)) return {};
  return dns::canonical_name(f.rdns.name);
}

class DuhlSource final : public Source {
 public:
  std::string_view name() const override { return "duhl"; }

  void questions(const Context& c, Stage stage, std::vector<dns::Question>& out) const override { plan(c, stage, out); }

  void judge(const Context& c, const Answers& answers, Evidence& e) const override {
    if (!c.facts.ip) return;
    const std::size_t first = e.signals.size();  // where this source's own signals start
    const auto& ip = *c.facts.ip;
    const auto asked = own_questions(c, Stage::Connect);
    // What was asked at CONNECT, as planned then: judged only when it is what the facts ask now.
    if (!asked.empty() && answers.connect.size() == asked.size()) {
      const auto name = verified_name(c.facts);
      for (std::size_t i = 0; i < asked.size(); ++i) {
        const auto& a = answers.connect[i];
        if (asked[i].type == dns::RrType::MX && has_value(a, name)) {
          e.signals.push_back(rdns::Signal{"mx-confirmed", c.weights.mx_confirmed,
                                           "the client's name " + name + " is an MX host of " + asked[i].name});
        } else if (asked[i].type != dns::RrType::MX && holds(a, ip)) {
          const auto min_ttl = std::chrono::duration_cast<std::chrono::seconds>(c.config.ptr_ttl_min.value).count();
          std::uint32_t ttl = a.records.front().ttl;
          for (const auto& r : a.records) ttl = std::min(ttl, r.ttl);
          if (ttl < min_ttl)
            e.signals.push_back(rdns::Signal{"a-ttl-short", c.weights.a_ttl_short,
                                             "the address record of " + name + " has a TTL of " + std::to_string(ttl) +
                                                 " s, under " + std::to_string(min_ttl) + " s"});
        }
      }
    }
    const bool confirmed =
        std::any_of(e.signals.begin() + static_cast<std::ptrdiff_t>(first), e.signals.end(), [](const auto& s) { return s.name == "mx-confirmed"; });
    const auto helo_asked = own_questions(c, Stage::Helo);
    if (!confirmed && helo_asked.size() == 2 && answers.helo.size() == 2 && has_value(answers.helo[0], helo_asked[1].name) &&
        holds(answers.helo[1], ip))
      e.signals.push_back(rdns::Signal{"mx-confirmed", c.weights.mx_confirmed,
                                       "the HELO name " + sanitize_reply_text(helo_asked[1].name, 100) +
                                           " is an MX host of " + helo_asked[0].name + " and has the client's address"});
  }

 private:
  // This source's own questions alone (judge() pairs the answers with them), without allocating.
  static boost::container::small_vector<dns::Question, 2> own_questions(const Context& c, Stage stage) {
    boost::container::small_vector<dns::Question, 2> q;
    plan(c, stage, q);
    return q;
  }

  template <class Questions>
  static void plan(const Context& c, Stage stage, Questions& q) {
    if (!c.facts.ip) return;
    if (stage == Stage::Connect) {
      const auto name = verified_name(c.facts);
      if (name.empty()) return;
      if (c.weights.a_ttl_short != 0) q.push_back({name, address_type(*c.facts.ip)});
      auto domain = rdns::registrable_domain(name);
      if (c.weights.mx_confirmed != 0 && !domain.empty()) q.push_back({std::move(domain), dns::RrType::MX});
      return;
    }
    std::string helo = dns::canonical_name(c.facts.helo);
    if (c.weights.mx_confirmed == 0 || !rdns::plausible_host_name(helo) || net::IpAddress::parse(helo)) return;
    auto domain = rdns::registrable_domain(helo);
    if (domain.empty()) return;
    q.push_back({std::move(domain), dns::RrType::MX});
    q.push_back({std::move(helo), address_type(*c.facts.ip)});
  }
};

}  // namespace

std::unique_ptr<const Source> make_duhl_source() { return std::make_unique<DuhlSource>(); }

}  // namespace dyn::policy
