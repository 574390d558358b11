// One DNSBL: asks for the client's address under the list's zone at CONNECT (and its TXT when the
// reply shows {txt}), and reads the answer with the list's return-code filter. A list the daemon tracks counts only once its probe
// found it healthy: a broken list, or one not yet probed, is unknown whatever it said.
#include "net/reverse.hpp"
#include "policy/evidence.hpp"

namespace dyn::policy {

namespace {

class DnsblSource final : public Source {
 public:
  // The reply template is read once, when the configuration's sources are made. The list's TXT
  // is asked when the reply shows it, or links to the refused sender's page, which shows it.
  DnsblSource(const dnsbl::ZoneSpec& list, const config::Config& config)
      : list_(list), txt_(config.reply_text.uses("txt") || !config.why_url.empty()) {}
  std::string_view name() const override { return "dnsbl"; }

  void questions(const Context& c, Stage stage, std::vector<dns::Question>& out) const override {
    if (stage != Stage::Connect || !c.facts.ip) return;
    std::string name = net::dnsbl_query_name(*c.facts.ip, list_.zone);
    // The list's own words for the sender (often where to look the listing up), in parallel.
    out.push_back(dns::Question{txt_ ? name : std::move(name), dns::RrType::A});
    if (txt_) out.push_back(dns::Question{std::move(name), dns::RrType::TXT});
  }

  void judge(const Context& c, const Answers& answers, Evidence& e) const override {
    if (!c.facts.ip) return;
    const dns::Answer& answer = answers.at(Stage::Connect, 0);
    // A key in the zone name is never shown.
    ListResult r{
        list_.safe_name(), list_.weight, answer.status, dnsbl::interpret(list_, answer), {}, answer.origin, {}};
    const auto h = c.health.find(list_.zone);
    if (h != c.health.end() && h->second.surging) r.surge = h->second.surge;
    if (h != c.health.end() && !dnsbl::counts(h->second.state)) {
      r.outcome.listing = dnsbl::Listing::Unknown;
      r.outcome.transient = false;
      r.outcome.reason = h->second.state == dnsbl::Health::Broken
                             ? "list marked broken (" + h->second.reason + ")"
                             : std::string("list not yet probed: it counts once a probe finds it healthy");
    }
    if (r.outcome.listing == dnsbl::Listing::Unknown && r.outcome.transient && list_.weight > 0)
      e.could_add += list_.weight;
    if (const auto& t = answers.at(Stage::Connect, 1);
        r.outcome.listing == dnsbl::Listing::Listed && t.status == dns::Status::Ok && !t.records.empty())
      r.txt = t.records.front().value;
    e.lists.push_back(std::move(r));
  }

 private:
  const dnsbl::ZoneSpec& list_;
  const bool txt_;  // the reply shows {txt}: the list's TXT is asked too
};

}  // namespace

std::unique_ptr<const Source> make_dnsbl_source(const dnsbl::ZoneSpec& list, const config::Config& config) {
  return std::make_unique<DnsblSource>(list, config);
}

}  // namespace dyn::policy
