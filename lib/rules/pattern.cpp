#define PCRE2_CODE_UNIT_WIDTH 8
#include "rules/pattern.hpp"

#include <pcre2.h>

namespace dyn::rules {

namespace {
// Backtracking budget per match: far above what a host-name pattern needs, far below a hang.
constexpr std::uint32_t kMatchLimit = 100'000;
constexpr std::uint32_t kDepthLimit = 10'000;

struct MatchDataFree {
  void operator()(pcre2_match_data* m) const { pcre2_match_data_free(m); }
};
struct ContextFree {
  void operator()(pcre2_match_context* c) const { pcre2_match_context_free(c); }
};

// Per thread: match data (room for the whole match only: we need no captures) and a context
// carrying the limits. Threads are libmilter's connection threads.
pcre2_match_data* thread_match_data() {
  thread_local std::unique_ptr<pcre2_match_data, MatchDataFree> data(pcre2_match_data_create(1, nullptr));
  return data.get();
}
pcre2_match_context* thread_context() {
  thread_local std::unique_ptr<pcre2_match_context, ContextFree> ctx([] {
    pcre2_match_context* c = pcre2_match_context_create(nullptr);
    pcre2_set_match_limit(c, kMatchLimit);
    pcre2_set_depth_limit(c, kDepthLimit);
    return c;
  }());
  return ctx.get();
}
}  // namespace

struct Pattern::Code {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Code() { pcre2_code_free(code); }
};

std::optional<Pattern> Pattern::compile(std::string_view regex, const PatternOptions& o, std::string* error) {
  std::uint32_t flags = PCRE2_NO_UTF_CHECK;
  if (o.caseless) flags |= PCRE2_CASELESS;
  if (o.multiline) flags |= PCRE2_MULTILINE;
  if (o.dotall) flags |= PCRE2_DOTALL;
  if (o.extended) flags |= PCRE2_EXTENDED;
  if (o.anchored) flags |= PCRE2_ANCHORED;
  if (o.dollar_endonly) flags |= PCRE2_DOLLAR_ENDONLY;
  if (o.ungreedy) flags |= PCRE2_UNGREEDY;
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* compiled =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(regex.data()), regex.size(), flags, &code, &offset, nullptr);
  if (!compiled) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(code, buf, sizeof buf);
    if (error)
      *error = "bad regular expression at offset " + std::to_string(offset) + ": " + reinterpret_cast<char*>(buf);
    return std::nullopt;
  }
  auto c = std::make_shared<Code>();
  c->code = compiled;
  c->jit = pcre2_jit_compile(compiled, PCRE2_JIT_COMPLETE) == 0;
  Pattern p;
  p.code_ = std::move(c);
  p.source_ = std::string(regex);
  return p;
}

MatchResult Pattern::match(std::string_view subject) const {
  const int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0, 0,
                             thread_match_data(), thread_context());
  if (rc >= 0) return MatchResult::Match;
  if (rc == PCRE2_ERROR_NOMATCH) return MatchResult::NoMatch;
  return MatchResult::Error;  // match or depth limit hit, or another run-time error
}

}  // namespace dyn::rules
