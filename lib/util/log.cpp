#include "util/log.hpp"

#include <unistd.h>

#include <atomic>
#include <string>

namespace dyn::log {

namespace {
std::atomic<Sink> g_sink{&stderr_sink};
std::atomic<Level> g_max{Level::Info};

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
  if (enabled(level)) g_sink.load()(level, line);
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
