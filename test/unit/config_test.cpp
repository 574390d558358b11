// The option table: command line, config file (errors name file:line), precedence, print-back.
#include "options/options.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <unistd.h>

using namespace dyn::config;

namespace {
Invocation parse(std::vector<std::string> args, unsigned scope = kDaemon) {
  args.insert(args.begin(), "dynmilter");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return parse_invocation(static_cast<int>(argv.size()), argv.data(), scope);
}

// The daemon's invocation with `path` as its config file, read from `files` where it holds it.
Invocation load_file(const FileTexts& files, const char* path) {
  const char* argv[] = {"dynmilter", "-c", path, "--dns-server", "127.0.0.1"};
  return parse_invocation(5, argv, kDaemon, &files);
}

struct TempFile {
  std::string path;
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/dynmilter-test-XXXXXX";
    const int fd = ::mkstemp(name);
    ::close(fd);
    path = name;
    std::ofstream(path) << text;
  }
  ~TempFile() { ::unlink(path.c_str()); }
};

std::string error_of(std::vector<std::string> args, unsigned scope = kDaemon) {
  try {
    parse(std::move(args), scope);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("defaults: the Spamhaus PBL codes of zen, no SORBS, private networks exempt", "[config]") {
  auto inv = parse({"--dns-server", "127.0.0.1"});
  const auto& c = inv.config;
  REQUIRE(c.dnsbls.size() == 1);
  CHECK(c.dnsbls[0].to_string() == "zen.spamhaus.org=127.0.0.[10..11]*3");
  CHECK(c.threshold == 3);  // one PBL listing, or a clearly dynamic reverse-DNS name, rejects
  CHECK(c.socket == "inet:8894@127.0.0.1");
  CHECK(c.dns_timeout.value < std::chrono::seconds(10));  // below Sendmail's milter timeout
  CHECK(c.on_dns_error == DnsErrorAction::Accept);
  CHECK(c.exempt_networks.size() == 8);
  const auto text = format_config(c, kDaemon);
  CHECK(text.find("sorbs") == std::string::npos);
}

TEST_CASE("repeatable options collect, the command line replaces the defaults", "[config]") {
  auto inv = parse({"--dnsbl", "a.test*2", "--dnsbl=b.test=127.0.0.[2..3]", "--threshold", "2", "--dns-server",
                    "127.0.0.1:5300", "--dns-server", "[::1]:53", "--dns-timeout", "1500ms"});
  REQUIRE(inv.config.dnsbls.size() == 2);
  CHECK(inv.config.dnsbls[1].zone == "b.test");
  REQUIRE(inv.config.dns_servers.size() == 2);
  CHECK(inv.config.dns_servers[0].port == 5300);
  CHECK(inv.config.dns_servers[1].ip.to_string() == "::1");
  CHECK(inv.config.dns_timeout.value == std::chrono::milliseconds(1500));
}

TEST_CASE("bad command-line values are one-line errors naming the option", "[config]") {
  CHECK(error_of({"--dnsbl", "x.test*y"}).find("--dnsbl") != std::string::npos);
  CHECK(error_of({"--threshold", "0"}).find("threshold must be positive") != std::string::npos);
  CHECK(error_of({"--exempt-network", "10.0.0.1/8"}).find("host bits") != std::string::npos);
  CHECK(error_of({"--dns-server", "nameserver"}).find("--dns-server") != std::string::npos);
  CHECK(error_of({"--dns-timeout", "soon"}).find("--dns-timeout") != std::string::npos);
  CHECK(error_of({"--on-dns-error", "reject"}).find("accept or tempfail") != std::string::npos);
  CHECK(error_of({"--thresh", "2"}).find("unrecognised") != std::string::npos);  // no prefix guessing
  CHECK(error_of({"--dnsbl", "a.test*1", "--threshold", "20"}).find("can never reach") != std::string::npos);
  CHECK(error_of({"--rdns-weight", "dsl-word=3"}).find("unknown signal 'dsl-word'") != std::string::npos);
  CHECK(error_of({"--rdns-weight", "no-ptr=x"}).find("bad weight") != std::string::npos);
  CHECK(error_of({"--socket", "x"}, kCheck).find("unrecognised") != std::string::npos);  // daemon-only
}

TEST_CASE("a config file uses the same names, the command line wins", "[config]") {
  TempFile f(
      "# comment\n"
      "\n"
      "dnsbl = a.test*2\n"
      "dnsbl = b.test\n"
      "threshold = 3\n"
      "foreground\n"
      "reply-text = \"Blocked {ip}\"\n"
      "dns-server = 127.0.0.1:5300\n");
  auto inv = parse({"-c", f.path});
  CHECK(inv.config.dnsbls.size() == 2);
  CHECK(inv.config.threshold == 3);
  CHECK(inv.config.foreground);
  CHECK(inv.config.reply_text.text() == "Blocked {ip}");
  inv = parse({"-c", f.path, "--threshold", "2"});
  CHECK(inv.config.threshold == 2);
}

TEST_CASE("config file errors name the file and the line", "[config]") {
  struct Case {
    const char* text;
    const char* want;
  };
  const Case cases[] = {
      {"threshold = 2\nbogus = 1\n", ":2: unknown option 'bogus'"},
      {"dnsbl = a.test\n\n\ndnsbl = b.test*x\n", ":4: invalid value 'b.test*x' for --dnsbl"},
      {"threshold = 1\nthreshold = 2\n", ":2: option 'threshold' given twice (first on line 1)"},
      {"reply-text = {nope}\n", ":1: invalid value '{nope}' for --reply-text"},
      {"threshold = 2\nreply-text = Refused{?list: listed in {list}.\n",
       ":2: invalid value 'Refused{?list: listed in {list}.' for --reply-text"},
      {"reply-text = Refused{?lists:x}\n", ":1: invalid value 'Refused{?lists:x}' for --reply-text"},
      {"print-config\n", ":1: unknown option 'print-config'"},  // command line only
  };
  for (const auto& k : cases) {
    TempFile f(k.text);
    const auto err = error_of({"-c", f.path});
    INFO("got: " << err);
    CHECK(err.find(f.path + k.want) == 0);
  }
  CHECK(error_of({"-c", "/nonexistent/dynmilter.conf"}) ==
        "/nonexistent/dynmilter.conf: cannot read the config file: No such file or directory");
}

TEST_CASE("files given as text load as the same files on disk would, errors and all", "[config]") {
  const FileTexts files{{"/t/dynmilter.conf", "threshold = 4\nallow-file = /t/allow\nbypass-file = /t/bypass\n"},
                        {"/t/allow", "# ours\n192.0.2.0/24\nmail.example.net\n"},
                        {"/t/bypass", "postmaster@example.org\n"},
                        {"/t/bad.conf", "threshold = 4\nallow-file = /t/bad-allow\n"},
                        {"/t/bad-allow", "\nnot a name!\n"}};
  const auto load = [&](const char* path) { return load_file(files, path); };
  const auto inv = load("/t/dynmilter.conf");
  CHECK(inv.config.threshold == 4);
  REQUIRE(inv.config.allowlist);
  CHECK(inv.config.allowlist->networks.size() == 1);
  CHECK(inv.config.allowlist->domains == std::vector<std::string>{"mail.example.net"});
  CHECK(*inv.config.bypass == std::vector<std::string>{"postmaster@example.org"});
  CHECK_THROWS_WITH(load("/t/bad.conf"), "/t/bad-allow:2: 'not a name!' is not a network, a domain or a /regex/");
  // A path it does not hold is read from the disk.
  CHECK_THROWS_WITH(load("/t/absent.conf"), "/t/absent.conf: cannot read the config file: No such file or directory");
}

TEST_CASE("dynmilter-check reads the daemon's file and skips the daemon-only options", "[config]") {
  TempFile f("socket = inet:1@127.0.0.1\nforeground\nthreshold = 1\ndnsbl = a.test\n");
  auto inv = parse({"-c", f.path, "192.0.2.1"}, kCheck);
  CHECK(inv.config.dnsbls.at(0).zone == "a.test");
  CHECK(inv.positional == std::vector<std::string>{"192.0.2.1"});
  CHECK_FALSE(inv.config.foreground);
  TempFile g("sockett = x\n");
  CHECK(error_of({"-c", g.path}, kCheck).find(":1: unknown option 'sockett'") != std::string::npos);
}

TEST_CASE("print-config output is itself a valid config file giving the same configuration", "[config]") {
  auto first = parse({"--dnsbl", "a.test=127.0.0.[2..3]*2", "--dnsbl", "b.test", "--threshold", "2", "--dns-server",
                      "127.0.0.1:5300", "--on-dns-error", "tempfail"});
  TempFile f(format_config(first.config, kDaemon));
  auto second = parse({"-c", f.path});
  CHECK(format_config(second.config, kDaemon) == format_config(first.config, kDaemon));
}

TEST_CASE("every option appears in --help", "[config]") {
  for (unsigned scope : {kDaemon, kCheck}) {
    const auto help = help_text(scope);
    for (const auto& o : options(scope)) {
      INFO(o.name);
      CHECK(help.find("--" + o.name) != std::string::npos);
    }
  }
}

TEST_CASE("a DQS access key is never echoed in an error about --action-for", "[config]") {
  const std::string key = "k3y0123456789abcdefghijkl";
  // A bad action for a keyed zone, and a keyed zone that is not configured.
  for (const std::string& value : {key + ".zen.dq.spamhaus.net=bogus", key + ".zen.dq.spamhaus.net=log"}) {
    const auto err = error_of({"--action-for", value.c_str()});
    INFO(err);
    CHECK_FALSE(err.empty());
    CHECK(err.find(key) == std::string::npos);
    CHECK(err.find("zen.dq.spamhaus.net") != std::string::npos);
  }
}

TEST_CASE("dnsbl-name: a list's public name in replies, logs and --action-for, a bad one names file:line", "[config]") {
  const FileTexts files{{"/t/named.conf",
                         "dnsbl = KEYKEYKEYKEY42.zen.dq.spamhaus.net=127.0.0.[10..11]*3\n"
                         "dnsbl-name = KEYKEYKEYKEY42.zen.dq.spamhaus.net=Spamhaus PBL\n"
                         "action-for = Spamhaus PBL=tempfail\n"},
                        {"/t/unknown.conf", "dnsbl = pbl.test\n\ndnsbl-name = other.test=Other\n"},
                        {"/t/bad.conf", "dnsbl = pbl.test\ndnsbl-name = pbl.test=<script>\n"},
                        {"/t/safe.conf",
                         "dnsbl = KEYKEYKEYKEY42.zen.dq.spamhaus.net\n"
                         "dnsbl-name = zen.dq.spamhaus.net=Spamhaus ZEN\n"}};
  const auto load = [&](const char* path) { return load_file(files, path); };
  const auto inv = load("/t/named.conf");
  REQUIRE(inv.config.dnsbls.size() == 1);
  CHECK(inv.config.dnsbls[0].safe_name() == "Spamhaus PBL");
  CHECK(inv.config.dnsbls[0].zone == "keykeykeykey42.zen.dq.spamhaus.net");  // still asked as written
  REQUIRE(inv.config.action_for.size() == 1);
  CHECK(inv.config.action_for[0].key == "Spamhaus PBL");
  // The zone without its key names it too.
  CHECK(load("/t/safe.conf").config.dnsbls[0].safe_name() == "Spamhaus ZEN");
  CHECK_THROWS_WITH(load("/t/unknown.conf"),
                    "/t/unknown.conf:3: dnsbl-name 'other.test' names no --dnsbl zone of this configuration");
  CHECK_THROWS_WITH(load("/t/bad.conf"),
                    Catch::Contains("/t/bad.conf:2: dnsbl-name 'pbl.test=<script>' is not ZONE=NAME"));
}

TEST_CASE("domain-policy: a table of per-domain settings, its errors naming file:line", "[config]") {
  const FileTexts files{{"/t/p.conf", "domain-policy = /t/domains\n"},
                        {"/t/domains",
                         "# per domain\nexample.org   action=reject, threshold=2\n"
                         ".lenient.example off\nuser@strict.example action=tempfail reply-text=Go away, {ip}.\n"},
                        {"/t/dup.conf", "domain-policy = /t/dup\n"},
                        {"/t/dup", "a.example off\nA.example action=log\n"},
                        {"/t/bad.conf", "domain-policy = /t/bad\n"},
                        {"/t/bad", "a.example colour=blue\n"},
                        {"/t/badkey.conf", "domain-policy = /t/badkey\n"},
                        {"/t/badkey", "not a domain!\n"},
                        {"/t/offplus.conf", "domain-policy = /t/offplus\n"},
                        {"/t/offplus", "a.example off threshold=3\n"}};
  const auto load = [&](const char* path) { return load_file(files, path); };
  const auto inv = load("/t/p.conf");
  const auto& t = *inv.config.domain_policies;
  REQUIRE(t.size() == 3);
  CHECK(t[0].key == "example.org");
  CHECK(t[0].action == PolicyAction::Reject);
  CHECK(t[0].threshold == 2);
  CHECK(t[0].where == "/t/domains:2");
  CHECK(t[1].key == ".lenient.example");
  CHECK(t[1].off);
  CHECK(t[2].key == "user@strict.example");
  REQUIRE(t[2].reply_text);
  CHECK(t[2].reply_text->text() == "Go away, {ip}.");
  CHECK_THROWS_WITH(load("/t/dup.conf"), "/t/dup:2: 'a.example' again (first at /t/dup:1)");
  CHECK_THROWS_WITH(load("/t/bad.conf"), Catch::Contains("/t/bad:1: unknown setting 'colour=blue'"));
  CHECK_THROWS_WITH(load("/t/badkey.conf"), Catch::Contains("/t/badkey:1: 'not' is not a domain"));
  CHECK_THROWS_WITH(load("/t/offplus.conf"), Catch::Contains("/t/offplus:1: 'a.example': off takes no other setting"));
}
