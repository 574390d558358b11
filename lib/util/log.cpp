#include "util/log.hpp"

#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>

namespace dyn::log {

namespace {
std::atomic<Sink> g_sink{&stderr_sink};
std::atomic<Level> g_max{Level::Info};
std::atomic<std::shared_ptr<const std::vector<std::string>>> g_secrets;

const char* label(Level level) {
  switch (level) {
    case Level::Error: return "error: ";
    case Level::Warning: return "warning: ";
    case Level::Notice: return "";
    case Level::Info: return "";
    case Level::Debug: return "debug: ";
  }
  return "";
}
}  // namespace

void set_sink(Sink sink) { g_sink.store(sink ? sink : &stderr_sink); }
void set_max_level(Level level) { g_max.store(level); }
bool enabled(Level level) { return level <= g_max.load(); }

void write(Level level, std::string_view line) {
  if (!enabled(level)) return;
  const auto secrets = g_secrets.load();
  if (!secrets || secrets->empty()) return g_sink.load()(level, line);
  std::string clean(line);
  for (const auto& s : *secrets)
    for (auto at = clean.find(s); !s.empty() && at != std::string::npos; at = clean.find(s, at + 5))
      clean.replace(at, s.size(), "<key>");
  g_sink.load()(level, clean);
}

void set_secrets(std::vector<std::string> secrets) {
  g_secrets.store(std::make_shared<const std::vector<std::string>>(std::move(secrets)));
}

void stderr_sink(Level level, std::string_view line) {
  // One write(2) per line so lines from several threads never interleave.
  std::string out = "dynmilter: ";
  out += label(level);
  out += line;
  out += '\n';
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, out.data(), out.size());
}

}  // namespace dyn::log
