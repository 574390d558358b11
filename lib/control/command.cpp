#include "control/command.hpp"

#include "net/ip_address.hpp"

#include <vector>

namespace dyn::control {

const char* const kHelp =
    "why REF|ADDRESS   the evidence of a recent verdict: by its incident reference, or an address's latest\n"
    "lists             each list's health, listing-rate guard and the resolver's state\n"
    "stats             verdicts kept, DNS cache, resolver\n"
    "flush [ADDRESS]   forget the DNS cache's answers (all, or those about one client)\n"
    "reload            read the configuration again (as SIGUSR1)\n"
    "help              this list; add --json to a command for JSON\n";

namespace {
bool reference_like(std::string_view s) {
  if (s.size() != 10) return false;
  for (const char c : s)
    if (std::string_view("23456789abcdefghjkmnpqrstuvwxyz").find(c) == std::string_view::npos) return false;
  return true;
}
}  // namespace

std::string error_reply(std::string_view text) {
  std::string out = "error: ";
  for (const char c : text.substr(0, 300)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out + "\n";
}

std::optional<Command> parse_command(std::string_view line, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<Command> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  if (line.size() > kMaxLine) return fail("command longer than " + std::to_string(kMaxLine) + " bytes");
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string> words;
  std::string word;
  for (const char c : line) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') return fail("a control character in the command");
    if (static_cast<unsigned char>(c) >= 0x7f) return fail("a byte outside ASCII in the command");
    if (c == ' ' || c == '\t') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  Command cmd;
  std::vector<std::string> args;
  for (auto& w : words) {
    if (w == "--json")
      cmd.json = true;
    else
      args.push_back(std::move(w));
  }
  if (args.empty()) return fail("no command (try: help)");
  const std::string& verb = args[0];
  const std::size_t want = verb == "why" ? 2 : verb == "flush" ? (args.size() == 2 ? 2 : 1) : 1;
  if (verb == "why")
    cmd.verb = Command::Verb::Why;
  else if (verb == "lists")
    cmd.verb = Command::Verb::Lists;
  else if (verb == "stats")
    cmd.verb = Command::Verb::Stats;
  else if (verb == "flush")
    cmd.verb = Command::Verb::Flush;
  else if (verb == "reload")
    cmd.verb = Command::Verb::Reload;
  else if (verb == "help")
    cmd.verb = Command::Verb::Help;
  else
    return fail("unknown command '" + verb.substr(0, 40) + "' (try: help)");
  if (args.size() != want)
    return fail(verb == "why" ? "why takes one reference or address"
                              : verb + " takes " + (verb == "flush" ? "at most one address" : "no argument"));
  if (want == 2) {
    cmd.arg = args[1];
    const bool address = net::IpAddress::parse(cmd.arg).has_value();
    if (cmd.verb == Command::Verb::Flush && !address) return fail("'" + cmd.arg.substr(0, 60) + "' is not an address");
    if (cmd.verb == Command::Verb::Why && !address) {
      for (auto& c : cmd.arg) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      if (!reference_like(cmd.arg))
        return fail("'" + cmd.arg.substr(0, 60) + "' is neither an address nor a reference (ten characters)");
    }
  }
  return cmd;
}

}  // namespace dyn::control
