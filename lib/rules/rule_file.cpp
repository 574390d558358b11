// dynmilter rule files (dynmilter-rules(5)):
//
//   # comment
//   [example-isp-dsl]
//   pattern = /^dsl-[0-9-]+\.pool\.isp\.example$/
//   weight = 3
//   reason = Example ISP's residential DSL pool
//   action = log          (optional: the strongest action this rule can bring a client to)
//   match = dsl-203-0-113-7.pool.isp.example
//   nomatch = mail.isp.example
#include "rules/rule_set.hpp"

#include "rdns/ip_in_name.hpp"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <fstream>

namespace dyn::rules {

namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

bool valid_rule_name(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (unsigned char c : n)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

Example parse_example(const std::string& value, const std::string& where, int line) {
  const auto space = value.find_first_of(" \t");
  Example e;
  e.name = value.substr(0, space);
  e.line = line;
  if (space != std::string::npos) {
    const auto addr = trim(value.substr(space));
    e.ip = net::IpAddress::parse(addr);
    if (!e.ip) throw Error(fmt::format("{}: not an IP address in example: '{}'", where, addr));
  }
  if (e.name.empty()) throw Error(fmt::format("{}: empty example", where));
  return e;
}

void finish(Rule& r, const std::string& file, std::vector<Rule>& out) {
  if (!r.pattern && !r.ip_in_name)
    throw Error(fmt::format("{}: rule '{}' has neither a pattern nor a check", r.where, r.name));
  if (r.reason.empty()) throw Error(fmt::format("{}: rule '{}' has no reason", r.where, r.name));
  for (const auto& e : r.must_match)
    if (!r.matches(e.name, e.ip))
      throw Error(fmt::format("{}:{}: example '{}' does not match rule '{}'", file, e.line, e.name, r.name));
  for (const auto& e : r.must_not_match)
    if (r.matches(e.name, e.ip))
      throw Error(fmt::format("{}:{}: counter-example '{}' matches rule '{}'", file, e.line, e.name, r.name));
  out.push_back(std::move(r));
}

}  // namespace

bool Rule::matches(std::string_view host, const std::optional<net::IpAddress>& ip) const {
  if (pattern && pattern->match(host) != MatchResult::Match) return false;
  if (ip_in_name && (!ip || rdns::find_ip_in_name(host, *ip).level != rdns::Embedding::Full)) return false;
  return true;
}

std::vector<Rule> load_rule_file(const std::string& path) {
  std::error_code ec;  // (the throwing overload ends the program on a name too long: found by fuzzing)
  if (std::filesystem::is_directory(path, ec))
    throw Error(fmt::format("{}: cannot read the rule file: it is a directory", path));
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{}: cannot read the rule file", path));
  return parse_rule_file(in, path);
}

std::vector<Rule> parse_rule_file(std::istream& in, const std::string& path) {
  std::vector<Rule> out;
  std::optional<Rule> current;
  bool has_weight = false;
  std::string raw;
  for (int lineno = 1; std::getline(in, raw); ++lineno) {
    const std::string where = fmt::format("{}:{}", path, lineno);
    const std::string line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    if (line.front() == '[') {
      if (line.back() != ']') throw Error(fmt::format("{}: a rule header is [name]", where));
      if (current) {
        if (!has_weight) throw Error(fmt::format("{}: rule '{}' has no weight", current->where, current->name));
        finish(*current, path, out);
      }
      current = Rule{};
      has_weight = false;
      current->name = trim(line.substr(1, line.size() - 2));
      current->where = where;
      if (!valid_rule_name(current->name)) throw Error(fmt::format("{}: bad rule name '{}'", where, current->name));
      for (const auto& r : out)
        if (r.name == current->name)
          throw Error(fmt::format("{}: rule '{}' already defined at {}", where, r.name, r.where));
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos) throw Error(fmt::format("{}: expected 'key = value' or '[rule-name]'", where));
    if (!current)
      throw Error(fmt::format("{}: '{}' outside a rule (start one with [name])", where, trim(line.substr(0, eq))));
    const std::string key = trim(line.substr(0, eq));
    const std::string value = trim(line.substr(eq + 1));
    if (key == "pattern") {
      if (current->pattern) throw Error(fmt::format("{}: rule '{}' has two patterns", where, current->name));
      if (value.size() < 2 || value.front() != '/' || value.back() != '/')
        throw Error(fmt::format("{}: a pattern is written /regex/", where));
      std::string why;
      current->pattern = Pattern::compile(value.substr(1, value.size() - 2), PatternOptions{}, &why);
      if (!current->pattern) throw Error(fmt::format("{}: {}", where, why));
    } else if (key == "check") {
      if (value != "ip-in-name") throw Error(fmt::format("{}: unknown check '{}' (known: ip-in-name)", where, value));
      current->ip_in_name = true;
    } else if (key == "weight") {
      int w = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), w);
      if (ec != std::errc() || p != value.data() + value.size() || w < -1000 || w > 1000)
        throw Error(fmt::format("{}: bad weight '{}' (want an integer from -1000 to 1000)", where, value));
      current->weight = w;
      has_weight = true;
    } else if (key == "reason") {
      current->reason = value;
    } else if (key == "action") {
      if (value != "reject" && value != "tempfail" && value != "tag" && value != "log")
        throw Error(fmt::format("{}: unknown action '{}' (known: reject, tempfail, tag, log)", where, value));
      current->action = value;
    } else if (key == "match") {
      current->must_match.push_back(parse_example(value, where, lineno));
    } else if (key == "nomatch") {
      current->must_not_match.push_back(parse_example(value, where, lineno));
    } else {
      throw Error(fmt::format("{}: unknown key '{}' (known: pattern, check, weight, reason, action, match, nomatch)",
                              where, key));
    }
  }
  if (current) {
    if (!has_weight) throw Error(fmt::format("{}: rule '{}' has no weight", current->where, current->name));
    finish(*current, path, out);
  }
  return out;
}

}  // namespace dyn::rules
