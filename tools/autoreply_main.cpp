// dynmilter-autoreply: run by the MTA for mail to a bypass address (Postfix pipe(8), an alias to
// a command, Sendmail's prog mailer). It reads the message on standard input, and unless RFC 3834
// or the per-sender interval says not to, answers the sender once: why their mail was refused,
// how to smarthost, and the readiness report (dynmilter-check --sender) for the address their
// server connected from. The message itself is delivered to the mailbox as usual, by the MTA.
// It exits 0 whenever the message was read, replied to or not (a failure to reply is logged on
// standard error, which the MTA logs), so that it never bounces mail to the bypass address; 75
// (EX_TEMPFAIL, sysexits.h) for a setup error, so that the MTA keeps the message and retries.
// The reply goes to the envelope sender given on the command line, passed to sendmail as an
// argument with a null reverse path (-f <>): never to an address taken from the message.
#include "autoreply/address.hpp"
#include "autoreply/autoreply.hpp"
#include "autoreply/reply_store.hpp"
#include "options/options.hpp"
#include "engine/tool_dns.hpp"
#include "readiness/readiness.hpp"
#include "util/log.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

extern char** environ;

namespace {

using namespace dyn;

constexpr std::size_t kMaxRead = 1024 * 1024;  // more of the message than this is not read

void say(const std::string& what) { std::fprintf(stderr, "dynmilter-autoreply: %s\n", what.c_str()); }

std::optional<std::int64_t> interval_seconds(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::size_t used = 0;
  long long n = 0;
  try {
    n = std::stoll(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const std::string unit = text.substr(used);
  const long long mult = unit == "s" || unit.empty() ? 1
                         : unit == "m"               ? 60
                         : unit == "h"               ? 3600
                         : unit == "d"               ? 86400
                                                     : 0;
  if (mult == 0 || n < 0 || n > 366LL * 86400 / mult) return std::nullopt;
  return n * mult;
}

std::vector<std::string> words_of(const std::string& command) {
  std::vector<std::string> words;
  std::istringstream in(command);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// Runs the mail command (split at spaces, no shell) with `recipient` as its last argument and the
// reply on its standard input. True when it took the message (exit 0).
bool send(const std::string& command, const std::string& recipient, const std::string& message) {
  std::vector<std::string> words = words_of(command);
  if (words.empty()) return false;
  words.push_back(recipient);
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[0]);
  if (rc != 0) {
    ::close(fds[1]);
    say("cannot run " + words[0] + ": " + std::strerror(rc));
    return false;
  }
  std::size_t done = 0;
  while (done < message.size()) {
    const ssize_t n = ::write(fds[1], message.data() + done, message.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fds[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (done == message.size() && WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  say(words[0] + " failed (status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  return false;
}

int run(const config::Invocation& inv) {
  if (inv.state_file.empty()) {
    say("--state FILE is required (where each sender's last reply is kept)");
    return 75;  // EX_TEMPFAIL: the MTA keeps the message and retries until the setup is fixed
  }
  const auto interval = interval_seconds(inv.reply_interval);
  if (!interval) {
    say("--reply-interval: not a duration: '" + inv.reply_interval + "' (N followed by s, m, h or d)");
    return 75;
  }
  for (const auto& w : words_of(inv.sendmail_command))
    if (w == "-t") {
      say("--sendmail must not use -t: the reply's recipient is passed as an argument, never taken from its header");
      return 75;
    }
  std::string body_template = autoreply::kDefaultTemplate;
  if (!inv.template_file.empty()) {
    std::ifstream t(inv.template_file);
    std::stringstream ss;
    if (!t || !(ss << t.rdbuf())) {
      say("cannot read the template " + inv.template_file);
      return 75;
    }
    body_template = ss.str();
  }
  // The first MiB of the message (its header, and a quoted bounce's reference); the rest is read
  // and dropped (the MTA delivers the message itself).
  std::string text;
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, stdin)) > 0;)
    if (text.size() < kMaxRead) text.append(buf, n);
  const auto message = autoreply::parse_header(text);

  if (const auto why = autoreply::reason_not_to_reply(inv.sender, message); !why.empty()) {
    say("no reply to <" + inv.sender + ">: " + why);
    return 0;
  }
  const auto ip = autoreply::connecting_address(message, inv.received_by);
  if (!ip) {
    say("no reply to <" + inv.sender + ">: no Received field of ours names the address it came from");
    return 0;
  }
  const std::string to = *autoreply::reply_address(inv.sender);  // checked by reason_not_to_reply
  const std::string key = autoreply::rate_key(to);
  // The sender's turn: the store's write lock is held until the reply is recorded (sent) or the
  // turn is abandoned (not sent: the next message may try again).
  std::optional<autoreply::ReplyStore> store;
  std::optional<autoreply::ReplyStore::Turn> turn;
  try {
    store.emplace(inv.state_file);
    turn.emplace(store->begin());
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    std::string note;
    const bool may = turn->may_reply(key, now, *interval, &note);
    if (!note.empty()) say(inv.state_file + ": " + note);
    if (!may) {
      say("no reply to <" + to + ">: already answered within " + inv.reply_interval);
      return 0;
    }
  } catch (const autoreply::StoreError& e) {
    say(std::string(e.what()) + "; no reply sent");
    return 0;
  }
  const std::string domain = to.substr(to.rfind('@') + 1);
  const auto& config = inv.config;
  log::set_max_level(log::Level::Error);
  engine::ToolDns dns(config);  // --local-zone data answers as in the daemon
  const auto report = readiness::check(config, dns.querier(), domain, ip, &dns.board());
  std::string verdict = "would " + report.verdict;
  if (!report.servers.empty() && !report.servers[0].reply.empty()) verdict += ": " + report.servers[0].reply;
  // The reference of the refusal, when the message quotes it (a forwarded bounce): the one in the
  // daemon's log, never a new one.
  const std::string reference = autoreply::quoted_reference(text);
  const std::string reference_note = reference.empty() ? std::string()
                                                       : "The refusal you quoted has our reference " + reference +
                                                             ": whoever reads this address can find it in our log.\n";
  const std::map<std::string, std::string> values{{"sender", to},
                                                  {"recipient", inv.recipient},
                                                  {"ip", ip->to_string()},
                                                  {"domain", domain},
                                                  {"report", readiness::format_text(report)},
                                                  {"verdict", verdict},
                                                  {"reference", reference},
                                                  {"reference_note", reference_note}};
  const auto reply = autoreply::compose(inv.recipient.empty() ? "postmaster" : inv.recipient, to, message,
                                        autoreply::render(body_template, values));
  if (inv.dry_run) {  // shown, not sent, and not recorded
    std::cout << reply;
    return 0;
  }
  if (!send(inv.sendmail_command, to, reply)) {
    say("no reply to <" + to + ">: it could not be sent (the sender's turn is kept for the next message)");
    return 0;
  }
  try {
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    turn->record(key, now);
  } catch (const autoreply::StoreError& e) {
    say("replied to <" + to + ">, but the reply could not be recorded: " + e.what());
    return 0;
  }
  say("replied to <" + to + "> about " + ip->to_string());
  return 0;
}

}  // namespace

constexpr const char* kUsage =
    "Usage: dynmilter-autoreply [OPTIONS] --sender ADDRESS --recipient ADDRESS --state FILE [RECIPIENT...] < message\n"
    "Answers mail to a bypass address once per sender and interval: why their mail was refused, how to\n"
    "smarthost, and the readiness report for the address they sent from (RFC 3834 rules apply).\n"
    "RECIPIENT...: the envelope recipients, ignored (Sendmail needs $u in a mailer's arguments).\n"
    "Exit status: 0 the message was read (replied to or not), 75 (temporary failure: the MTA retries) a setup error.\n";

int main(int argc, char** argv) {
  // A setup error is temporary for the MTA (75: it retries); a failure while answering loses
  // nothing (0: the message itself is delivered to the bypass mailbox anyway).
  return config::tool_main(argc, argv, {"dynmilter-autoreply", config::kCheck | config::kAutoreply, kUsage, 75, 0},
                           run);
}
