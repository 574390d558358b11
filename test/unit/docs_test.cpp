// Documentation tells the truth about every option: each option of the table appears in its
// man pages (dynmilter.conf(5) with its type and default), and packaging/dynmilter.conf is
// exactly what the table generates.
#include "options/options.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace dyn::config;

namespace {
std::string read(const std::string& relative) {
  std::ifstream in(std::string(DYNMILTER_SOURCE_DIR) + "/" + relative);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
// roff writes "--dns-server" as "\-\-dns\-server".
std::string unroff(std::string s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '-') continue;
    out += s[i];
  }
  return out;
}
}  // namespace

TEST_CASE(
    "every option is in its program's man page: dynmilter(8), dynmilter-check(1), dynmilter-replay(1), "
    "dynmilter-autoreply(8), dynmilter-web(8)",
    "[docs]") {
  const auto daemon_page = unroff(read("man/dynmilter.8"));
  for (const auto& o : options(kDaemon)) {
    INFO("dynmilter(8) misses --" << o.name);
    CHECK(daemon_page.find("--" + o.name) != std::string::npos);
  }
  const auto autoreply_page = unroff(read("man/dynmilter-autoreply.8"));
  for (const auto& o : options(kCheck | kAutoreply)) {
    INFO("dynmilter-autoreply(8) misses --" << o.name);
    CHECK(autoreply_page.find("--" + o.name) != std::string::npos);
  }
  const auto replay_page = unroff(read("man/dynmilter-replay.1"));
  for (const auto& o : options(kCheck | kReplay)) {
    INFO("dynmilter-replay(1) misses --" << o.name);
    CHECK(replay_page.find("--" + o.name) != std::string::npos);
  }
  const auto web_page = unroff(read("man/dynmilter-web.8"));
  for (const auto& o : options(kCheck | kWeb)) {
    INFO("dynmilter-web(8) misses --" << o.name);
    CHECK(web_page.find("--" + o.name) != std::string::npos);
  }
  const auto check_page = unroff(read("man/dynmilter-check.1"));
  for (const auto& o : options(kCheck)) {
    INFO("dynmilter-check(1) misses --" << o.name);
    CHECK(check_page.find("--" + o.name) != std::string::npos);
  }
}

TEST_CASE("dynmilter.conf(5) gives every setting its entry with a type and a default", "[docs]") {
  const auto page = read("man/dynmilter.conf.5");
  // Entries are ".TP" paragraphs that start with the setting's name: "\fBname\fR = TYPE".
  for (const auto& o : options(kBoth)) {
    if (o.name == "help" || o.name == "version" || o.name == "config" || o.name == "print-config" ||
        o.name == "sample-config" || o.name == "classify" || o.name == "sender" || o.name == "sender-ip" ||
        o.name == "json" || o.name == "helo")  // dynmilter-check's command-line-only options
      continue;
    INFO("dynmilter.conf(5) has no proper entry for " << o.name);
    const auto at = page.find(".TP\n\\fB" + o.name + "\\fR = ");
    REQUIRE(at != std::string::npos);
    const auto end = page.find(".TP\n", at + 4);
    CHECK(page.substr(at, end - at).find("Default") != std::string::npos);
  }
}

TEST_CASE("packaging/dynmilter.conf is the generated sample with every option", "[docs]") {
  // Regenerate with: build/bin/dynmilter --sample-config > packaging/dynmilter.conf
  const auto committed = read("packaging/dynmilter.conf");
  CHECK(committed == sample_config(kDaemon));
  for (const auto& o : options(kDaemon)) {
    if (o.name == "help" || o.name == "version" || o.name == "config" || o.name == "print-config" ||
        o.name == "sample-config")
      continue;
    INFO(o.name);
    CHECK(committed.find("\n#" + o.name + " =") != std::string::npos);
  }
}
