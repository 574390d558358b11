#include "replay/report.hpp"

#include "util/json.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace dyn::replay {

namespace {

using util::json_list;
using util::json_string;

std::string endpoint(const Client& c) { return c.name + "[" + c.ip.to_string() + "]"; }

bool refuses(std::string_view action) { return action == "reject" || action == "tempfail"; }

std::vector<std::string> legitimacy(const Client& c, const std::vector<net::Cidr>& mynetworks) {
  std::vector<std::string> out;
  if (c.authenticated) out.push_back(c.auth_user.empty() ? "authenticated" : "authenticated as " + c.auth_user);
  if (net::any_contains(mynetworks, c.ip)) out.push_back("in mynetworks");
  if (c.delivered) out.push_back("its mail was delivered");
  return out;
}

std::string then(const Client& c) {
  if (c.milter_refused) return "refused";
  if (c.milter_deferred) return "deferred";
  if (c.rcpt_accepted) return "accepted";
  return "";
}

// A CSV field: quoted when it holds a comma, a quote or a line break.
std::string csv(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (const char ch : s) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

std::string joined(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? std::string(sep) : "") + items[i];
  return out;
}

std::vector<std::string> hit_names(const policy::Verdict& v) {
  std::vector<std::string> out;
  for (const auto& [key, weight] : policy::evidence_hits(v)) out.push_back(key);
  return out;
}

}  // namespace

std::uint64_t Report::clients() const {
  std::uint64_t n = 0;
  for (const auto& [action, count] : actions) n += count;
  return n;
}

std::uint64_t Report::refused() const {
  std::uint64_t n = 0;
  for (const auto& [action, count] : actions)
    if (refuses(action)) n += count;
  return n;
}

Report empty_report() {
  Report r;
  for (const char* a : {"reject", "tempfail", "tag", "log", "accept"}) r.actions[a] = 0;
  return r;
}

Report summarize(const Clients& clients, const std::vector<policy::Verdict>& verdicts,
                 const std::vector<net::Cidr>& mynetworks) {
  Report r = empty_report();
  for (std::size_t i = 0; i < clients.size() && i < verdicts.size(); ++i)
    add(r, i, clients[i], verdicts[i], mynetworks);
  return r;
}

void add(Report& r, std::size_t i, const Client& c, const policy::Verdict& v,
         const std::vector<net::Cidr>& mynetworks) {
  const std::string action(policy::disposition(v));
  ++r.actions[action];
  for (const auto& [key, weight] : policy::evidence_hits(v)) {
    auto& s = r.sources[key];
    ++s.hits;
    if (std::find(v.decisive.begin(), v.decisive.end(), key) != v.decisive.end()) ++s.decisive;
    if (s.examples.size() < kExamples) s.examples.push_back(endpoint(c));
  }
  r.refused_then += c.milter_refused;
  r.deferred_then += !c.milter_refused && c.milter_deferred;
  const bool refused_then = c.milter_refused || c.milter_deferred;
  if (refuses(action) && c.rcpt_accepted && !refused_then && !c.authenticated) ++r.now_refused;
  if (!refuses(action) && refused_then) ++r.now_accepted;
  if (refuses(action))
    if (auto evidence = legitimacy(c, mynetworks); !evidence.empty())
      r.suspects.push_back({i, action, std::move(evidence)});
}

std::string format_table(const Report& r, const Clients& clients) {
  std::string out;
  out += fmt::format(
      "read:        {} lines in {} file(s); {} of Postfix or Sendmail, {} used; skipped: {} of other "
      "programs, {} malformed{}\n",
      r.counts.lines, r.files, r.counts.mta_lines, r.counts.used, r.counts.other, r.counts.malformed,
      r.counts.forgotten ? fmt::format(", {} sessions or queue ids forgotten at the caps", r.counts.forgotten)
                         : std::string());
  out += fmt::format("judged:      {} distinct clients, {}\n", r.clients(),
                     r.dns ? "with DNS (lists and the clients' own records asked now)"
                           : "by name only (lists not asked: --dns asks them)");
  out += fmt::format("would:       reject {}, tempfail {}, tag {}, log only {}, accept {}\n", r.actions.at("reject"),
                     r.actions.at("tempfail"), r.actions.at("tag"), r.actions.at("log"), r.actions.at("accept"));
  out += fmt::format(
      "the log:     a milter refused {} and deferred {} of these clients then; now {} more would be "
      "refused or deferred, {} would be accepted\n",
      r.refused_then, r.deferred_then, r.now_refused, r.now_accepted);
  out += "\nevidence against clients (hits; decisive: the threshold would not have been reached without it)\n";
  out += fmt::format("  {:<28} {:>8} {:>9}  {}\n", "source", "hits", "decisive", "examples");
  for (const auto& [key, s] : r.sources)
    out += fmt::format("  {:<28} {:>8} {:>9}  {}\n", key, s.hits, s.decisive, joined(s.examples, ", "));
  if (r.sources.empty()) out += "  (none)\n";
  out += fmt::format("\nwould-be refusals that the log shows to be legitimate: {}\n", r.suspects.size());
  for (const auto& s : r.suspects)
    out += fmt::format("  {:<40} {:<8} {}\n", endpoint(clients[s.client]), s.action, joined(s.evidence, "; "));
  return out;
}

std::string format_json(const Report& r, const Clients& clients) {
  std::string out = "{";
  out += fmt::format("\"files\":{},\"lines\":{},\"mta_lines\":{},\"used\":{},", r.files, r.counts.lines,
                     r.counts.mta_lines, r.counts.used);
  out += fmt::format("\"skipped\":{{\"other\":{},\"malformed\":{},\"forgotten\":{}}},", r.counts.other,
                     r.counts.malformed, r.counts.forgotten);
  out += fmt::format("\"dns\":{},\"clients\":{},\"refused\":{},\"actions\":{{", r.dns ? "true" : "false", r.clients(),
                     r.refused());
  bool first = true;
  for (const auto& [action, n] : r.actions) {
    out += fmt::format("{}{}:{}", first ? "" : ",", json_string(action), n);
    first = false;
  }
  out += "},\"sources\":[";
  first = true;
  for (const auto& [key, s] : r.sources) {
    out += fmt::format("{}{{\"source\":{},\"hits\":{},\"decisive\":{},\"examples\":{}}}", first ? "" : ",",
                       json_string(key), s.hits, s.decisive, json_list(s.examples));
    first = false;
  }
  out += "],\"legitimate\":[";
  for (std::size_t i = 0; i < r.suspects.size(); ++i) {
    const auto& s = r.suspects[i];
    const Client& c = clients[s.client];
    out +=
        fmt::format("{}{{\"address\":{},\"name\":{},\"action\":{},\"evidence\":{}}}", i ? "," : "",
                    json_string(c.ip.to_string()), json_string(c.name), json_string(s.action), json_list(s.evidence));
  }
  out +=
      fmt::format("],\"log\":{{\"refused_then\":{},\"deferred_then\":{},\"now_refused\":{},\"now_accepted\":{}}}}}\n",
                  r.refused_then, r.deferred_then, r.now_refused, r.now_accepted);
  return out;
}

std::string csv_header() {
  return "address,name,rdns,action,score,decisive,hits,authenticated,mynetworks,delivered,then\n";
}

std::string csv_row(const Client& c, const policy::Verdict& v, const std::vector<net::Cidr>& mynetworks) {
  return fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", csv(c.ip.to_string()), csv(c.name),
                     rdns::to_string(c.rdns.status), policy::disposition(v), v.score, csv(joined(v.decisive, " ")),
                     csv(joined(hit_names(v), " ")), c.authenticated ? "yes" : "no",
                     net::any_contains(mynetworks, c.ip) ? "yes" : "no", c.delivered ? "yes" : "no", then(c));
}

}  // namespace dyn::replay
