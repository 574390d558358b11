// Postfix pcre_table(5) files, read as Postfix reads them: logical lines (a line that starts
// with whitespace continues the previous one; blank and #-comment lines are skipped), each
// "[!]/pattern/flags result", "if [!]/pattern/flags" or "endif". The pattern may use any
// delimiter; flags toggle PCRE options (i toggles case-insensitivity, which is on by default).
#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <fstream>

#include "rules/rule_set.hpp"

namespace dyn::rules {

namespace {

struct LogicalLine {
  int line;
  std::string text;
};

std::vector<LogicalLine> logical_lines(std::istream& in) {
  std::vector<LogicalLine> out;
  std::string raw;
  for (int n = 1; std::getline(in, raw); ++n) {
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    const auto first = raw.find_first_not_of(" \t");
    if (first == std::string::npos || raw[first] == '#') continue;
    if (first > 0 && !out.empty()) {
      out.back().text += ' ';
      out.back().text += raw.substr(first);
    } else {
      out.push_back({n, raw.substr(first)});
    }
  }
  return out;
}

// Parses "[!]<d>regex<d>flags" at the start of `s`; returns the index just after it.
std::size_t parse_pattern(const std::string& s, TableEntry& e, const std::string& where) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '!') {
    e.negate = true;
    ++i;
  }
  if (i >= s.size() || std::isalnum(static_cast<unsigned char>(s[i])) || std::isspace(static_cast<unsigned char>(s[i])))
    throw Error(fmt::format("{}: expected a pattern such as /regex/ or !/regex/", where));
  const char delim = s[i++];
  const std::size_t start = i;
  for (; i < s.size() && s[i] != delim; ++i)
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
  if (i >= s.size()) throw Error(fmt::format("{}: no closing '{}' for the pattern", where, delim));
  const std::string regex = s.substr(start, i - start);
  ++i;
  PatternOptions o;
  for (; i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])); ++i) {
    switch (s[i]) {
      case 'i': o.caseless = !o.caseless; break;
      case 'm': o.multiline = !o.multiline; break;
      case 's': o.dotall = !o.dotall; break;
      case 'x': o.extended = !o.extended; break;
      case 'A': o.anchored = !o.anchored; break;
      case 'E': o.dollar_endonly = !o.dollar_endonly; break;
      case 'U': o.ungreedy = !o.ungreedy; break;
      case 'X': break;  // PCRE1 "extra": nothing to do in PCRE2
      default: throw Error(fmt::format("{}: unknown pattern flag '{}'", where, s[i]));
    }
  }
  std::string why;
  e.options = o;
  e.pattern = Pattern::compile(regex, o, &why);
  if (!e.pattern) throw Error(fmt::format("{}: {}", where, why));
  return i;
}

bool keyword(const std::string& s, const char* word) {
  const std::size_t n = std::char_traits<char>::length(word);
  if (s.size() < n) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != word[i]) return false;
  return s.size() == n || std::isspace(static_cast<unsigned char>(s[n]));
}

}  // namespace

bool is_reject_result(std::string_view r) {
  auto upper_starts = [&](const char* w) {
    const std::size_t n = std::char_traits<char>::length(w);
    if (r.size() < n) return false;
    for (std::size_t i = 0; i < n; ++i)
      if (std::toupper(static_cast<unsigned char>(r[i])) != w[i]) return false;
    return r.size() == n || std::isspace(static_cast<unsigned char>(r[n]));
  };
  if (upper_starts("REJECT")) return true;
  return r.size() >= 3 && (r[0] == '4' || r[0] == '5') && std::isdigit(static_cast<unsigned char>(r[1])) &&
         std::isdigit(static_cast<unsigned char>(r[2])) && (r.size() == 3 || r[3] == ' ');
}

PcreTable load_pcre_table(const std::string& path) {
  std::error_code ec;  // (the throwing overload ends the program on a name too long: found by fuzzing)
  if (std::filesystem::is_directory(path, ec))
    throw Error(fmt::format("{}: cannot read the pcre table: it is a directory", path));
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{}: cannot read the pcre table", path));
  return parse_pcre_table(in, path);
}

PcreTable parse_pcre_table(std::istream& in, const std::string& path) {
  PcreTable t;
  t.file = path;
  int depth = 0;
  for (const auto& [line, text] : logical_lines(in)) {
    const std::string where = fmt::format("{}:{}", path, line);
    TableEntry e;
    e.line = line;
    try {
      if (keyword(text, "endif")) {
        if (depth == 0) throw Error(fmt::format("{}: endif without if", where));
        --depth;
        e.is_endif = true;
      } else if (keyword(text, "if")) {
        std::string rest = text.substr(2);
        rest.erase(0, rest.find_first_not_of(" \t"));
        const std::size_t end = parse_pattern(rest, e, where);
        if (rest.find_first_not_of(" \t", end) != std::string::npos)
          throw Error(fmt::format("{}: text after the pattern of an if", where));
        e.is_if = true;
        ++depth;
      } else {
        const std::size_t end = parse_pattern(text, e, where);
        const auto r = text.find_first_not_of(" \t", end);
        if (r == std::string::npos) throw Error(fmt::format("{}: pattern without a result", where));
        e.result = text.substr(r);
      }
    } catch (const Error& skipped) {
      t.warnings.push_back(std::string(skipped.what()) + "; line skipped, as Postfix does");
      continue;
    }
    t.entries.push_back(std::move(e));
  }
  if (depth != 0) {
    t.warnings.push_back(fmt::format("{}: {} if without endif; closed at the end of the file", path, depth));
    for (; depth > 0; --depth) t.entries.push_back(TableEntry{0, false, true, std::nullopt, false, {}, ""});
  }
  std::vector<std::string> literals;
  for (const auto& e : t.entries)
    literals.push_back(e.pattern && !e.negate ? required_literal(e.pattern->source(), e.options.extended)
                                              : std::string());
  t.index = LiteralIndex(literals);
  std::vector<int> open;
  for (std::size_t i = 0; i < t.entries.size(); ++i) {
    if (t.entries[i].is_endif) {
      if (!open.empty()) open.pop_back();
      t.parent.push_back(open.empty() ? -1 : open.back());
      continue;
    }
    t.parent.push_back(open.empty() ? -1 : open.back());
    if (t.entries[i].is_if) open.push_back(static_cast<int>(i));
  }
  return t;
}

std::optional<std::pair<std::string, int>> PcreTable::lookup(std::string_view name) const {
  // Only candidate lines can match, and they come in file order, so the first candidate that
  // matches (inside "if" blocks that hold) is the line Postfix would have found.
  thread_local std::vector<std::uint32_t> cands;
  thread_local std::vector<std::pair<int, bool>> ifs;  // "if" conditions evaluated for this name
  index.candidate_list(name, cands);
  ifs.clear();
  auto holds = [&](int p) {
    for (const auto& [idx, value] : ifs)
      if (idx == p) return value;
    const TableEntry& c = entries[static_cast<std::size_t>(p)];
    const bool value = (c.pattern->match(name) == MatchResult::Match) != c.negate;
    ifs.emplace_back(p, value);
    return value;
  };
  for (const std::uint32_t i : cands) {
    const TableEntry& e = entries[i];
    if (e.is_if || e.is_endif) continue;  // conditions are asked for by the lines they guard
    bool inside = true;
    for (int p = parent[i]; p >= 0 && inside; p = parent[static_cast<std::size_t>(p)]) inside = holds(p);
    if (inside && (e.pattern->match(name) == MatchResult::Match) != e.negate) return std::make_pair(e.result, e.line);
  }
  return std::nullopt;
}

std::optional<std::pair<std::string, int>> PcreTable::lookup_sequential(std::string_view name) const {
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const TableEntry& e = entries[i];
    if (e.is_endif) continue;
    const bool hit = (e.pattern->match(name) == MatchResult::Match) != e.negate;
    if (e.is_if) {
      if (hit) continue;
      for (int depth = 1; depth > 0 && ++i < entries.size();)  // skip to the matching endif
        depth += entries[i].is_if ? 1 : entries[i].is_endif ? -1 : 0;
      continue;
    }
    if (hit) return std::make_pair(e.result, e.line);
  }
  return std::nullopt;
}

}  // namespace dyn::rules
