// Hostile and broken input (issue 10): malformed milter macro packets, a lying resolver, lists
// not yet probed, access keys, option values that would run wrong, long replies, odd recipients.
#include "options/options.hpp"
#include "dns/sanity.hpp"
#include "dnsbl/health.hpp"
#include "milterproto/macro_packet.hpp"
#include "policy/policy.hpp"
#include "util/log.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace dyn;
using namespace std::string_literals;

namespace {
config::Invocation parse(std::vector<std::string> args) {
  args.insert(args.begin(), "dynmilter");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return config::parse_invocation(static_cast<int>(argv.size()), argv.data(), config::kDaemon);
}
std::string error_of(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const config::Error& e) {
    return e.what();
  }
  return "";
}
dns::Answer answer(dns::Status s, std::vector<std::string> values = {}) {
  dns::Answer a{s, {}, 0, ""};
  for (auto& v : values) a.records.push_back(dns::Record{dns::RrType::A, 60, v});
  return a;
}
}  // namespace

TEST_CASE("macro packets: only complete name/value pairs are kept", "[hardening]") {
  struct Case {
    std::string packet;
    std::size_t keep, strings;
    bool trailing, intact;
  } cases[] = {
      {"C" + "{a}\0x\0"s, 7, 2, false, true},
      {"C" + "{client_name}\0"s, 1, 1, false, false},  // the crash: one name, no value
      {"C" + "{a}\0x\0{b}\0"s, 7, 3, false, false},    // the last name unpaired
      {"C" + "{a}\0x\0{b}"s, 7, 2, true, false},       // an unterminated string
      {"C"s, 1, 0, false, true},                       // a stage byte alone
      {""s, 0, 0, false, true},
      {"C" + "\0\0"s, 3, 2, false, true},  // empty name and value
  };
  for (const auto& c : cases) {
    const auto got = milterproto::check_macro_packet(c.packet);
    INFO("packet of " << c.packet.size() << " bytes");
    CHECK(got.keep == c.keep);
    CHECK(got.strings == c.strings);
    CHECK(got.trailing == c.trailing);
    CHECK(got.intact() == c.intact);
  }
}

TEST_CASE("a resolver is condemned only by a positive contradiction", "[hardening][resolver]") {
  using S = dns::Status;
  const auto qs = dns::sanity_questions("abc");
  REQUIRE(qs.size() == 2);
  CHECK(qs[0].name.empty());  // the root zone
  CHECK(qs[0].type == dns::RrType::NS);
  CHECK(qs[1].name == "dynmilter-probe-abc.invalid");
  // NXDOMAIN for everything (the finding): condemned.
  auto v = dns::judge_sanity(answer(S::NxDomain), answer(S::NxDomain));
  REQUIRE(v);
  CHECK_FALSE(v->sane);
  CHECK(v->reason.find("NXDOMAIN for the root") != std::string::npos);
  // NODATA for everything: the root's NS set cannot be empty: condemned.
  v = dns::judge_sanity(answer(S::NoData), answer(S::NoData));
  REQUIRE(v);
  CHECK_FALSE(v->sane);
  CHECK(v->reason == "it answers no NS records for the root zone, which every resolver has");
  // An address for a name that cannot exist (NXDOMAIN rewriting): condemned.
  v = dns::judge_sanity(answer(S::Ok, {"a.root-servers.net"}), answer(S::Ok, {"198.51.100.1"}));
  REQUIRE(v);
  CHECK_FALSE(v->sane);
  // A working resolver.
  v = dns::judge_sanity(answer(S::Ok, {"a.root-servers.net"}), answer(S::NxDomain));
  REQUIRE(v);
  CHECK(v->sane);
  // rbldnsd or a resolver that refuses: proves nothing.
  CHECK_FALSE(dns::judge_sanity(answer(S::Refused), answer(S::Refused)));
  CHECK_FALSE(dns::judge_sanity(answer(S::Timeout), answer(S::ServFail)));
  // SERVFAIL for everything is an outage, not a lie: lookups fail, and failures never count.
  CHECK_FALSE(dns::judge_sanity(answer(S::ServFail), answer(S::ServFail)));
}

TEST_CASE("the failure window trips at 95 % of a full window", "[hardening][resolver]") {
  dns::FailureWindow w(20);
  for (int i = 0; i < 19; ++i) CHECK_FALSE(w.record(dns::Status::NxDomain));  // not full yet
  CHECK(w.record(dns::Status::NxDomain));
  CHECK(w.record(dns::Status::Ok));        // 19 of 20
  CHECK_FALSE(w.record(dns::Status::Ok));  // 18 of 20
  for (int i = 0; i < 18; ++i) w.record(dns::Status::Timeout);
  CHECK(w.record(dns::Status::ServFail));  // the two successes have left the window
}

TEST_CASE("a run of failed lookups asks for one early resolver probe, not one per lookup", "[hardening][health]") {
  dnsbl::HealthBoard board;
  int asked = 0;
  board.set_on_suspect([&] { ++asked; });
  for (int i = 0; i < 63; ++i) board.note_lookup(dns::Status::NxDomain);
  CHECK(asked == 0);                                                        // the window (64 lookups) is not full yet
  for (int i = 0; i < 1000; ++i) board.note_lookup(dns::Status::NxDomain);  // a wave of clients without PTR
  CHECK(asked == 1);                                                        // the next one no sooner than 10 s later
}

TEST_CASE("lists count only once probed healthy, the board follows reloads", "[hardening][health]") {
  dnsbl::HealthBoard board;
  CHECK(board.track({"a.test", "b.test"}) == std::vector<std::string>{"a.test", "b.test"});
  CHECK(board.snapshot()->at("a.test").state == dnsbl::Health::Unprobed);
  board.update("a.test", {dnsbl::Health::Healthy, ""});
  CHECK(board.track({"a.test", "c.test"}) == std::vector<std::string>{"c.test"});  // b.test removed
  CHECK(board.snapshot()->count("b.test") == 0);
  CHECK(board.snapshot()->at("a.test").state == dnsbl::Health::Healthy);  // kept its verdict
  CHECK_FALSE(board.update("b.test", {dnsbl::Health::Healthy, ""}));      // a late probe of a removed list

  auto c = config::default_config();
  c.dnsbls = {*dnsbl::ZoneSpec::parse("a.test*3", nullptr), *dnsbl::ZoneSpec::parse("c.test*3", nullptr)};
  const policy::ClientFacts facts{
      net::IpAddress::parse("203.0.113.7"), "h.example.net", {rdns::RdnsStatus::Ok, "h.example.net"}};
  const std::vector<dns::Answer> both{answer(dns::Status::Ok, {"127.0.0.2"}), answer(dns::Status::Ok, {"127.0.0.2"})};
  auto v = policy::decide(c, facts, both, *board.snapshot());
  CHECK(v.score == 3);  // a.test only: c.test is new and not yet probed
  CHECK(v.lists[1].outcome.listing == dnsbl::Listing::Unknown);
  CHECK(v.lists[1].outcome.reason.find("not yet probed") != std::string::npos);
}

TEST_CASE("access keys are never shown, short ones included", "[hardening][keys]") {
  CHECK(dnsbl::safe_zone("abc123.zen.dq.spamhaus.net") == "zen.dq.spamhaus.net");  // any DQS key
  CHECK(dnsbl::safe_zone("k2x9q4w7e1r5.pbl.example.org") == "pbl.example.org");    // 12 mixed
  CHECK(dnsbl::safe_zone("zen.spamhaus.org") == "zen.spamhaus.org");
  CHECK(dnsbl::safe_zone("dnsbl-1.uceprotect.net") == "dnsbl-1.uceprotect.net");
  CHECK(dnsbl::safe_zone("ix.dnsbl.manitu.net") == "ix.dnsbl.manitu.net");
  const auto e = error_of({"--dnsbl", "abc123.zen.dq.spamhaus.net=127.0.0.x"});
  CHECK(e.find("abc123") == std::string::npos);
  CHECK(e.find("zen.dq.spamhaus.net") != std::string::npos);

  std::string seen;
  static std::string* out = &seen;
  log::set_sink([](log::Level, std::string_view line) { *out = std::string(line); });
  log::set_secrets({"abc123"});
  log::error("query 7.113.0.203.abc123.zen.dq.spamhaus.net");
  log::set_secrets({});
  log::set_sink(nullptr);
  CHECK(seen == "query 7.113.0.203.<key>.zen.dq.spamhaus.net");
}

TEST_CASE("option values that would run wrong are refused with a clear error", "[hardening][config]") {
  const auto dir = std::filesystem::temp_directory_path().string();
  CHECK(error_of({"-c", dir}).find("is a directory") != std::string::npos);
  CHECK(error_of({"--allow-file", dir}).find("is a directory") != std::string::npos);
  CHECK(error_of({"--bypass-file", dir}).find("is a directory") != std::string::npos);
  CHECK(error_of({"--rules", dir}).find("directory") != std::string::npos);
  CHECK(error_of({"--pcre-table", dir}).find("directory") != std::string::npos);
  CHECK(error_of({"--dns-timeout", "3600s"}).find("longer than 30s") != std::string::npos);
  CHECK(error_of({"--dnsbl-timeout", "6s", "--dns-timeout", "5s"}).find("longer than dns-timeout") !=
        std::string::npos);
  CHECK(error_of({"--dnsbl-probe-interval", "1ms"}).find("shorter than 10s") != std::string::npos);
  CHECK(error_of({"--dnsbl-probe-interval", "0"}).empty());
  CHECK(error_of({"--socket", "inet:99999@127.0.0.1"}).find("port from 1 to 65535") != std::string::npos);
  CHECK(error_of({"--socket", "inet:8894@localhost"}).find("IP address") != std::string::npos);
  CHECK(error_of({"--socket", "tcp:8894"}).find("is not inet:") != std::string::npos);
  CHECK(error_of({"--socket", "unix:relative.sock"}).find("absolute path") != std::string::npos);
  CHECK(error_of({"--socket", "unix:/run/dynmilter/dynmilter.sock"}).empty());
  CHECK(error_of({"--socket", "inet6:8894@[::1]"}).empty());
  const auto stray = error_of({"--reject-code", "554", "5.7.1"});
  CHECK(stray.find("--reject-code") != std::string::npos);
  CHECK(stray.find("quoted") != std::string::npos);
  CHECK(error_of({"--reply-text", std::string(600, 'x')}).find("reply-text is too long") != std::string::npos);
}

TEST_CASE("'dnsbl =' alone in the config file asks no list", "[hardening][config]") {
  const auto path = std::filesystem::temp_directory_path() / "dynmilter-empty-dnsbl.conf";
  std::ofstream(path) << "dnsbl =\n";
  CHECK(parse({"-c", path.string()}).config.dnsbls.empty());
  std::ofstream(path) << "dnsbl =\ndnsbl = a.test\n";
  REQUIRE(parse({"-c", path.string()}).config.dnsbls.size() == 1);
  std::filesystem::remove(path);
}

TEST_CASE("print-config keeps 'dnsbl =': the printed file asks no list either", "[hardening][config]") {
  const auto path = std::filesystem::temp_directory_path() / "dynmilter-printed-empty.conf";
  std::ofstream(path) << "dnsbl =\n";
  const auto printed = config::format_config(parse({"-c", path.string()}).config, config::kDaemon);
  CHECK(printed.find("\ndnsbl =\n") != std::string::npos);
  std::ofstream(path) << printed;
  CHECK(parse({"-c", path.string()}).config.dnsbls.empty());
  std::filesystem::remove(path);
}

// Found by fuzzing: Boost replaced %name% placeholders until none was left, so a value holding
// its own placeholder looped forever (a hang at start and at reload); "--" threw out_of_range.
TEST_CASE("values that spell the option parser's placeholders fail at once", "[hardening][config]") {
  CHECK(error_of({"--threshold", "%value%"}) == "the argument ('\\%value\\%') for option '--threshold' is invalid");
  CHECK(error_of({"--dnsbl", "a%original_token%b"}).find("invalid value 'a\\%original_token\\%b' for --dnsbl") == 0);
  CHECK(error_of({"--%option%"}).find("unrecognised option") != std::string::npos);
  const auto path = std::filesystem::temp_directory_path() / "dynmilter-placeholder.conf";
  std::ofstream(path) << "socket = inet:8894@127.0.0.1\ndnsbl = x%canonical_option%%value%\n";
  CHECK(error_of({"-c", path.string()}).find(":2: invalid value 'x\\%canonical_option\\%\\%value\\%'") !=
        std::string::npos);
  std::filesystem::remove(path);
  CHECK(error_of({"--", "x"}) == "unexpected argument 'x'");
  // A NUL in a config line cut the error message short (found by fuzzing): the line is refused.
  const auto nul = std::filesystem::temp_directory_path() / "dynmilter-nul.conf";
  std::ofstream(nul) << "threshold = 3\npcre-table = a" << '\0' << "x\n";
  CHECK(error_of({"-c", nul.string()}) == nul.string() + ":2: a control character in the line");
  std::filesystem::remove(nul);
  // A line break in a value would print (--print-config) as a second line: refused.
  CHECK(error_of({"--group", "mail\ndnsbl = all.test"}) == "command-line argument 2 ('mail...') contains a line break");
  // A rule file or pcre_table whose name is too long for the system is an error, not the end of
  // the program (std::filesystem threw; found by fuzzing).
  const std::string long_name = "/tmp/" + std::string(5000, 'r');
  CHECK(error_of({"--rules", long_name}) == long_name + ": cannot read the rule file");
  CHECK(error_of({"--pcre-table", long_name}) == long_name + ": cannot read the pcre table");
  // Blanks at the end of a value, or a value in quotes, print quoted so that they read back.
  for (const char* group : {"mail# ", " mail", "\"mail\""}) {
    const auto inv = parse({"--group", group});
    const auto printed = config::format_config(inv.config, config::kDaemon);
    const auto printed_path = std::filesystem::temp_directory_path() / "dynmilter-printed.conf";
    std::ofstream(printed_path) << printed;
    CHECK(parse({"-c", printed_path.string()}).config.group == group);
    std::filesystem::remove(printed_path);
  }
  // So would any other control character: the printed file would not load (found by fuzzing).
  CHECK(error_of({"--group", "a/dynm\x10\x10r"}) ==
        "command-line argument 2 ('a/dynm...') contains a control character");
}

TEST_CASE("a reply with long values is cut, never stripped of its guidance", "[hardening][reply]") {
  auto c = config::default_config();
  c.reply_text = *smtp::ReplyTemplate::parse("{hostname} {reason} {hostname} Please smarthost.", nullptr);
  c.dnsbls.clear();
  const std::string name =
      std::string(60, 'a') + "." + std::string(60, 'b') + "." + std::string(60, 'c') + ".dsl-203-0-113-7.example";
  policy::ClientFacts facts{net::IpAddress::parse("203.0.113.7"), name, {rdns::RdnsStatus::Forged, name}};
  const auto v = policy::decide(c, facts);
  REQUIRE(v.action == policy::Action::Reject);
  REQUIRE(v.reply);
  CHECK(v.reply->text.find("Please smarthost.") != std::string::npos);
  CHECK(v.reply->text.find("...") != std::string::npos);
}

TEST_CASE("quoted and source-routed postmaster addresses are exempt", "[hardening][recipients]") {
  for (const char* r : {"<\"postmaster\"@example.org>", "<\"post\\master\"@example.org>",
                        "<@relay.example:postmaster@example.org>", "<\"Abuse\"@example.org>"})
    CHECK(policy::is_role_recipient(r));
  CHECK_FALSE(policy::is_role_recipient("<\"postmaster.x\"@example.org>"));
}
