#include "rules/literal_index.hpp"
#include "util/ascii.hpp"

#include <algorithm>
#include <cctype>
#include <deque>

namespace dyn::rules {

namespace {

// Where the counted quantifier that starts at re[i] ('{') ends (its '}'), or npos when those
// braces are not one: PCRE2 reads {n}, {n,} and {n,m} (and from 10.43 {,m}) as quantifiers and
// any other '{' as a literal character ("{pp|t}" holds a top-level '|'). {,m} counts as a
// quantifier here whatever the version: the atom before it is then left out, which is safe.
std::size_t quantifier_end(std::string_view re, std::size_t i) {
  std::size_t j = i + 1;
  const auto digits = [&] {
    const std::size_t from = j;
    while (j < re.size() && std::isdigit(static_cast<unsigned char>(re[j]))) ++j;
    return j > from;
  };
  const bool lower = digits();
  bool upper = false;
  if (j < re.size() && re[j] == ',') {
    ++j;
    upper = digits();
  }
  if (!lower && !upper) return std::string_view::npos;
  return j < re.size() && re[j] == '}' ? j : std::string_view::npos;
}

bool is_quantifier(std::string_view re, std::size_t i) {
  if (i >= re.size()) return false;
  const char c = re[i];
  return c == '?' || c == '*' || c == '+' || (c == '{' && quantifier_end(re, i) != std::string_view::npos);
}

}  // namespace

std::string required_literal(std::string_view re, bool extended) {
  if (extended) return {};  // whitespace and comments change what is literal
  // \Q...\E quotes everything up to \E, escapes included: give up (found by fuzzing, where the
  // indexed lookup then disagreed with the line-by-line one).
  if (re.find("\\Q") != std::string_view::npos) return {};
  // Inline options such as (?i) or (?x) change the rest of the pattern: give up.
  for (std::size_t i = 0; i + 2 < re.size(); ++i)
    if (re[i] == '(' && re[i + 1] == '?' && std::isalpha(static_cast<unsigned char>(re[i + 2]))) {
      std::size_t j = i + 2;
      while (j < re.size() && (std::isalpha(static_cast<unsigned char>(re[j])) || re[j] == '-')) ++j;
      if (j < re.size() && re[j] == ')') return {};
    }
  std::string best, run;
  auto flush = [&] {
    if (run.size() > best.size()) best = run;
    run.clear();
  };
  int depth = 0;
  for (std::size_t i = 0; i < re.size(); ++i) {
    const char c = re[i];
    if (c == '\\') {  // an escape: a literal punctuation character, or a class (\d, \w, \b, ...)
      if (i + 1 >= re.size()) return {};
      const char e = re[++i];
      const bool literal = std::ispunct(static_cast<unsigned char>(e)) != 0;
      if (depth > 0) continue;
      if (!literal) {
        flush();
        continue;
      }
      const bool quantified = is_quantifier(re, i + 1);
      if (quantified && re[i + 1] != '+') {  // optional or repeated from zero: not required
        flush();
        continue;
      }
      run += util::ascii_lower(e);
      if (quantified) flush();
      continue;
    }
    if (c == '[') {  // a class: skip to its end ("[]..." and "[^]..." keep the first ']')
      std::size_t j = i + 1;
      if (j < re.size() && re[j] == '^') ++j;
      if (j < re.size() && re[j] == ']') ++j;
      while (j < re.size() && re[j] != ']') j += re[j] == '\\' ? 2 : 1;
      i = j;
      if (depth == 0) flush();
      continue;
    }
    if (c == '(') {
      ++depth;
      if (depth == 1) flush();
      continue;
    }
    if (c == ')') {
      if (depth > 0) --depth;
      continue;
    }
    if (c == '{') {  // a quantifier's braces ({2}, {0,3}): skip them whole; the atom was handled
      const auto close = quantifier_end(re, i);
      if (depth == 0) flush();  // a literal '{' ends the run too: it is never part of a literal here
      if (close != std::string_view::npos) i = close;
      continue;
    }
    if (depth > 0) continue;
    if (c == '|') return {};  // a top-level alternative: nothing is required
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '/' || c == '@' || c == ':' ||
        c == '=' || c == '#' || c == '%' || c == ',' || c == '\'' || c == '"' || c == '!' || c == '&' || c == '<' ||
        c == '>' || c == ';' || c == '~' || c == '`' || c == ' ') {
      const bool quantified = is_quantifier(re, i + 1);
      if (quantified && re[i + 1] != '+') {
        flush();
        continue;
      }
      run += util::ascii_lower(c);
      if (quantified) flush();
      continue;
    }
    flush();  // . ^ $ and anything else
  }
  if (depth != 0) return {};
  flush();
  return best.size() >= 3 ? best : std::string();
}

int LiteralIndex::symbol(unsigned char c) {
  c = static_cast<unsigned char>(util::ascii_lower(static_cast<char>(c)));
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '0' && c <= '9') return 26 + (c - '0');
  if (c == '.') return 36;
  if (c == '-') return 37;
  if (c == '_') return 38;
  return 39;
}

LiteralIndex::LiteralIndex(const std::vector<std::string>& literals) : patterns_(literals.size()) {
  // A trie of the literals (state 0 is the root); characters outside the alphabet share one
  // symbol, which only ever widens the candidate set.
  next_.assign(kAlphabet, -1);
  fail_.assign(1, 0);
  out_.assign(1, {});
  for (std::uint32_t p = 0; p < literals.size(); ++p) {
    if (literals[p].empty()) {
      always_.push_back(p);
      continue;
    }
    std::int32_t s = 0;
    for (unsigned char c : literals[p]) {
      const int a = symbol(c);
      if (next_[s * kAlphabet + a] < 0) {
        next_[s * kAlphabet + a] = static_cast<std::int32_t>(fail_.size());
        next_.resize(next_.size() + kAlphabet, -1);
        fail_.push_back(0);
        out_.emplace_back();
      }
      s = next_[s * kAlphabet + a];
    }
    out_[s].push_back(p);
  }
  // Breadth-first: failure links, merged outputs, and a full transition table (a DFA).
  std::deque<std::int32_t> queue;
  for (int a = 0; a < kAlphabet; ++a) {
    std::int32_t& t = next_[a];
    if (t < 0)
      t = 0;
    else {
      fail_[t] = 0;
      queue.push_back(t);
    }
  }
  while (!queue.empty()) {
    const std::int32_t s = queue.front();
    queue.pop_front();
    const auto& inherited = out_[fail_[s]];
    out_[s].insert(out_[s].end(), inherited.begin(), inherited.end());
    for (int a = 0; a < kAlphabet; ++a) {
      std::int32_t& t = next_[s * kAlphabet + a];
      if (t < 0) {
        t = next_[fail_[s] * kAlphabet + a];
      } else {
        fail_[t] = next_[fail_[s] * kAlphabet + a];
        queue.push_back(t);
      }
    }
  }
}

void LiteralIndex::candidate_list(std::string_view name, std::vector<std::uint32_t>& out) const {
  out.assign(always_.begin(), always_.end());
  if (!next_.empty()) {
    std::int32_t s = 0;
    for (unsigned char c : name) {
      s = next_[s * kAlphabet + symbol(c)];
      out.insert(out.end(), out_[s].begin(), out_[s].end());
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

}  // namespace dyn::rules
