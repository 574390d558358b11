// libFuzzer target: any bytes as a mail log (lines split at line feeds) through dynmilter-replay's
// reader, then every client judged by name and counted into the report, printed as JSON and CSV.
// Never a crash or a hang; the counts add up; every client read has a valid address.
#include "options/options.hpp"
#include "replay/report.hpp"

#include "require.hpp"

#include <string_view>

using namespace dyn;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const config::Config config = [] {
    auto c = config::default_config();
    c.dnsbls.clear();
    return c;
  }();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  replay::MailLog log;
  std::uint64_t lines = 0;
  for (std::size_t nl; !text.empty(); ++lines) {
    nl = text.find('\n');
    log.add_line(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  }
  const auto& n = log.counts();
  require(n.lines == lines);
  require(n.other + n.mta_lines == n.lines);
  require(n.used + n.malformed <= n.mta_lines);
  auto report = replay::empty_report();
  std::string csv = replay::csv_header();
  for (std::size_t i = 0; i < log.clients().size(); ++i) {
    const auto& c = log.clients()[i];
    require(!c.name.empty());
    const auto v = policy::decide(config, policy::ClientFacts{c.ip, c.name, c.rdns});
    replay::add(report, i, c, v, {});
    csv += replay::csv_row(c, v, {});
  }
  require(report.clients() == log.clients().size());
  const auto json = replay::format_json(report, log.clients());
  require(json.front() == '{' && json.find('\n') == json.size() - 1);
  (void)replay::format_table(report, log.clients());
  return 0;
}
