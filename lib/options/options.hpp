// The option table: every setting is defined once (name, type, default, help) and that one
// definition drives the command line, the config file, --help, --print-config and the
// sample config. Options carry the same names on the command line and in the file.
#pragma once

#include "config/config.hpp"
#include "options/value_checks.hpp"
#include "dns/cache.hpp"

#include <functional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dyn::config {

// Which program an option belongs to (a bit set).
// dynmilter-replay reads the options of dynmilter-check (kCheck | kReplay) and its own.
// dynmilter-autoreply likewise (kCheck | kAutoreply).
// dynmilter-web too (kCheck | kWeb), and the daemon's settings that say where the history is.
enum Scope : unsigned { kDaemon = 1, kCheck = 2, kBoth = 3, kReplay = 4, kAutoreply = 8, kWeb = 16 };

// A bad option, value or file; the message names the file and line where there is one.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The built-in defaults (what a config with no options means).
Config default_config();

// The DNS cache's settings from --dns-cache-size, --dns-min-ttl and --dns-max-ttl.
dns::CacheOptions cache_options(const Config& c);

struct Invocation {
  Config config;
  bool help = false;
  bool version = false;
  bool print_config = false;
  bool sample_config = false;
  bool classify = false;                // dynmilter-check --classify
  std::string config_path;              // empty: no config file
  std::vector<std::string> positional;  // dynmilter-check: ADDRESS [NAME]; dynmilter-replay: LOGFILE...;
                                        // dynmilter-autoreply: the recipients (Sendmail's $u), unused
  // dynmilter-check --sender DOMAIN [--sender-ip IP]: the readiness check of a sending server.
  // dynmilter-autoreply --sender ADDRESS: the envelope sender of the message it answers.
  std::string sender;
  // dynmilter-autoreply: the bypass address, state file, mail command, our Received hosts,
  // reply template, interval between replies to one sender.
  std::string recipient;
  std::string state_file;
  std::string sendmail_command = "/usr/sbin/sendmail -oi -f <>";
  std::vector<std::string> received_by;
  std::string template_file;
  std::string reply_interval = "1d";
  bool dry_run = false;
  std::string sender_ip;
  std::string helo;  // dynmilter-check ADDRESS --helo NAME: the HELO the client would send
  // dynmilter-replay and dynmilter-check: JSON output. dynmilter-replay: the rest.
  bool json = false;
  bool csv = false;
  bool dns = false;
  int dns_rate = 100;  // dynmilter-replay --dns: DNS queries a second, on average
  std::vector<std::string> mynetworks;
  // dynmilter-replay --propose-rules OUT: mine provider rules from the labeled clients (of the
  // logs, or of --labeled FILE), each covering at least --min-support dynamic names.
  std::string propose_rules;
  std::string labeled;
  int min_support = 3;
  // dynmilter-web: where it listens, the proxies whose X-Forwarded-For it believes, and how many
  // readiness checks one visitor may run a minute.
  std::string listen = "127.0.0.1:8026";
  std::vector<std::string> trusted_proxies;
  int check_rate = 6;
};

// Command line first, then the --config file; the command line wins for options given in both.
// Throws Error. Fills in DNS servers from /etc/resolv.conf when none are configured. The config,
// allow and bypass files are read from `texts` where it holds their paths (see FileTexts).
Invocation parse_invocation(int argc, const char* const* argv, unsigned scope, const FileTexts* texts = nullptr);

std::string help_text(unsigned scope);

// Handles --help, --version, --print-config and --sample-config: prints to `out` and returns
// true when one was asked for (the program then exits 0).
bool print_requested_info(const Invocation& inv, unsigned scope, std::string_view usage, std::string_view program,
                          std::ostream& out);
// The main() of dynmilter-check, -replay and -autoreply: parses the invocation (a bad one: its
// error on standard error as "PROGRAM: ...", exit `setup_error`), answers --help and the like,
// else runs `run` (an exception it throws: reported the same way, exit `failure`).
struct Tool {
  std::string_view program;
  unsigned scope;
  std::string_view usage;
  int setup_error;
  int failure;
};
int tool_main(int argc, char** argv, const Tool& tool, const std::function<int(const Invocation&)>& run);

// The effective configuration in config-file syntax (what --print-config prints).
std::string format_config(const Config& config, unsigned scope);
// A commented config file with every option at its default (packaging/dynmilter.conf).
std::string sample_config(unsigned scope);

struct OptionInfo {
  std::string name;
  std::string value_name;
  std::string help;
  bool repeatable = false;
};
// Every option of the given scope, file options and command-line-only options alike.
std::vector<OptionInfo> options(unsigned scope);

}  // namespace dyn::config
