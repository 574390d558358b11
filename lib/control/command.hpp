// The control socket's commands, one line each: "why REF|ADDRESS", "lists", "stats",
// "flush [ADDRESS]", "reload", "help"; "--json" anywhere asks for JSON. A line longer than
// kMaxLine, an unknown command, or a bad argument is an error, said in one line.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dyn::control {

inline constexpr std::size_t kMaxLine = 512;     // a command line, without its line feed
inline constexpr std::size_t kMaxReply = 65536;  // what one command may answer

struct Command {
  enum class Verb { Why, Lists, Stats, Flush, Reload, Help };
  Verb verb = Verb::Help;
  std::string arg;  // why: a reference or an address; flush: an address or empty
  bool json = false;
};

std::optional<Command> parse_command(std::string_view line, std::string* error);

// "error: ..." for the client; `text` made printable and bounded.
std::string error_reply(std::string_view text);

extern const char* const kHelp;

}  // namespace dyn::control
