#include "options/options.hpp"

#include "options/checks.hpp"

#include "policy/signal.hpp"

#include "options/list_files.hpp"
#include "options/types.hpp"
#include "options/parse_error.hpp"
#include "options/tool_options.hpp"
#include "options/value_checks.hpp"
#include "dns/types.hpp"

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

namespace po = boost::program_options;

namespace dyn::config {

Config default_config() {
  Config c;
  c.dnsbls = {*dnsbl::ZoneSpec::parse("zen.spamhaus.org=127.0.0.[10..11]*3", nullptr)};
  c.rdns_weights = policy::default_weight_settings();
  c.signal_classes = policy::default_class_settings();
  c.exempt_networks = net::private_networks();
  c.reply_text = *smtp::ReplyTemplate::parse(
      "Your IP address {ip} appears to be dynamically assigned ({reason}). "
      "Please smarthost your mail through your ISP's mail server. "
      "Mail to {bypass} reaches a person{?id:; quote reference {id}}.{?url: Why, and how to fix it: {url}}",
      nullptr);
  return c;
}

namespace {

template <class T>
constexpr bool is_vector = false;
template <class T>
constexpr bool is_vector<std::vector<T>> = true;

template <class T>
std::vector<std::string> show_values(const T& v) {
  if constexpr (is_vector<T>) {
    std::vector<std::string> out;
    for (const auto& x : v) out.push_back(show(x));
    return out;
  } else {
    return {show(v)};
  }
}

struct OptionDef {
  OptionInfo info;
  unsigned scope = kBoth;
  std::function<void(Config&)> clear;  // a repeatable option: "name =" in the file leaves it empty
  // Adds the option, with its default unless `defaults` is null (a value checked on its own).
  std::function<void(po::options_description&, Config& target, const Config* defaults)> add;
  std::function<std::vector<std::string>(const Config&)> values;
};

template <class T>
OptionDef field(const char* name, const char* value_name, T Config::*member, unsigned scope, const char* help) {
  OptionDef d;
  d.info = OptionInfo{name, value_name, help, is_vector<T>};
  d.scope = scope;
  d.add = [=](po::options_description& desc, Config& target, const Config* defaults) {
    auto* sem = po::value<T>(&(target.*member));
    if (defaults) {
      std::string shown;
      for (const auto& s : show_values(defaults->*member)) shown += (shown.empty() ? "" : " ") + s;
      sem->default_value(defaults->*member, shown);
    }
    sem->value_name(value_name);
    if constexpr (std::is_same_v<T, bool>) sem->implicit_value(true, "true");
    desc.add_options()(name, sem, help);
  };
  d.clear = [=](Config& c) {
    if constexpr (is_vector<T>) (c.*member).clear();
  };
  d.values = [=](const Config& c) {
    auto v = show_values(c.*member);
    if (v.size() == 1 && v[0].empty()) v.clear();  // an empty string is shown as no value
    return v;
  };
  return d;
}

// The table. Order is the order of --help, --print-config and the sample config.
const std::vector<OptionDef>& table() {
  static const std::vector<OptionDef> defs = {
      field("socket", "SPEC", &Config::socket, kDaemon,
            "milter socket: inet:PORT@ADDRESS, inet6:PORT@ADDRESS or unix:/PATH"),
      field("foreground", "BOOL", &Config::foreground, kDaemon,
            "stay in the foreground and log to standard error instead of syslog"),
      field("user", "USER", &Config::user, kDaemon,
            "after opening the socket, drop root privileges to this user (empty: keep the starting identity; "
            "running as root logs a warning)"),
      field("group", "GROUP", &Config::group, kDaemon, "the group to run as (empty: the --user's primary group)"),
      field("socket-owner", "USER[:GROUP]", &Config::socket_owner, kDaemon,
            "owner of a unix socket (empty: the --user/--group it runs as); for Postfix, its group postfix"),
      field("socket-mode", "OCTAL", &Config::socket_mode, kDaemon, "permissions of a unix socket"),
      field("log-level", "LEVEL", &Config::log_level, kBoth,
            "least important messages logged: error, warning, notice, info, debug"),
      field("syslog-facility", "FACILITY", &Config::syslog_facility, kDaemon,
            "syslog facility when not in the foreground: mail, daemon, user, local0 ... local7"),
      field("metrics", "ADDR:PORT", &Config::metrics, kDaemon,
            "serve Prometheus metrics over HTTP at http://ADDR:PORT/metrics, e.g. 127.0.0.1:9394 (empty: off)"),
      field("dns-server", "ADDR[:PORT]", &Config::dns_servers, kBoth,
            "DNS server to ask (repeatable; default: the nameservers of /etc/resolv.conf, else 127.0.0.1). "
            "Spamhaus refuses public resolvers: use a local recursive resolver"),
      field("dns-timeout", "DURATION", &Config::dns_timeout, kBoth,
            "one deadline for all lookups of an SMTP connection, counted from CONNECT (keep it well below "
            "the MTA's milter timeouts: Sendmail's default is 10s)"),
      field("milter-timeout", "DURATION", &Config::milter_timeout, kDaemon,
            "close an MTA connection that sends nothing for this long (smfi_settimeout; libmilter's own default is "
            "7210 s, which lets idle peers hold file descriptors for two hours); read at start"),
      field("control-socket", "PATH", &Config::control_socket, kDaemon,
            "a unix socket for dynmilter-ctl (why, lists, stats, flush, reload), owned by root and the --user's "
            "group, mode 0660; never TCP (empty: none)"),
      field("history", "N", &Config::history, kDaemon,
            "recent verdicts kept in memory for dynmilter-ctl why REF|ADDRESS (0: none)"),
      field("public-socket", "PATH", &Config::public_socket, kDaemon | kWeb,
            "a unix socket for dynmilter-web, mode 0666: it answers only what a refused sender was already told "
            "(the reply, the list or signal that decided), by reference or address, from the --history (empty: "
            "none)"),
      field("history-redis", "HOST:PORT|unix:PATH", &Config::history_redis, kDaemon | kWeb,
            "also write each refusal to this Redis, so that dynmilter-web on any MX host finds it; writes are "
            "fire-and-forget (a Redis that is down or slow never delays or changes a verdict) (empty: none)"),
      field("history-expire", "DURATION", &Config::history_expire, kDaemon | kWeb,
            "how long a refusal stays in the --history-redis store"),
      field("max-helo", "N", &Config::max_helo, kDaemon,
            "HELO/EHLO commands one connection may send (STARTTLS makes two); each one after that is deferred "
            "(4xx) and starts no lookup, so a HELO flood cannot hold descriptors and DNS queries"),
      field("dns-cache-size", "N", &Config::dns_cache_size, kDaemon,
            "DNS answers kept in memory (those unused longest evicted first; about 90 bytes each)"),
      field("dns-min-ttl", "DURATION", &Config::dns_min_ttl, kDaemon,
            "keep answers at least this long, whatever their TTL (as postscreen_dnsbl_min_ttl)"),
      field("dns-max-ttl", "DURATION", &Config::dns_max_ttl, kDaemon,
            "keep answers at most this long; negative answers last their SOA minimum (RFC 2308) within both bounds"),
      field("resolver-check", "BOOL", &Config::resolver_check, kBoth,
            "probe the resolver with every list probe (the root zone must exist, a name under .invalid must not) and "
            "when it answers NXDOMAIN or an address for everything, count reverse-DNS and HELO evidence as unknown "
            "until it recovers"),
      field("dnsbl", "ZONE[=FILTER][*WEIGHT]", &Config::dnsbls, kBoth,
            "DNSBL to ask, in postscreen_dnsbl_sites syntax, e.g. zen.spamhaus.org=127.0.0.[10..11]*3 (repeatable)"),
      field("dnsbl-name", "ZONE=NAME", &Config::dnsbl_names, kBoth,
            "the public name of a --dnsbl zone, shown instead of the zone in replies ({list}), logs, metrics and "
            "dynmilter-check, e.g. zen.spamhaus.org=Spamhaus PBL (repeatable; letters, digits, blanks and .-_()/+ "
            "only, at most 64; every --dnsbl line of that zone takes it)"),
      field("domain-policy", "FILE", &Config::domain_policy_files, kBoth,
            "a table of per recipient domain settings, one \"KEY SETTINGS\" line each: KEY a domain, .domain "
            "(its subdomains) or user@domain; SETTINGS off (never refuse its mail), or any of action=ACTION, "
            "threshold=N and, last, reply-text=TEMPLATE (repeatable; read again at reload; see dynmilter.conf(5))"),
      field("local-zone", "ZONE:TYPE:FILE[,FILE...]", &Config::local_zones, kBoth,
            "answer a --dnsbl zone in-process from rbldnsd data files instead of asking DNS (repeatable; several "
            "datasets of one zone answer together): TYPE is ip4set, ip4tset, ip4trie, ip6trie or ip6tset, e.g. "
            "zen.spamhaus.org:ip4tset:/var/lib/rbldnsd/xbl; files are read again when they change"),
      field("local-zone-max-bytes", "SIZE", &Config::local_zone_max_bytes, kBoth,
            "the most a --local-zone dataset's files may hold together (K, M, G suffixes); a larger one is refused "
            "with an error at start, and at a reload or file change its old data stays"),
      field("local-zone-max-shrink", "PERCENT", &Config::local_zone_max_shrink, kBoth,
            "a changed --local-zone dataset with this many percent fewer entries than the one in use (or none at "
            "all, or one that lists 127.0.0.1 or a reserved address, or no longer lists 127.0.0.2) is refused and "
            "the old data stays, with a warning; 100 accepts any shrink (a restart loads whatever is there)"),
      field("dnsbl-timeout", "DURATION", &Config::dnsbl_timeout, kBoth,
            "stop waiting for any one list after this long, so one slow list cannot hold up the verdict "
            "(0: each list may use all of --dns-timeout)"),
      field("dnsbl-probe-interval", "DURATION", &Config::dnsbl_probe_interval, kDaemon,
            "probe every list this often (RFC 5782: 127.0.0.2 listed, 127.0.0.1 not, nor a random address in "
            "reserved 240.0.0.0/4) and ignore broken ones "
            "(0: probe only at start)"),
      field("rdns-weight", "SIGNAL=N", &Config::rdns_weights, kBoth,
            "weight of a reverse-DNS or HELO signal (repeatable; later settings win): no-ptr, forged, ip-in-name, "
            "ip-in-name-bare, ip-in-name-partial, dynamic-word, generic-word, dynamic-domain, device-id, helo-ip, "
            "helo-unresolvable, "
            "ptr-ttl-short, neighbours-pooled, mx-confirmed (negative: a mail server of its own domain, the DUHL "
            "static rule), a-ttl-short, mx-ttl-short"),
      field("signal-class", "SIGNAL=primary|supporting", &Config::signal_classes, kBoth,
            "what a signal may decide (repeatable; later settings win): primary evidence can refuse a client, "
            "supporting evidence only adds to it and never refuses alone, whatever the sum. Lists and rules are "
            "primary; by default so are ip-in-name, ip-in-name-bare, dynamic-word, device-id and no-ptr"),
      field("ptr-ttl-min", "DURATION", &Config::ptr_ttl_min, kBoth,
            "a PTR, A or MX record with a shorter TTL adds ptr-ttl-short, a-ttl-short or mx-ttl-short, and "
            "mx-confirmed needs all three at least this long (static lines keep 12h or more: the old SORBS DUHL rule)"),
      field("rules", "FILE", &Config::rule_files, kBoth,
            "host-name rule file (dynmilter-rules(5); repeatable): pattern or check, weight, reason, examples"),
      field("pcre-table", "FILE", &Config::pcre_tables, kBoth,
            "Postfix pcre_table file read as Postfix does (repeatable), e.g. a generic-rDNS list such as fqrdns.pcre"),
      field("pcre-reject-weight", "N", &Config::pcre_reject_weight, kBoth,
            "weight of a --pcre-table line whose result is REJECT (or a 4xx/5xx reply) for the client's name"),
      field("action", "reject|tempfail|tag|log", &Config::action, kBoth,
            "for a client that reaches the threshold: reject (550 5.7.1), tempfail (450 4.7.1), tag (accept, add an "
            "X-Dynmilter header) or log (accept; log what would have been done: a dry run)"),
      field(
          "action-for", "KEY=ACTION", &Config::action_for, kBoth,
          "the strongest action one list, signal or rule can bring a client to (repeatable): KEY is a --dnsbl zone, "
          "a signal name (no-ptr, ip-in-name, ...) or rule:NAME (a rule's name, or a --pcre-table file as given); "
          "e.g. rule:new-rule=log tries a rule out, and a client its weight pushes over the threshold is only logged"),
      field("reject-code", "CODE X.Y.Z", &Config::reject_code, kBoth,
            "reply code and enhanced status code of action reject; must be 5xx with a 5.x.x status"),
      field("tempfail-code", "CODE X.Y.Z", &Config::tempfail_code, kBoth,
            "reply code and enhanced status code of action tempfail; must be 4xx with a 4.x.x status"),
      field(
          "threshold", "N", &Config::threshold, kBoth,
          "reject when the weights of the lists that list the client and of its host-name signals add up to N or more"),
      field("on-dns-error", "accept|tempfail", &Config::on_dns_error, kBoth,
            "when lookups fail and the lists that failed could have reached the threshold: accept, or tempfail (451 "
            "4.7.1)"),
      field("exempt-network", "CIDR", &Config::exempt_networks, kBoth,
            "client networks never checked (repeatable; giving any replaces the default list)"),
      field("bypass-recipient", "ADDRESS", &Config::bypass_recipients, kBoth,
            "a recipient that always accepts mail, so a refused sender can reach a person (repeatable): "
            "user@domain, or @domain for a whole domain; the first one fills {bypass}"),
      field("bypass-file", "FILE", &Config::bypass_files, kBoth,
            "file of more bypass recipients: one user@domain or @domain per line, # comments (repeatable)"),
      field("allow-network", "CIDR", &Config::allow_networks, kBoth,
            "client network that is always accepted, without lookups (repeatable)"),
      field("allow-file", "FILE", &Config::allow_files, kBoth,
            "file of clients that are always accepted, one per line: a network (CIDR), a domain or a /regex/ for "
            "forward-confirmed names, as --allow-hostname; # comments (repeatable)"),
      field("allow-hostname", "DOMAIN|/REGEX/", &Config::allow_hostnames, kBoth,
            "clients whose forward-confirmed name is DOMAIN or ends in .DOMAIN, or matches /REGEX/ (PCRE, "
            "case-insensitive), are always accepted (repeatable)"),
      field("allow-threshold", "N", &Config::allow_threshold, kBoth,
            "negative: a client whose list score is N or lower (allowlists such as "
            "list.dnswl.org=127.0.[0..255].[1..3]*-5) "
            "is accepted whatever else counts; 0 turns this off"),
      field("why-url", "URL", &Config::why_url, kBoth,
            "the refused sender's page (dynmilter-web's /why/), e.g. https://mx.example.org/why/: {url} in the "
            "reply is this with the incident reference after it (empty: {url} is empty)"),
      field("reply-text", "TEMPLATE", &Config::reply_text, kBoth,
            "text of the reject or tempfail reply; placeholders {ip}, {hostname}, {list}, {reason}, {score}, {bypass}, "
            "{id}, {txt} (the list's TXT text), {url} (the --why-url page of this refusal, never cut); {?NAME:text} "
            "shows text only when NAME is not empty, {!NAME:text} "
            "only when it is, e.g. {?list: listed in {list}: {txt}}; \\n starts a new line (a multi-line reply, at "
            "most 32 lines)"),
  };
  return defs;
}

void add_file_options(po::options_description& desc, unsigned scope, Config& target, const Config& defaults) {
  for (const auto& d : table())
    if (d.scope & scope) d.add(desc, target, &defaults);
}

po::options_description file_options(unsigned scope, Config& target, const Config& defaults) {
  po::options_description desc;
  add_file_options(desc, scope, target, defaults);
  return desc;
}

constexpr int kStyle = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;

// Reads a config file into command-line tokens ("--name=value"). Each line is also parsed on its
// own so that an error names its file and line; the whole file is then parsed in one go.
std::vector<std::string> read_config_file(const std::string& path, unsigned scope, Locations& locations,
                                          const FileTexts* texts) {
  std::string why;
  const auto file = open_file(path, texts, why);
  if (!file) throw Error(fmt::format("{}: cannot read the config file: {}", path, why));
  std::istream& in = *file;
  const Config defaults = default_config();
  std::vector<std::string> tokens;
  std::map<std::string, int> seen;  // option -> first line, for non-repeatable options
  Config scratch;                   // each line is parsed alone into this, only to find its errors
  std::string raw;
  for (int lineno = 1; std::getline(in, raw); ++lineno) {
    const std::string line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    if (has_control_character(line)) throw Error(fmt::format("{}:{}: a control character in the line", path, lineno));
    const auto eq = line.find('=');
    const std::string key = trim(line.substr(0, eq));
    std::string value = eq == std::string::npos ? std::string() : trim(line.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    const auto where = fmt::format("{}:{}", path, lineno);

    const OptionDef* def = nullptr;
    for (const auto& d : table())
      if (d.info.name == key) def = &d;
    if (!def) throw Error(fmt::format("{}: unknown option '{}'", where, key));
    // One file serves the daemon and dynmilter-check: each skips the other's options.
    if (!(def->scope & scope)) continue;
    if (!def->info.repeatable) {
      auto [it, fresh] = seen.emplace(key, lineno);
      if (!fresh) throw Error(fmt::format("{}: option '{}' given twice (first on line {})", where, key, it->second));
    }
    // "name =" with nothing after it: a repeatable option (dnsbl, exempt-network, ...) is left
    // empty unless other lines give it values; any other option keeps its default.
    if (eq != std::string::npos && value.empty()) {
      if (def->info.repeatable) locations.cleared.insert(key);
      continue;
    }
    std::string token = "--" + key;
    if (eq != std::string::npos) token += "=" + value;

    try {
      po::options_description desc;  // this line's option alone: its value is all that is checked here
      def->add(desc, scratch, nullptr);
      po::variables_map vm;
      const std::vector<std::string> one = {token};
      po::store(po::command_line_parser(one).options(desc).style(kStyle).run(), vm);
      po::notify(vm);
    } catch (const po::error& e) {
      throw Error(fmt::format("{}: {}", where, describe(e)));
    }
    locations.add(key, value, where);
    tokens.push_back(std::move(token));
  }
  return tokens;
}

// The message for a word on the command line that belongs to no option: usually the second half
// of a value with a space that was not quoted (--reject-code 554 5.7.1).
std::string stray_argument(int argc, const char* const* argv) {
  auto is_switch = [](std::string name) {  // options that take no separate value
    const auto start = name.find_first_not_of('-');
    if (start == std::string::npos) return true;  // "--" (found by fuzzing: was an uncaught out_of_range)
    name = name.substr(start);
    for (const auto& d : table())
      if (d.info.name == name) return d.info.value_name == "BOOL";
    return true;  // --help, --version, --print-config, ...: switches; -c takes a value
  };
  bool expects_value = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.size() > 1 && arg.front() == '-') {
      expects_value = arg.find('=') == std::string::npos && (arg == "-c" || arg == "--config" || !is_switch(arg));
      continue;
    }
    if (expects_value) {
      expects_value = false;
      continue;
    }
    std::string msg = fmt::format("unexpected argument '{}'", arg);
    if (i > 2 && std::string(argv[i - 2]).rfind("--", 0) == 0)
      msg += fmt::format(" after {} {}: a value with a space must be quoted, e.g. {} '{} {}'", argv[i - 2], argv[i - 1],
                         argv[i - 2], argv[i - 1], arg);
    return msg;
  }
  return "too many arguments";
}

}  // namespace

Invocation parse_invocation(int argc, const char* const* argv, unsigned scope, const FileTexts* texts) {
  // No option value holds a control character: the config file refuses them, and --print-config
  // would print a value that does not read back (both found by fuzzing).
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto bad = std::find_if(arg.begin(), arg.end(), [](unsigned char c) { return c < 0x20 && c != '\t'; });
    if (bad == arg.end()) continue;
    const auto at = static_cast<std::size_t>(bad - arg.begin());
    const char* what = *bad == '\n' || *bad == '\r' ? "a line break" : "a control character";
    throw Error(fmt::format("command-line argument {} ('{}...') contains {}", i,
                            arg.substr(0, std::min<std::size_t>(at, 40)), what));
  }
  Invocation inv;
  const Config defaults = default_config();
  auto desc = file_options(scope, inv.config, defaults);
  add_cli_only(desc, inv, scope);
  po::positional_options_description pos;
  if (scope & (kCheck | kReplay | kAutoreply)) pos.add("positional", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).positional(pos).style(kStyle).run(), vm);
  } catch (const po::too_many_positional_options_error&) {
    throw Error(stray_argument(argc, argv));
  } catch (const po::error& e) {
    throw Error(describe(e));
  }
  Locations locations;
  for (const auto& opt : table())  // the command line wins over the file: its values have no file:line
    if (vm.count(opt.info.name) && !vm[opt.info.name].defaulted()) locations.from_cli_.insert(opt.info.name);
  if (vm.count("config")) inv.config_path = vm["config"].as<std::string>();
  if (!inv.config_path.empty()) {
    const auto tokens = read_config_file(inv.config_path, scope, locations, texts);
    try {
      po::store(po::command_line_parser(tokens).options(desc).style(kStyle).run(), vm);
    } catch (const po::error& e) {
      throw Error(fmt::format("{}: {}", inv.config_path, describe(e)));
    }
  }
  try {
    po::notify(vm);
  } catch (const po::error& e) {
    throw Error(describe(e));
  }
  for (const auto& d : table())  // "dnsbl =" alone in the file: none at all (the command line still wins)
    if (locations.cleared.count(d.info.name) && !locations.from_cli_.count(d.info.name) &&
        !locations.has_value(d.info.name))
      d.clear(inv.config);
  check_consistency(inv.config, locations);
  const auto where = [&](const std::string& option, const std::string& value) { return locations.at(option, value); };
  load_allowlist(inv.config, where, texts);
  load_bypass(inv.config, where, texts);
  load_domain_policies(inv.config, where, texts);
  try {
    inv.config.rules = std::make_shared<const rules::RuleSet>(
        rules::RuleSet::load(inv.config.rule_files, inv.config.pcre_tables, inv.config.pcre_reject_weight));
  } catch (const rules::Error& e) {
    throw Error(e.what());
  }
  apply_dnsbl_names(inv.config, locations);
  check_action_keys(inv.config, locations);
  check_local_zones(inv.config, locations);
  if (inv.config.dns_servers.empty()) inv.config.dns_servers = dns::read_resolv_conf();
  if (inv.config.dns_servers.empty()) inv.config.dns_servers = {*dns::ServerAddress::parse("127.0.0.1")};
  return inv;
}

std::string help_text(unsigned scope) {
  Invocation inv;
  const Config defaults = default_config();
  po::options_description shown("Options (also valid in the --config file, without the dashes)", 120, 76);
  add_file_options(shown, scope, inv.config, defaults);
  po::options_description cli("Command-line options", 120, 76);
  cli.add_options()("help,h", "print this help and exit")("version", "print the version and exit")(
      "config,c", po::value<std::string>()->value_name("FILE"), "read options from FILE")(
      "print-config", "print the effective configuration and exit")(
      "sample-config", "print a commented config file with every option at its default");
  for (const auto& o : tool_options(scope)) {
    if (o.value_name.empty())
      cli.add_options()(o.name.c_str(), o.help.c_str());
    else
      cli.add_options()(o.name.c_str(), po::value<std::string>()->value_name(o.value_name), o.help.c_str());
  }
  std::ostringstream out;
  out << cli << "\n" << shown;
  return out.str();
}

bool print_requested_info(const Invocation& inv, unsigned scope, std::string_view usage, std::string_view program,
                          std::ostream& out) {
  if (inv.help)
    out << usage << "\n" << help_text(scope);
  else if (inv.version)
    out << program << " " << DYNMILTER_VERSION << "\n";
  else if (inv.print_config)
    out << format_config(inv.config, scope);
  else if (inv.sample_config)
    out << sample_config(scope);
  else
    return false;
  return true;
}

namespace {
// A value as the config file must spell it to read back the same: in double quotes when blanks
// at either end would be trimmed, or when it is itself quoted (found by fuzzing).
std::string file_value(const std::string& v) {
  const bool blank_edge = !v.empty() && (v.front() == ' ' || v.front() == '\t' || v.back() == ' ' || v.back() == '\t');
  const bool quoted = v.size() >= 2 && v.front() == '"' && v.back() == '"';
  return blank_edge || quoted ? '"' + v + '"' : v;
}
}  // namespace

std::string format_config(const Config& config, unsigned scope) {
  std::string out;
  const Config defaults = default_config();
  for (const auto& d : table()) {
    if (!(d.scope & scope)) continue;
    out += "# " + d.info.help + "\n";
    const auto values = d.values(config);
    // A repeatable option emptied by "name =" stays empty when the printed file is loaded.
    if (values.empty()) out += (d.info.repeatable && !d.values(defaults).empty() ? "" : "# ") + d.info.name + " =\n";
    for (const auto& v : values) out += d.info.name + " = " + file_value(v) + "\n";
  }
  return out;
}

std::string sample_config(unsigned scope) {
  std::string out =
      "# dynmilter configuration (generated by --sample-config from the option table).\n"
      "# One option per line as \"name = value\", with the names of the command-line options\n"
      "# (without dashes). Repeatable options may appear on several lines; giving one on the\n"
      "# command line replaces all of its lines here. Every option below is at its default.\n";
  const Config defaults = default_config();
  for (const auto& d : table()) {
    if (!(d.scope & scope)) continue;
    out += "\n# " + d.info.name + " " + d.info.value_name + ": " + d.info.help + "\n";
    const auto values = d.values(defaults);
    if (values.empty()) out += "#" + d.info.name + " =\n";
    for (const auto& v : values) out += "#" + d.info.name + " = " + v + "\n";
  }
  return out;
}

std::vector<OptionInfo> options(unsigned scope) {
  std::vector<OptionInfo> out = {
      {"help", "", "print this help and exit", false},
      {"version", "", "print the version and exit", false},
      {"config", "FILE", "read options from FILE", false},
      {"print-config", "", "print the effective configuration and exit", false},
      {"sample-config", "", "print a commented config file with every option at its default", false}};
  out.insert(out.end(), tool_options(scope).begin(), tool_options(scope).end());
  for (const auto& d : table())
    if (d.scope & scope) out.push_back(d.info);
  return out;
}

dns::CacheOptions cache_options(const Config& c) {
  dns::CacheOptions o;
  o.capacity = static_cast<std::size_t>(c.dns_cache_size);
  o.min_ttl = std::chrono::duration_cast<std::chrono::seconds>(c.dns_min_ttl.value);
  o.max_ttl = std::chrono::duration_cast<std::chrono::seconds>(c.dns_max_ttl.value);
  return o;
}

}  // namespace dyn::config
