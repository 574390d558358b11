// The options each program takes on its command line only: --help, --version, --config, ... and
// the tools' own (dynmilter-check, dynmilter-replay, dynmilter-autoreply, dynmilter-web).
#include "options/tool_options.hpp"

#include <iostream>

namespace dyn::config {

namespace po = boost::program_options;

namespace {

// dynmilter-replay's own options (command line only).
const std::vector<OptionInfo>& replay_options() {
  static const std::vector<OptionInfo> o = {
      {"json", "", "print the report as one JSON document", false},
      {"csv", "", "print one CSV row per client instead of the report", false},
      {"dns", "",
       "ask the configured lists and the clients' own DNS records now (default: judge by the logged names "
       "only, lists not asked)",
       false},
      {"dns-rate", "N",
       "with --dns: send at most N DNS queries a second on average (default 100; a client takes about five), "
       "so that a replay of a big log does not flood the resolver or the lists",
       false},
      {"mynetworks", "CIDR",
       "the MTA's trusted networks (Postfix mynetworks, repeatable): a would-be refusal inside "
       "them is reported as legitimate, and its clients are servers for --propose-rules",
       true},
      {"propose-rules", "OUT",
       "mine provider rules from this site's own clients and write them to OUT (a rule file, nothing enabled): "
       "dynamic = listed by a list of positive weight (asked with --dns, or as dynmilter's own verdict lines in the "
       "logs say); server = in --mynetworks, on an allowlist, "
       "or mail delivered on 3 days or more from a forward-confirmed name",
       false},
      {"labeled", "FILE",
       "with --propose-rules: read labeled names instead of logs, one 'dynamic|static<TAB>hostname' per line", false},
      {"min-support", "N", "with --propose-rules: distinct dynamic names a rule must cover (default 3)", false}};
  return o;
}

// dynmilter-check's own options (command line only).
const std::vector<OptionInfo>& check_options() {
  static const std::vector<OptionInfo> o = {
      {"classify", "", "read 'hostname [address]' lines on standard input and classify each name, without DNS", false},
      {"sender", "DOMAIN",
       "readiness check: judge the mail servers of DOMAIN (every address of every MX host) as "
       "dynmilter and the old DUHL rules would, and say what to fix",
       false},
      {"sender-ip", "IP", "with --sender: judge only this sending address", false},
      {"helo", "NAME", "with ADDRESS: the HELO/EHLO name the client sends, judged as the daemon judges it", false},
      {"json", "", "print the verdict (ADDRESS) or the readiness report (--sender) as one JSON document", false}};
  return o;
}

// dynmilter-autoreply's own options (command line only).
const std::vector<OptionInfo>& autoreply_options() {
  static const std::vector<OptionInfo> o = {
      {"sender", "ADDRESS", "the envelope sender of the message to answer (Postfix pipe: ${sender}); empty: no reply",
       false},
      {"recipient", "ADDRESS",
       "the bypass address the message was sent to: the reply's From (Postfix pipe: ${recipient})", false},
      {"state", "FILE", "where the time of each sender's last reply is kept (required; written under a lock)", false},
      {"sendmail", "COMMAND",
       "the command that sends the reply, read on its standard input "
       "with the recipient (the envelope sender) added as its last argument; never -t "
       "(default: /usr/sbin/sendmail -oi -f <>, a null reverse path as RFC 3834 asks; split at spaces, no shell)",
       false},
      {"received-by", "HOST",
       "a host name of this site's MTAs (repeatable): the client address is taken from the "
       "first Received field one of them added (default: the topmost Received field)",
       true},
      {"template", "FILE",
       "the reply's text with placeholders {sender}, {recipient}, {ip}, {domain}, {report}, "
       "{verdict} (default: a built-in text)",
       false},
      {"reply-interval", "DURATION",
       "at most one reply per sender within this time: N followed by s, m, h or d "
       "(default 1d)",
       false},
      {"dry-run", "", "print the reply on standard output instead of sending it (the state is still kept)", false}};
  return o;
}

// dynmilter-web's own options (command line only).
const std::vector<OptionInfo>& web_options() {
  static const std::vector<OptionInfo> o = {
      {"listen", "ADDRESS:PORT",
       "where the pages are served over HTTP, e.g. 127.0.0.1:8026 behind the site's web server, or [::]:80 "
       "(default 127.0.0.1:8026)",
       false},
      {"trusted-proxy", "ADDRESS",
       "a proxy in front (repeatable): for requests from it, the visitor is the last address of "
       "X-Forwarded-For (default: none, the visitor is the peer)",
       true},
      {"check-rate", "N", "readiness checks (/check) one visitor address (an IPv6 /64) may run a minute (default 6)",
       false}};
  return o;
}

}  // namespace

// Options that steer the program rather than configure it: command line only.
void add_cli_only(po::options_description& desc, Invocation& inv, unsigned scope) {
  desc.add_options()("help,h", po::bool_switch(&inv.help), "print this help and exit")(
      "version", po::bool_switch(&inv.version), "print the version and exit")(
      "config,c", po::value(&inv.config_path)->value_name("FILE"), "read options from FILE (same names as here)")(
      "print-config", po::bool_switch(&inv.print_config), "print the effective configuration and exit")(
      "sample-config", po::bool_switch(&inv.sample_config),
      "print a commented config file with every option at its default");
  if (scope & kWeb) {
    desc.add_options()("positional", po::value(&inv.positional)->composing(), "")("listen", po::value(&inv.listen), "")(
        "trusted-proxy", po::value(&inv.trusted_proxies)->composing(), "")("check-rate", po::value(&inv.check_rate),
                                                                           "");
  } else if (scope & kAutoreply) {
    desc.add_options()("sender", po::value(&inv.sender), "")("recipient", po::value(&inv.recipient), "")(
        "state", po::value(&inv.state_file), "")("sendmail", po::value(&inv.sendmail_command), "")(
        "received-by", po::value(&inv.received_by)->composing(), "")("template", po::value(&inv.template_file), "")(
        "reply-interval", po::value(&inv.reply_interval), "")("dry-run", po::bool_switch(&inv.dry_run), "")(
        "positional", po::value(&inv.positional)->composing(), "");
  } else if (scope & kReplay) {
    desc.add_options()("positional", po::value(&inv.positional)->composing(), "")(
        "json", po::bool_switch(&inv.json), "")("csv", po::bool_switch(&inv.csv), "")(
        "dns", po::bool_switch(&inv.dns), "")("dns-rate", po::value(&inv.dns_rate), "")(
        "mynetworks", po::value(&inv.mynetworks)->composing(), "")("propose-rules", po::value(&inv.propose_rules), "")(
        "labeled", po::value(&inv.labeled), "")("min-support", po::value(&inv.min_support), "");
  } else if (scope & kCheck) {
    desc.add_options()("positional", po::value(&inv.positional)->composing(), "");
    desc.add_options()("classify", po::bool_switch(&inv.classify), "");
    desc.add_options()("sender", po::value(&inv.sender), "")("sender-ip", po::value(&inv.sender_ip), "")(
        "helo", po::value(&inv.helo), "")("json", po::bool_switch(&inv.json), "");
  }
}

int tool_main(int argc, char** argv, const Tool& tool, const std::function<int(const Invocation&)>& run) {
  auto say = [&](const char* what) { std::cerr << tool.program << ": " << what << "\n"; };
  Invocation inv;
  try {
    inv = parse_invocation(argc, argv, tool.scope);
  } catch (const Error& e) {
    say(e.what());
    return tool.setup_error;
  }
  if (print_requested_info(inv, tool.scope, tool.usage, tool.program, std::cout)) return 0;
  try {
    return run(inv);
  } catch (const std::exception& e) {
    say(e.what());
    return tool.failure;
  }
}

const std::vector<OptionInfo>& tool_options(unsigned scope) {
  static const std::vector<OptionInfo> none;
  if (scope & kWeb) return web_options();
  if (scope & kAutoreply) return autoreply_options();
  if (scope & kReplay) return replay_options();
  if (scope & kCheck) return check_options();
  return none;
}

}  // namespace dyn::config
