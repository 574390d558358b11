// dynmilter-check ADDRESS [NAME]: ask every configured list about one client, as the daemon
// would, and print each list's query, answer and outcome, the score, the verdict and the reply.
// Exit status: 0 pass, 1 would reject or defer, 2 error.
#include "options/options.hpp"
#include "engine/tool_dns.hpp"
#include "net/reverse.hpp"
#include "policy/transaction.hpp"
#include "rdns/classify.hpp"
#include "readiness/readiness.hpp"
#include "util/json.hpp"
#include "util/log.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <iostream>
#include <sstream>

namespace {

using namespace dyn;

// One list's line: what was asked (under the shown name: an access key is never printed) and said.
std::string describe(const policy::ListResult& l, const net::IpAddress& ip, const dnsbl::ZoneSpec& spec,
                     const dnsbl::HealthMap& health) {
  std::string answer(dns::to_string(l.status));
  if (!l.outcome.codes.empty()) {
    answer.clear();
    for (const auto& c : l.outcome.codes) answer += (answer.empty() ? "" : ",") + c.to_string();
  }
  std::string out = fmt::format("  {:<28} weight {:>3}  {:<40} {:<16} {}", l.zone, l.weight,
                                net::dnsbl_query_name(ip, l.zone), answer, dnsbl::to_string(l.outcome.listing));
  if (!l.outcome.reason.empty()) out += "  (" + l.outcome.reason + ")";
  if (!l.origin.empty()) out += fmt::format("\n  {:<28} answered by: {}", "", l.origin);
  if (!l.txt.empty()) out += fmt::format("\n  {:<28} text: {}", "", smtp::sanitize_reply_text(l.txt, 300));
  if (auto h = health.find(spec.zone); h != health.end()) {
    out += fmt::format("\n  {:<28} health: {}", "", dnsbl::to_string(h->second.state));
    if (!h->second.reason.empty()) out += " (" + h->second.reason + ")";
  } else {
    out += fmt::format("\n  {:<28} health: probe failed (list state unknown, answers used)", "");
  }
  return out;
}

// --classify: "hostname [address]" per line in, "hostname<TAB>address<TAB>dynamic|static<TAB>
// score<TAB>reasons" per line out. Host-name signals only; no DNS at all.
int classify(const config::Invocation& inv) {
  std::string line;
  int lineno = 0, bad = 0;
  while (std::getline(std::cin, line)) {
    ++lineno;
    std::istringstream fields(line);
    std::string name, address;
    if (!(fields >> name) || name[0] == '#') continue;
    fields >> address;
    std::optional<net::IpAddress> ip;
    if (!address.empty()) {
      ip = net::IpAddress::parse(address);
      if (!ip) {
        std::fprintf(stderr, "dynmilter-check: line %d: not an IP address: '%s'\n", lineno, address.c_str());
        ++bad;
        continue;
      }
    }
    // The name alone, as every evidence source that needs no DNS answer judges it.
    const auto signals = policy::gather(inv.config, policy::ClientFacts{ip, name}).signals;
    const int score = rdns::total(signals);
    std::string reasons;
    for (const auto& s : signals)
      reasons += fmt::format("{}{}({:+d}): {}", reasons.empty() ? "" : "; ", s.name, s.weight, s.reason);
    std::cout << fmt::format("{}\t{}\t{}\t{}\t{}\n", name, ip ? ip->to_string() : "-",
                             score >= inv.config.threshold ? "dynamic" : "static", score,
                             reasons.empty() ? "-" : reasons);
  }
  return bad ? 2 : 0;
}

// --sender DOMAIN [--sender-ip IP] [--json]: the readiness check of a domain's mail servers.
int sender(const config::Invocation& inv) {
  std::optional<net::IpAddress> ip;
  if (!inv.sender_ip.empty() && !(ip = net::IpAddress::parse(inv.sender_ip))) {
    std::fprintf(stderr, "dynmilter-check: --sender-ip: not an IP address: '%s'\n", inv.sender_ip.c_str());
    return 2;
  }
  if (!inv.positional.empty()) {
    std::fprintf(stderr, "dynmilter-check: --sender takes no ADDRESS; use --sender-ip\n");
    return 2;
  }
  if (!rdns::plausible_host_name(inv.sender)) {
    std::fprintf(stderr, "dynmilter-check: --sender: not a domain name: '%s'\n", inv.sender.c_str());
    return 2;
  }
  const auto& config = inv.config;
  log::set_max_level(config.log_level == log::Level::Debug ? log::Level::Debug : log::Level::Warning);
  engine::ToolDns dns(config);  // --local-zone data answers as in the daemon, and says so
  const auto report = readiness::check(config, dns.querier(), inv.sender, ip, &dns.board());
  std::cout << (inv.json ? readiness::format_json(report) : readiness::format_text(report));
  return report.all_pass() ? 0 : 1;
}

int check(const config::Invocation& inv) {
  if (!inv.helo.empty() && (inv.classify || !inv.sender.empty())) {
    std::fprintf(stderr, "dynmilter-check: --helo goes with ADDRESS\n");
    return 2;
  }
  if (inv.classify) return classify(inv);
  if (!inv.sender.empty()) return sender(inv);
  if (!inv.sender_ip.empty()) {
    std::fprintf(stderr, "dynmilter-check: --sender-ip goes with --sender DOMAIN\n");
    return 2;
  }
  if (inv.positional.empty() || inv.positional.size() > 2) {
    std::fprintf(stderr, "dynmilter-check: usage: dynmilter-check [OPTIONS] ADDRESS [NAME]\n");
    return 2;
  }
  auto ip = net::IpAddress::parse(inv.positional[0]);
  if (!ip) {
    std::fprintf(stderr, "dynmilter-check: not an IP address: '%s'\n", inv.positional[0].c_str());
    return 2;
  }
  const auto config = std::make_shared<const config::Config>(inv.config);
  // The report below says everything; keep only warnings (a broken list) unless asked for debug.
  log::set_max_level(std::min(config->log_level, log::Level::Warning) == log::Level::Debug ? log::Level::Debug
                                                                                           : log::Level::Warning);
  // The lists (and the resolver) probed first, as the daemon does at start, so a broken list shows as such.
  engine::ToolDns dns(*config);
  auto& transport = dns.querier();
  const auto health = dns.board().snapshot();
  policy::ClientFacts facts{*ip, inv.positional.size() > 1 ? inv.positional[1] : ""};
  facts.id = policy::new_incident_id();  // as the daemon does, so that {id} shows in the reply as it would
  policy::Transaction txn(config, std::move(facts), transport, &dns.board());
  if (!inv.helo.empty()) txn.helo(inv.helo, transport);
  const auto& v = txn.verdict();
  if (inv.json) {
    std::cout << policy::verdict_json(txn.facts(), v);
    return v.action == policy::Action::Accept ? 0 : 1;
  }

  std::string servers;
  for (const auto& s : config->dns_servers) servers += (servers.empty() ? "" : " ") + s.to_string();
  std::cout << fmt::format("client:    {}{}\n", ip->to_string(),
                           inv.positional.size() > 1 ? " (" + inv.positional[1] + ")" : "");
  std::cout << fmt::format("dns:       {} (deadline {})\n", servers, config->dns_timeout.to_string());
  // The name as the daemon settled it: our own PTR and forward lookups (no MTA here).
  const auto& f = txn.facts();
  std::cout << fmt::format("name:      {} ({}){}\n", f.rdns.name.empty() ? "-" : f.rdns.name,
                           rdns::to_string(f.rdns.status),
                           f.ptr_ttl ? fmt::format(", PTR TTL {} s", *f.ptr_ttl) : std::string());
  if (!v.lists.empty()) std::cout << "lists:\n";
  for (std::size_t i = 0; i < v.lists.size(); ++i)
    std::cout << describe(v.lists[i], *ip, config->dnsbls[i], *health) << "\n";
  // Each signal with its class, and whether the refusal rests on it; then what decided, in one line.
  policy::for_each_contribution(v, [&](const policy::Contribution& c) {
    if (c.kind != policy::Contribution::Kind::Signal) return;
    std::cout << fmt::format("rdns:      {} ({:+d}, {}{}): {}\n", c.key, c.weight, c.primary ? "primary" : "supporting",
                             policy::is_decisive(v, c.key) ? ", decisive" : "", c.signal->reason);
  });
  std::cout << fmt::format("score:     {} (threshold {})\n", v.score, config->threshold);
  if (!v.decisive.empty()) std::cout << fmt::format("decided:   {}\n", fmt::join(v.decisive, ", "));
  std::cout << fmt::format("verdict:   {}{}\n", policy::to_string(v.action), v.note.empty() ? "" : " (" + v.note + ")");
  if (v.reply) std::cout << fmt::format("reply:     {} {} {}\n", v.reply->code, v.reply->xcode, v.reply->text);
  std::cout << fmt::format("elapsed:   {:.1f} ms\n", txn.elapsed_ms());
  return v.action == policy::Action::Accept ? 0 : 1;
}

}  // namespace

constexpr const char* kUsage =
    "Usage: dynmilter-check [OPTIONS] ADDRESS [NAME] [--helo NAME] [--json]\n"
    "       dynmilter-check [OPTIONS] --classify < 'hostname [address]' lines\n"
    "       dynmilter-check [OPTIONS] --sender DOMAIN [--sender-ip IP] [--json]\n"
    "Checks one client address against every configured list, as dynmilter would, and explains the verdict;\n"
    "with --sender, judges a domain's own mail servers by dynmilter's checks and the DUHL rules.\n"
    "Exit status: 0 pass, 1 would reject or defer (--sender: a rule did not pass), 2 error.\n";

int main(int argc, char** argv) {
  return config::tool_main(argc, argv, {"dynmilter-check", config::kCheck, kUsage, 2, 2}, check);
}
