// libFuzzer target: the configuration as operators write it. The first byte picks how the rest
// is used: as a config file, as command-line words (split at NUL), as an --allow-file or as a
// --bypass-file. Loading must succeed or fail with config::Error (never crash, hang or throw
// anything else); what loads must print (--print-config) to a file that loads to the same
// printed configuration. Files are given as text (config::FileTexts): nothing touches the disk.
#include "options/options.hpp"

#include "require.hpp"

#include <string>
#include <vector>

using namespace dyn;

namespace {

std::optional<config::Invocation> load(const std::vector<std::string>& words, unsigned scope,
                                       const config::FileTexts& files) {
  std::vector<const char*> argv{"fuzz"};
  for (const auto& w : words) argv.push_back(w.c_str());
  try {
    return config::parse_invocation(static_cast<int>(argv.size()), argv.data(), scope, &files);
  } catch (const config::Error& e) {
    require(*e.what() != '\0');
    return std::nullopt;
  }
}

// What loads, printed and loaded again, prints the same.
void round_trip(const config::Invocation& inv, unsigned scope, config::FileTexts& files) {
  const std::string printed = config::format_config(inv.config, scope);
  files["/fuzz/printed.conf"] = printed;
  const auto again = load({"-c", "/fuzz/printed.conf"}, scope, files);
  require(again.has_value());
  require(config::format_config(again->config, scope) == printed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const unsigned scope = data[0] & 0x80 ? config::kCheck : config::kDaemon;
  // Keep DNS servers out of /etc/resolv.conf's hands: the same for every run.
  const std::vector<std::string> base{"--dns-server", "127.0.0.1:53"};
  std::vector<std::string> words;
  config::FileTexts files;
  switch (data[0] % 4) {
    case 0:  // a config file
      files["/fuzz/dynmilter.conf"] = text;
      words = {"-c", "/fuzz/dynmilter.conf"};
      break;
    case 1: {  // command-line words
      std::size_t start = 0;
      for (std::size_t i = 0; i <= text.size() && words.size() < 16; ++i)
        if (i == text.size() || text[i] == '\0') {
          words.emplace_back(text.substr(start, i - start));
          start = i + 1;
        }
      break;
    }
    case 2:
      files["/fuzz/allow"] = text;
      words = {"--allow-file", "/fuzz/allow"};
      break;
    case 3:
      if (scope != config::kDaemon) return 0;  // bypass files are the daemon's
      files["/fuzz/bypass"] = text;
      words = {"--bypass-file", "/fuzz/bypass"};
      break;
  }
  words.insert(words.end(), base.begin(), base.end());
  if (const auto inv = load(words, scope, files)) round_trip(*inv, scope, files);
  return 0;
}
