#include "readiness/readiness.hpp"

#include "dns/batch.hpp"
#include "net/reverse.hpp"
#include "policy/transaction.hpp"
#include "rdns/facts.hpp"
#include "util/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

namespace dyn::readiness {

namespace {

constexpr std::size_t kMaxMxHosts = 10;
constexpr std::size_t kMaxServers = 20;

bool answered(const dns::Answer& a) {
  return a.status == dns::Status::Ok || a.status == dns::Status::NoData || a.status == dns::Status::NxDomain;
}

std::string failure(const dns::Answer& a) {
  return fmt::format("the lookup failed ({}{}), try again later", dns::to_string(a.status),
                     a.detail.empty() ? "" : ": " + a.detail);
}

Finding make(std::string rule, Result result, std::string detail, std::string fix = {}) {
  return Finding{std::move(rule), result, std::move(detail), std::move(fix)};
}

// A TTL rule: the lowest TTL of the answer's records against the minimum. A cache counts TTLs
// down, so a low TTL from a non-authoritative answer proves nothing about the zone.
Finding ttl_rule(const std::string& rule, const std::string& what, const dns::Answer& a, std::uint32_t min_s) {
  if (!answered(a)) return make(rule, Result::Unknown, failure(a));
  if (a.records.empty()) return make(rule, Result::Unknown, fmt::format("no {} to judge", what));
  std::uint32_t ttl = a.records.front().ttl;
  for (const auto& r : a.records) ttl = std::min(ttl, r.ttl);
  const std::string source = a.authoritative ? "from the zone's authoritative server" : "as the resolver gave it";
  if (ttl >= min_s) return make(rule, Result::Pass, fmt::format("{} TTL {} s >= {} s ({})", what, ttl, min_s, source));
  if (!a.authoritative)
    return make(rule, Result::Unknown,
                fmt::format("{} TTL {} s < {} s {}: a cached answer's TTL counts down, so the zone's may be higher; "
                            "ask one of the zone's authoritative servers (--dns-server)",
                            what, ttl, min_s, source));
  return make(rule, Result::Fail, fmt::format("{} TTL {} s < {} s ({})", what, ttl, min_s, source),
              fmt::format("raise the TTL of the {} to at least {} s (12 hours): static lines keep their records "
                          "that long, dynamic pools do not",
                          what, min_s));
}

std::vector<std::string> values(const dns::Answer& a) {
  std::vector<std::string> out;
  for (const auto& r : a.records) out.push_back(r.value);
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The answer (A or AAAA) of `host` that would hold `ip`, from the pairs in `a`.
const dns::Answer* address_answer(const ServerAnswers& a, const std::string& host, const net::IpAddress& ip) {
  for (std::size_t i = 0; i < a.all_mx_hosts.size() && 2 * i + 1 < a.mx_host_addresses.size(); ++i)
    if (a.all_mx_hosts[i] == host) return &a.mx_host_addresses[2 * i + (ip.is_v4() ? 0 : 1)];
  return nullptr;
}

bool holds(const dns::Answer& a, const net::IpAddress& ip) { return rdns::holds_address(a, ip); }

}  // namespace

std::string_view to_string(Result r) {
  switch (r) {
    case Result::Pass: return "pass";
    case Result::Fail: return "fail";
    case Result::Unknown: return "unknown";
  }
  return "unknown";
}

bool Report::all_pass() const {
  const auto pass = [](const Finding& f) { return f.result == Result::Pass; };
  if (!std::all_of(domain_findings.begin(), domain_findings.end(), pass)) return false;
  for (const auto& s : servers)
    if (!std::all_of(s.findings.begin(), s.findings.end(), pass) || s.verdict != "accept") return false;
  return !servers.empty();
}

std::vector<Finding> judge_server(const config::Config& config, const ServerAnswers& a) {
  const auto min_s =
      static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(config.ptr_ttl_min.value).count());
  const std::string ip = a.ip.to_string();
  std::vector<Finding> out;
  const bool has_ptr = a.ptr.status == dns::Status::Ok && !a.ptr.records.empty();
  const std::string name = has_ptr ? a.ptr.records.front().value : std::string();
  const std::string ask_isp = "ask whoever holds the address block (your ISP or hosting provider) for a PTR record";

  // ptr-exists
  if (has_ptr)
    out.push_back(make("ptr-exists", Result::Pass, fmt::format("{} has PTR {}", ip, joined(values(a.ptr)))));
  else if (answered(a.ptr))
    out.push_back(
        make("ptr-exists", Result::Fail, fmt::format("{} has no PTR record", ip),
             fmt::format("{} naming the server, such as mail.your-domain, that maps back to {}", ask_isp, ip)));
  else
    out.push_back(make("ptr-exists", Result::Unknown, failure(a.ptr)));

  // fcrdns
  if (!has_ptr) {
    out.push_back(make("fcrdns", answered(a.ptr) ? Result::Fail : Result::Unknown,
                       answered(a.ptr) ? "no PTR name to map back to the address" : failure(a.ptr),
                       answered(a.ptr) ? "see ptr-exists" : ""));
  } else {
    bool found = false, all_answered = true;
    std::vector<std::string> addresses;
    for (const auto& f : a.ptr_addresses) {
      found |= holds(f, a.ip);
      all_answered &= answered(f);
      for (const auto& v : values(f)) addresses.push_back(v);
    }
    if (found)
      out.push_back(make("fcrdns", Result::Pass, fmt::format("{} has address {}", name, ip)));
    else if (!all_answered || a.ptr_addresses.empty())
      out.push_back(
          make("fcrdns", Result::Unknown, fmt::format("the addresses of {} could not all be looked up", name)));
    else
      out.push_back(
          make("fcrdns", Result::Fail,
               addresses.empty() ? fmt::format("{} has no address", name)
                                 : fmt::format("{} has addresses {}, not {}", name, joined(addresses), ip),
               fmt::format("add {} as an address of {} (or have the PTR name a host that has it)", ip, name)));
  }

  // ptr-not-generic: dynmilter's own name checks and rules, as they would judge the name.
  if (!has_ptr) {
    out.push_back(make("ptr-not-generic", Result::Unknown, "no PTR name to judge"));
  } else {
    const policy::ClientFacts facts{a.ip, name, rdns::RdnsFacts{rdns::RdnsStatus::Ok, name}};
    std::string fired;
    for (const auto& s : policy::gather(config, facts).signals)
      if (s.weight > 0) fired += fmt::format("{}{} ({:+d}): {}", fired.empty() ? "" : "; ", s.name, s.weight, s.reason);
    if (fired.empty())
      out.push_back(make("ptr-not-generic", Result::Pass, fmt::format("{}: no name check fired", name)));
    else
      out.push_back(make("ptr-not-generic", Result::Fail, fmt::format("{} looks generic: {}", name, fired),
                         fmt::format("{} that names the server (mail.your-domain) instead of the name generated for "
                                     "every address of a pool",
                                     ask_isp)));
  }

  out.push_back(ttl_rule("ptr-ttl", "PTR record", a.ptr, min_s));
  if (a.mx_host.empty()) {
    out.push_back(make("a-ttl", Result::Unknown, fmt::format("{} is no MX host's address", ip)));
  } else if (const auto* addr = address_answer(a, a.mx_host, a.ip)) {
    out.push_back(
        ttl_rule("a-ttl", fmt::format("{} record of {}", a.ip.is_v4() ? "A" : "AAAA", a.mx_host), *addr, min_s));
  }
  if (a.mx.status == dns::Status::Ok)
    out.push_back(ttl_rule("mx-ttl", "MX record", a.mx, min_s));
  else if (answered(a.mx))
    out.push_back(make("mx-ttl", Result::Fail, "the domain has no MX record (its own address stands in, RFC 5321)",
                       "publish an MX record naming your mail server, with a TTL of at least 12 hours"));
  else
    out.push_back(make("mx-ttl", Result::Unknown, failure(a.mx)));

  // mx-maps-to-ip: the address is an address of an MX host.
  {
    std::string which;
    bool all_answered = answered(a.mx);
    for (std::size_t i = 0; i < a.all_mx_hosts.size() && 2 * i + 1 < a.mx_host_addresses.size(); ++i) {
      for (int k = 0; k < 2; ++k) {
        const auto& ans = a.mx_host_addresses[2 * i + k];
        all_answered &= answered(ans);
        if (which.empty() && holds(ans, a.ip)) which = a.all_mx_hosts[i];
      }
    }
    if (!which.empty())
      out.push_back(make("mx-maps-to-ip", Result::Pass, fmt::format("MX host {} has address {}", which, ip)));
    else if (!all_answered)
      out.push_back(make("mx-maps-to-ip", Result::Unknown, "the MX hosts' addresses could not all be looked up"));
    else
      out.push_back(
          make("mx-maps-to-ip", Result::Fail,
               fmt::format("{} is not an address of any MX host ({})", ip,
                           a.all_mx_hosts.empty() ? "none" : joined(a.all_mx_hosts)),
               "send from an MX host's address, or make this server an MX host of your domain with "
               "a static address: its MX, A and PTR records must all keep TTLs of 12 hours (43200 s) or more, "
               "and its PTR must name it (dynamic DNS names, whose records live for minutes, do not count)"));
  }

  // ptr-is-mx-name
  if (!has_ptr) {
    out.push_back(make("ptr-is-mx-name", Result::Unknown, "no PTR name to compare"));
  } else if (std::find(a.all_mx_hosts.begin(), a.all_mx_hosts.end(), name) != a.all_mx_hosts.end()) {
    out.push_back(make("ptr-is-mx-name", Result::Pass, fmt::format("PTR {} is an MX host name", name)));
  } else {
    out.push_back(make("ptr-is-mx-name", Result::Fail,
                       fmt::format("PTR {} is not an MX host name ({})", name,
                                   a.all_mx_hosts.empty() ? "no MX host" : joined(a.all_mx_hosts)),
                       a.mx_host.empty() ? std::string("have the PTR name one of your MX hosts")
                                         : fmt::format("{} whose name is {}", ask_isp, a.mx_host)));
  }
  return out;
}

Finding judge_lists(const policy::Verdict& v) {
  if (v.basis != policy::Basis::Scored)  // exempt or allowed: this configuration asks no list about it
    return make("not-listed", Result::Unknown, "no list asked: " + v.note + " (this configuration accepts it)");
  const auto& lists = v.lists;
  std::string listed, unknown;
  for (const auto& l : lists) {
    if (l.outcome.listing == dnsbl::Listing::Listed)
      listed += fmt::format("{}{}{}", listed.empty() ? "" : "; ", l.zone, l.txt.empty() ? "" : " (\"" + l.txt + "\")");
    else if (l.outcome.listing == dnsbl::Listing::Unknown)
      unknown += fmt::format("{}{}{}", unknown.empty() ? "" : "; ", l.zone,
                             l.outcome.reason.empty() ? "" : " (" + l.outcome.reason + ")");
  }
  if (!listed.empty())
    return make("not-listed", Result::Fail, "listed in " + listed,
                "the list's text says how to be removed; a dynamic-space listing (such as the Spamhaus PBL) means "
                "the address should send through the ISP's mail server (smarthost) unless it is a mail server "
                "with its own name");
  if (!unknown.empty()) return make("not-listed", Result::Unknown, "not known for " + unknown);
  if (lists.empty()) return make("not-listed", Result::Pass, "no list is configured");
  return make("not-listed", Result::Pass, fmt::format("listed in none of the {} lists", lists.size()));
}

Report check(const config::Config& config, dns::Querier& querier, const std::string& domain_in,
             const std::optional<net::IpAddress>& ip, const dnsbl::HealthBoard* health) {
  Report report;
  report.domain = dns::canonical_name(domain_in);
  report.threshold = config.threshold;
  report.given_ip = ip;
  const auto stage = [&](std::vector<dns::Question> qs) {
    const auto deadline = dns::Clock::now() + config.dns_timeout.value;
    return dns::Batch::start(querier, std::move(qs), deadline)->wait_until(deadline);
  };
  using dns::RrType;

  // MX (an implicit MX when there is none; a null MX "." says the domain takes no mail).
  const dns::Answer mx = stage({{report.domain, RrType::MX}}).front();
  if (mx.status == dns::Status::Ok) {
    for (const auto& v : values(mx))
      if (v != "." && std::find(report.mx_hosts.begin(), report.mx_hosts.end(), v) == report.mx_hosts.end() &&
          report.mx_hosts.size() < kMaxMxHosts)
        report.mx_hosts.push_back(v);
    if (report.mx_hosts.empty())
      report.domain_findings.push_back(make("mx", Result::Fail, "null MX (\".\"): the domain says it takes no mail",
                                            "publish an MX record naming your mail server"));
  } else if (mx.status == dns::Status::NoData) {
    report.mx_hosts.push_back(report.domain);
  } else if (mx.status == dns::Status::NxDomain) {
    report.domain_findings.push_back(
        make("mx", Result::Fail, fmt::format("the domain {} does not exist", report.domain)));
  } else {
    report.domain_findings.push_back(make("mx", Result::Unknown, failure(mx)));
  }

  std::vector<dns::Question> qs;
  for (const auto& h : report.mx_hosts) {
    qs.push_back({h, RrType::A});
    qs.push_back({h, RrType::AAAA});
  }
  const auto host_addresses = stage(qs);

  // The servers: the address given, or every address of every MX host.
  std::vector<std::pair<std::string, net::IpAddress>> servers;
  const auto host_of = [&](const net::IpAddress& a) {
    for (std::size_t i = 0; i < report.mx_hosts.size(); ++i)
      if (holds(host_addresses[2 * i], a) || holds(host_addresses[2 * i + 1], a)) return report.mx_hosts[i];
    return std::string();
  };
  if (ip) {
    servers.emplace_back(host_of(*ip), *ip);
  } else {
    for (std::size_t i = 0; i < host_addresses.size(); ++i)
      for (const auto& v : values(host_addresses[i])) {
        const auto a = net::IpAddress::parse(v);
        const bool seen =
            std::any_of(servers.begin(), servers.end(), [&](const auto& s) { return a && s.second == *a; });
        if (a && !seen && servers.size() < kMaxServers) servers.emplace_back(report.mx_hosts[i / 2], *a);
      }
    if (servers.empty() && !report.mx_hosts.empty())
      report.domain_findings.push_back(
          make("mx-maps-to-ip",
               host_addresses.empty() || std::all_of(host_addresses.begin(), host_addresses.end(), answered)
                   ? Result::Fail
                   : Result::Unknown,
               fmt::format("no address for the MX hosts ({})", joined(report.mx_hosts)),
               "give each MX host an A (or AAAA) record"));
  }

  qs.clear();
  for (const auto& s : servers) qs.push_back({net::ptr_name(s.second), RrType::PTR});
  const auto ptrs = stage(qs);
  qs.clear();
  for (const auto& p : ptrs) {
    const std::string name = p.status == dns::Status::Ok && !p.records.empty() ? p.records.front().value : "invalid";
    qs.push_back({name, RrType::A});
    qs.push_back({name, RrType::AAAA});
  }
  const auto ptr_addresses = stage(qs);

  // dynmilter's own verdict for each server, as the daemon reaches it at CONNECT.
  const auto shared = std::make_shared<const config::Config>(config);
  std::vector<std::unique_ptr<policy::Transaction>> txns;
  for (std::size_t i = 0; i < servers.size(); ++i) {
    policy::ClientFacts facts{servers[i].second, ptrs[i].status == dns::Status::Ok && !ptrs[i].records.empty()
                                                     ? ptrs[i].records.front().value
                                                     : std::string()};
    // No incident reference: this is a check, not a connection, and a reference that appears in
    // no log would only mislead whoever quotes it (the default reply leaves the clause out).
    txns.push_back(std::make_unique<policy::Transaction>(shared, std::move(facts), querier, health));
  }
  for (std::size_t i = 0; i < servers.size(); ++i) {
    ServerAnswers a{servers[i].first,
                    servers[i].second,
                    mx,
                    host_addresses,
                    report.mx_hosts,
                    ptrs[i],
                    {ptr_addresses[2 * i], ptr_addresses[2 * i + 1]}};
    Server s{servers[i].first, servers[i].second, judge_server(config, a), "accept", "", {}, 0};
    auto v = txns[i]->verdict();
    // Each listing's own text (for the Spamhaus PBL: its lookup and removal page), asked under the
    // list's real zone (with its access key, if any; the verdict's lists follow config.dnsbls).
    const auto wants_text = [&](std::size_t k) {
      return k < config.dnsbls.size() && v.lists[k].outcome.listing == dnsbl::Listing::Listed && v.lists[k].txt.empty();
    };
    std::vector<dns::Question> txt;
    for (std::size_t k = 0; k < v.lists.size(); ++k)
      if (wants_text(k)) txt.push_back({net::dnsbl_query_name(servers[i].second, config.dnsbls[k].zone), RrType::TXT});
    const auto texts = stage(txt);
    for (std::size_t k = 0, j = 0; k < v.lists.size(); ++k)
      if (wants_text(k))
        if (const auto& t = texts[j++]; !t.records.empty()) v.lists[k].txt = t.records.front().value.substr(0, 200);
    s.findings.push_back(judge_lists(v));
    s.score = v.score;
    policy::for_each_contribution(v, [&](const policy::Contribution& c) {
      if (c.kind == policy::Contribution::Kind::Signal)
        s.evidence.push_back(fmt::format("{} ({:+d}, {}{}): {}", c.key, c.weight, c.primary ? "primary" : "supporting",
                                         policy::is_decisive(v, c.key) ? ", decisive" : "", c.signal->reason));
    });
    if (v.action == policy::Action::Reject) s.verdict = "reject";
    if (v.action == policy::Action::Tempfail) s.verdict = "defer";
    if (v.reply) s.reply = fmt::format("{} {} {}", v.reply->code, v.reply->xcode, v.reply->text);
    report.servers.push_back(std::move(s));
  }
  report.verdict = report.servers.empty() ? "unknown" : "accept";
  for (const auto& s : report.servers) {
    if (s.verdict == "reject")
      report.verdict = "reject";
    else if (s.verdict == "defer" && report.verdict != "reject")
      report.verdict = "defer";
  }
  return report;
}

std::string format_text(const Report& r) {
  std::string out = fmt::format("domain:  {}\n", r.domain);
  out += fmt::format("MX:      {}\n", r.mx_hosts.empty() ? "none" : joined(r.mx_hosts));
  const auto line = [&](const Finding& f) {
    out += fmt::format("  {:<8} {:<16} {}\n", to_string(f.result), f.rule, f.detail);
    if (!f.fix.empty()) out += fmt::format("  {:<8} {:<16} fix: {}\n", "", "", f.fix);
  };
  for (const auto& f : r.domain_findings) line(f);
  for (const auto& s : r.servers) {
    out += fmt::format("server:  {}{}\n", s.ip.to_string(), s.mx_host.empty() ? "" : " (MX host " + s.mx_host + ")");
    for (const auto& f : s.findings) line(f);
    for (const auto& e : s.evidence) out += fmt::format("  {:<8} {}\n", "signal", e);
    out += fmt::format("  {:<8} {} (threshold {})\n", "score", s.score, r.threshold);
    out += fmt::format("  dynmilter with this configuration would {} this server{}\n", s.verdict,
                       s.reply.empty() ? "" : ": " + s.reply);
  }
  if (r.servers.empty()) out += "no server to judge\n";
  return out;
}

std::string format_json(const Report& r) {
  using util::json_string;
  std::string out =
      fmt::format("{{\"domain\":{},\"ip\":{},\"mx\":{},\"rules\":[", json_string(r.domain),
                  r.given_ip ? json_string(r.given_ip->to_string()) : "null", util::json_list(r.mx_hosts));
  bool first = true;
  const auto rule = [&](const Finding& f, const Server* s) {
    out += fmt::format("{}{{\"rule\":{},\"result\":{},\"detail\":{},\"fix\":{}", first ? "" : ",", json_string(f.rule),
                       json_string(to_string(f.result)), json_string(f.detail), json_string(f.fix));
    if (s) out += fmt::format(",\"server\":{},\"mx\":{}", json_string(s->ip.to_string()), json_string(s->mx_host));
    out += "}";
    first = false;
  };
  for (const auto& f : r.domain_findings) rule(f, nullptr);
  for (const auto& s : r.servers)
    for (const auto& f : s.findings) rule(f, &s);
  out += "],\"servers\":[";
  for (std::size_t i = 0; i < r.servers.size(); ++i)
    out += fmt::format("{}{{\"ip\":{},\"mx\":{},\"signals\":{},\"score\":{},\"verdict\":{},\"reply\":{}}}",
                       i ? "," : "", json_string(r.servers[i].ip.to_string()), json_string(r.servers[i].mx_host),
                       util::json_list(r.servers[i].evidence), r.servers[i].score, json_string(r.servers[i].verdict),
                       json_string(r.servers[i].reply));
  out += fmt::format("],\"verdict\":{}}}\n", json_string(r.verdict));
  return out;
}

}  // namespace dyn::readiness
