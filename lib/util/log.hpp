// Logging with a replaceable sink: stderr by default; the daemon installs syslog.
// Thread-safe: a sink receives one whole line per call.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <vector>

namespace dyn::log {

enum class Level { Error, Warning, Notice, Info, Debug };

using Sink = void (*)(Level, std::string_view line);

void set_sink(Sink sink);
void set_max_level(Level level);
bool enabled(Level level);
void write(Level level, std::string_view line);
void stderr_sink(Level level, std::string_view line);

// Secrets (DNSBL access keys) that no log line may show: each occurrence becomes "<key>".
// Replaces the previous set (a reload's configuration brings its own keys).
void set_secrets(std::vector<std::string> secrets);

// Each formats its line only when its level is logged (the arguments are still evaluated: guard
// costly ones with enabled()).
template <class... A>
void error(fmt::format_string<A...> f, A&&... a) {
  if (enabled(Level::Error)) write(Level::Error, fmt::format(f, std::forward<A>(a)...));
}
template <class... A>
void warning(fmt::format_string<A...> f, A&&... a) {
  if (enabled(Level::Warning)) write(Level::Warning, fmt::format(f, std::forward<A>(a)...));
}
template <class... A>
void notice(fmt::format_string<A...> f, A&&... a) {
  if (enabled(Level::Notice)) write(Level::Notice, fmt::format(f, std::forward<A>(a)...));
}
template <class... A>
void info(fmt::format_string<A...> f, A&&... a) {
  if (enabled(Level::Info)) write(Level::Info, fmt::format(f, std::forward<A>(a)...));
}
template <class... A>
void debug(fmt::format_string<A...> f, A&&... a) {
  if (enabled(Level::Debug)) write(Level::Debug, fmt::format(f, std::forward<A>(a)...));
}

}  // namespace dyn::log
