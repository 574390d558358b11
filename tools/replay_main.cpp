// dynmilter-replay [OPTIONS] LOGFILE...: reads past Postfix or Sendmail logs (rotated and
// compressed ones too), judges every distinct client with the current configuration, and reports
// who would be refused, which evidence decided, and which would-be refusals the same log shows to
// be legitimate. The log reading and the report are pure (lib/replay/); this is the glue: files,
// decompression, progress, and the judging (names only, or with DNS as the daemon asks it).
#include "options/options.hpp"
#include "engine/tool_dns.hpp"
#include "policy/transaction.hpp"
#include "rdns/classify.hpp"
#include "replay/propose.hpp"
#include "replay/report.hpp"
#include "rules/rule_set.hpp"
#include "util/log.hpp"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>

extern char** environ;

namespace {

using namespace dyn;

constexpr std::size_t kMaxLine = 64 * 1024;  // longer lines are skipped (counted as other)

// A log file's bytes: the file itself, or a decompressor's output for .gz, .xz, .bz2 and .zst.
class LogInput {
 public:
  explicit LogInput(const std::string& path) : path_(path) {
    const char* tool = nullptr;
    for (const auto& [suffix, program] : {std::pair{".gz", "gzip"}, {".xz", "xz"}, {".bz2", "bzip2"}, {".zst", "zstd"}})
      if (path.size() > std::strlen(suffix) &&
          path.compare(path.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
        tool = program;
    if (!tool) {
      file_ = std::fopen(path.c_str(), "rb");
      if (!file_) error_ = std::strerror(errno);
      return;
    }
    int fds[2];
    if (::pipe(fds) != 0) {
      error_ = std::strerror(errno);
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    const char* argv[] = {tool, "-dc", "--", path.c_str(), nullptr};
    const int rc = posix_spawnp(&child_, tool, &actions, nullptr, const_cast<char**>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
      ::close(fds[0]);
      error_ = fmt::format("cannot run {} to decompress it: {}", tool, std::strerror(rc));
      child_ = -1;
      return;
    }
    tool_ = tool;
    file_ = ::fdopen(fds[0], "rb");
  }
  ~LogInput() { finish(); }
  LogInput(const LogInput&) = delete;
  LogInput& operator=(const LogInput&) = delete;

  const std::string& error() const { return error_; }
  std::FILE* file() const { return file_; }
  // Closes the file and reaps the decompressor; an error when it failed (a corrupt archive).
  std::string finish() {
    if (file_) std::fclose(file_);
    file_ = nullptr;
    if (child_ <= 0) return {};
    int status = 0;
    ::waitpid(child_, &status, 0);
    child_ = -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    return fmt::format("{} could not decompress it all (status {})", tool_,
                       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  }

 private:
  std::string path_;
  std::string error_;
  std::string tool_;
  std::FILE* file_ = nullptr;
  pid_t child_ = -1;
};

// Feeds every line of `in` to `log`; shows progress on a terminal.
void read_lines(std::FILE* in, const std::string& path, replay::MailLog& log, bool progress) {
  std::vector<char> buf(1 << 20);
  std::string carry;  // the start of a line that the last read cut
  bool too_long = false;
  std::uint64_t bytes = 0, next_report = 0;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), in)) > 0) {
    bytes += n;
    std::string_view chunk(buf.data(), n);
    for (std::size_t nl; (nl = chunk.find('\n')) != std::string_view::npos; chunk.remove_prefix(nl + 1)) {
      if (too_long) {
        log.add_line({});  // counted as a line of no known program
        too_long = false;
        carry.clear();
        continue;
      }
      if (carry.empty()) {
        log.add_line(chunk.substr(0, nl));
      } else {
        carry.append(chunk.substr(0, nl));
        log.add_line(carry);
        carry.clear();
      }
    }
    if (!too_long) carry.append(chunk);
    if (carry.size() > kMaxLine) {
      too_long = true;
      carry.clear();
    }
    if (progress && bytes >= next_report) {
      std::fprintf(stderr, "\rdynmilter-replay: %s: %.0f MB, %llu lines", path.c_str(),
                   static_cast<double>(bytes) / 1e6, static_cast<unsigned long long>(log.counts().lines));
      next_report = bytes + (64 << 20);
    }
  }
  if (!carry.empty() || too_long) log.add_line(too_long ? std::string_view() : std::string_view(carry));
  if (progress) std::fprintf(stderr, "\n");
}

// Calls use(i, verdict) for every client in order; verdicts are not kept (memory stays with the
// clients). Names only: the lists are not asked, so a list counts neither way.
template <class Use>
void judge_by_name(const config::Config& config, const replay::Clients& clients, Use use) {
  config::Config names_only = config;
  names_only.dnsbls.clear();
  for (std::size_t i = 0; i < clients.size(); ++i)
    use(i, policy::decide(names_only, policy::ClientFacts{clients[i].ip, clients[i].name, clients[i].rdns}));
}

// As the daemon judges them: each client's lookups in parallel, several clients at a time, paced
// so that the queries sent stay at `rate` a second on average (the batch is sized to about a
// tenth of a second's worth, and the next waits until the queries sent so far are within budget).
template <class Use>
void judge_with_dns(const std::shared_ptr<const config::Config>& config, const replay::Clients& clients, int rate,
                    Use use) {
  engine::ToolDns dns(*config);  // --local-zone data answers as in the daemon
  const std::size_t kInFlight = std::clamp<std::size_t>(static_cast<std::size_t>(rate) / 50, 1, 64);
  const auto start = std::chrono::steady_clock::now();
  const auto sent_at_start = dns.queries_sent();
  for (std::size_t at = 0; at < clients.size(); at += kInFlight) {
    const auto sent = dns.queries_sent() - sent_at_start;
    const auto due = start + std::chrono::duration<double>(static_cast<double>(sent) / rate);
    std::this_thread::sleep_until(std::chrono::time_point_cast<std::chrono::steady_clock::duration>(due));
    std::vector<std::unique_ptr<policy::Transaction>> batch;
    for (std::size_t i = at; i < std::min(clients.size(), at + kInFlight); ++i)
      batch.push_back(std::make_unique<policy::Transaction>(
          config, policy::ClientFacts{clients[i].ip, clients[i].name, clients[i].rdns}, dns.querier(), &dns.board()));
    for (std::size_t k = 0; k < batch.size(); ++k) use(at + k, batch[k]->verdict());
  }
}

// --labeled FILE: "dynamic|static<TAB>hostname[<TAB>address]" per line, # comments. A line of
// another form is an error naming the file and line; a name that cannot be mined is counted.
void read_labeled(const config::Config& config, const std::string& path, replay::RuleMiner& miner) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": " + std::strerror(errno));
  std::string line;
  for (int lineno = 1; std::getline(in, line); ++lineno) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    const std::string label = line.substr(0, tab);
    if (tab == std::string::npos || (label != "dynamic" && label != "static"))
      throw std::runtime_error(fmt::format("{}:{}: want 'dynamic|static<TAB>hostname'", path, lineno));
    std::string rest = line.substr(tab + 1);
    std::string name = rest.substr(0, rest.find('\t'));
    std::optional<net::IpAddress> ip;
    if (const auto t2 = rest.find('\t'); t2 != std::string::npos) ip = net::IpAddress::parse(rest.substr(t2 + 1));
    replay::LabeledName n{label == "dynamic", std::move(name), {}, {}, false};
    // Refused today: as dynamic-check --classify judges the name (no DNS).
    if (n.dynamic && replay::unminable(n.name).empty())
      n.refused_today =
          rdns::total(policy::gather(config, policy::ClientFacts{ip, n.name}).signals) >= config.threshold;
    miner.add(n);
  }
}

// The label the site's own log gives a client: dynamic when a list of positive weight lists it
// (asked now with --dns, or as dynmilter's own verdict lines said); a server when it is in
// mynetworks, an allowlist (a list of negative weight) lists it, or its mail was delivered on
// three days or more from a forward-confirmed name. Authenticated clients are the site's own
// users, often on home lines: left unlabeled, as is everyone else.
std::optional<bool> log_label(const config::Config& config, const replay::Client& c, const policy::Verdict& v,
                              const std::vector<net::Cidr>& mine) {
  bool listed = false, allowed = false;
  for (const auto& l : v.lists)
    if (l.outcome.listing == dnsbl::Listing::Listed) (l.weight > 0 ? listed : allowed) = true;
  for (const auto& zone : c.listed_by)
    for (const auto& spec : config.dnsbls)
      if (spec.safe_name() == zone && spec.weight != 0) (spec.weight > 0 ? listed : allowed) = true;
  if (allowed || std::any_of(mine.begin(), mine.end(), [&](const net::Cidr& n) { return n.contains(c.ip); }))
    return false;
  if (c.authenticated) return std::nullopt;
  if (listed) return true;
  if (c.delivered && c.days >= 3 && c.rdns.status == rdns::RdnsStatus::Ok) return false;
  return std::nullopt;
}

// Mines the rules, writes them to OUT, loads OUT back as dynmilter would (every example
// re-checked), and prints the summary.
replay::MiningOptions mining_options(const config::Invocation& inv) {
  if (inv.min_support < 2 || inv.min_support > 100000)
    throw std::runtime_error("--min-support must be from 2 to 100000");
  replay::MiningOptions options;
  options.min_support = static_cast<std::size_t>(inv.min_support);
  return options;
}

int propose(const config::Invocation& inv, replay::RuleMiner& miner, const std::string& source) {
  const auto options = mining_options(inv);
  const auto proposal = miner.finish();
  {
    std::ofstream out(inv.propose_rules);
    out << replay::format_rule_file(proposal, source, options.weight);
    if (!out.flush()) {
      std::fprintf(stderr, "dynmilter-replay: cannot write %s\n", inv.propose_rules.c_str());
      return 2;
    }
  }
  const auto loaded = rules::load_rule_file(inv.propose_rules);  // throws with file:line if one is wrong
  std::cout << replay::format_summary(proposal);
  std::size_t adds = 0;
  for (const auto& r : proposal.rules) {
    std::cout << fmt::format("  {:<40} would add {} refusal{} ({} dynamic names matched)\n", "rule:" + r.name, r.adds,
                             r.adds == 1 ? "" : "s", r.matched);
    adds += r.adds;
  }
  std::cout << fmt::format(
      "{} rules written to {} ({} loaded back, examples checked); together they would add {} "
      "refusals\n",
      proposal.rules.size(), inv.propose_rules, loaded.size(), adds);
  return 0;
}

int run(const config::Invocation& inv) {
  if (!inv.labeled.empty() && inv.propose_rules.empty()) {
    std::fprintf(stderr, "dynmilter-replay: --labeled goes with --propose-rules OUT\n");
    return 2;
  }
  if (!inv.propose_rules.empty() && !inv.labeled.empty()) {
    log::set_max_level(log::Level::Warning);
    replay::RuleMiner miner(mining_options(inv));
    read_labeled(inv.config, inv.labeled, miner);
    return propose(inv, miner, inv.labeled);
  }
  if (inv.positional.empty()) {
    std::fprintf(stderr, "dynmilter-replay: usage: dynmilter-replay [OPTIONS] LOGFILE...\n");
    return 2;
  }
  if (inv.json && inv.csv) {
    std::fprintf(stderr, "dynmilter-replay: --json and --csv: choose one\n");
    return 2;
  }
  if (inv.dns_rate <= 0) {
    std::fprintf(stderr, "dynmilter-replay: --dns-rate must be a positive number of queries a second\n");
    return 2;
  }
  std::vector<net::Cidr> mynetworks;
  for (const auto& m : inv.mynetworks) {
    const auto cidr = net::Cidr::parse(m);
    if (!cidr) {
      std::fprintf(stderr, "dynmilter-replay: --mynetworks: not a network: '%s'\n", m.c_str());
      return 2;
    }
    mynetworks.push_back(*cidr);
  }
  log::set_max_level(log::Level::Warning);
  const bool progress = ::isatty(2);
  replay::MailLog log;
  // Mail to postmaster, abuse or a bypass address is what a refused sender is told to send.
  log.set_exempt_recipient([&](std::string_view r) { return !policy::exempt_recipient(inv.config, r).empty(); });
  int status = 0;
  for (const auto& path : inv.positional) {
    LogInput in(path);
    if (!in.file()) {
      std::fprintf(stderr, "dynmilter-replay: %s: %s\n", path.c_str(), in.error().c_str());
      status = 2;
      continue;
    }
    read_lines(in.file(), path, log, progress);
    if (const auto why = in.finish(); !why.empty()) {
      std::fprintf(stderr, "dynmilter-replay: %s: %s\n", path.c_str(), why.c_str());
      status = 2;
    }
  }
  if (!inv.propose_rules.empty() && !inv.dns && log.counts().verdicts == 0) {
    std::fprintf(stderr,
                 "dynmilter-replay: --propose-rules needs to know which clients lists list: --dns (ask them now), or "
                 "logs with dynmilter's own verdict lines; or --labeled FILE\n");
    return 2;
  }
  const auto config = std::make_shared<const config::Config>(inv.config);
  auto report = replay::empty_report();
  report.counts = log.counts();
  report.files = inv.positional.size();
  report.dns = inv.dns;
  if (inv.csv) std::cout << replay::csv_header();
  std::optional<replay::RuleMiner> miner;
  if (!inv.propose_rules.empty()) miner.emplace(mining_options(inv));
  const auto use = [&](std::size_t i, const policy::Verdict& v) {
    const auto& c = log.clients()[i];
    if (!inv.propose_rules.empty()) {
      if (const auto label = log_label(inv.config, c, v, mynetworks); label && c.rdns.status == rdns::RdnsStatus::Ok)
        miner->add({*label, c.rdns.name, c.first_seen, c.last_seen, v.reached});
      return;
    }
    replay::add(report, i, c, v, mynetworks);
    if (inv.csv) std::cout << replay::csv_row(c, v, mynetworks);
  };
  if (inv.dns)
    judge_with_dns(config, log.clients(), inv.dns_rate, use);
  else
    judge_by_name(*config, log.clients(), use);
  if (!inv.propose_rules.empty()) {
    std::string source;
    for (const auto& p : inv.positional) source += (source.empty() ? "" : ", ") + p;
    const int rc = propose(inv, *miner, source);
    return rc ? rc : status;
  }
  if (inv.json)
    std::cout << replay::format_json(report, log.clients());
  else if (!inv.csv)
    std::cout << replay::format_table(report, log.clients());
  return status;
}

}  // namespace

constexpr const char* kUsage =
    "Usage: dynmilter-replay [OPTIONS] LOGFILE...\n"
    "       dynmilter-replay [OPTIONS] [--dns] --propose-rules OUT LOGFILE...\n"
    "       dynmilter-replay [OPTIONS] --propose-rules OUT --labeled FILE\n"
    "Judges every client of past Postfix or Sendmail logs (.gz, .xz, .bz2 and .zst too) with this configuration:\n"
    "who would be refused, which evidence decided, and which of them the log shows to be legitimate;\n"
    "with --propose-rules, mines provider rules from the clients the log labels (or from --labeled names).\n"
    "Exit status: 0 done, 2 error (a file that could not be read, a bad option).\n";

int main(int argc, char** argv) {
  return config::tool_main(argc, argv, {"dynmilter-replay", config::kCheck | config::kReplay, kUsage, 2, 2}, run);
}
