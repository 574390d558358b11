// What dynmilter-replay reports: the clients of a mail log judged with the current configuration,
// summed per evidence source (hits and decisive hits, with examples), the would-be refusals that
// the same log shows to be legitimate, and how the verdicts compare with what the log says
// happened. Pure: clients and verdicts in, text out (a table, JSON or CSV).
#pragma once

#include "net/cidr.hpp"
#include "policy/policy.hpp"
#include "replay/mail_log.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dyn::replay {

struct SourceCount {
  std::uint64_t hits = 0;
  std::uint64_t decisive = 0;
  std::vector<std::string> examples;  // "name[address]", the first few
};

struct Suspect {  // a would-be refusal that the log shows to be legitimate
  std::size_t client = 0;
  std::string action;
  std::vector<std::string> evidence;  // "authenticated as alice", "in mynetworks", "its mail was delivered"
};

struct Report {
  Counts counts;
  std::size_t files = 0;
  bool dns = false;                              // lists and the client's own records were asked
  std::map<std::string, std::uint64_t> actions;  // reject, tempfail, tag, log, accept
  std::map<std::string, SourceCount> sources;
  std::vector<Suspect> suspects;
  // Against the log: clients a milter refused (5xx) or deferred (4xx) then; clients whose
  // recipients were accepted then (none refused, not logged in) that would now be refused or
  // deferred; clients a milter refused or deferred then that would now be accepted.
  std::uint64_t refused_then = 0, deferred_then = 0, now_refused = 0, now_accepted = 0;
  std::uint64_t clients() const;
  std::uint64_t refused() const;  // reject + tempfail
};

inline constexpr std::size_t kExamples = 3;

Report empty_report();
// Counts one client (clients[index]) and its verdict in; verdicts need not be kept.
void add(Report& report, std::size_t index, const Client& client, const policy::Verdict& verdict,
         const std::vector<net::Cidr>& mynetworks);
// `verdicts[i]` is clients[i]'s verdict.
Report summarize(const Clients& clients, const std::vector<policy::Verdict>& verdicts,
                 const std::vector<net::Cidr>& mynetworks);

std::string format_table(const Report& report, const Clients& clients);
std::string format_json(const Report& report, const Clients& clients);
// One row per client: address,name,rdns,action,score,decisive,hits,authenticated,mynetworks,delivered,then
std::string csv_header();
std::string csv_row(const Client& client, const policy::Verdict& verdict, const std::vector<net::Cidr>& mynetworks);

}  // namespace dyn::replay
