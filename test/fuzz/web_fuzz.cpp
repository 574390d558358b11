// libFuzzer target: what strangers hand the refused sender's page and the rule miner. The first
// byte picks the part, the rest is its input:
//   0: a public record's text (from the shared store, which may hold anything): decode() refuses or
//      accepts; what it accepts encodes back to the same record and renders as HTML in which no
//      value opens a tag;
//   1: a request (path, then "name=value" lines as query parameters): route() answers a page or a
//      4xx, never more; a Check's domain is plain LDH text;
//   2: host names (one per line, "!" first for a server): the miner proposes rules, each anchored
//      at its provider's domain and never matching a name with a server word in the host part.
#include "control/public_record.hpp"
#include "rdns/name_words.hpp"
#include "replay/propose.hpp"
#include "rules/pattern.hpp"
#include "web/pages.hpp"
#include "web/request.hpp"

#include "require.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

using namespace dyn;

namespace {

std::vector<std::string> lines(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    out.emplace_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

void record(std::string_view text) {
  const auto r = control::decode(text);
  if (!r) return;
  require(control::decode(control::encode(*r)) == r);
  const web::Site site{"help@example.org", "", "our records"};
  const auto page = web::why_page({*r}, r->reference, site, false);
  require(page.status == 200);
  // Every '<' in the page is markup we wrote: none comes from the record.
  for (std::size_t at = page.body.find('<'); at != std::string::npos; at = page.body.find('<', at + 1))
    require(at + 1 < page.body.size() && (std::isalpha(static_cast<unsigned char>(page.body[at + 1])) ||
                                          page.body[at + 1] == '/' || page.body[at + 1] == '!'));
  require(page.body.find("<script") == std::string::npos);
}

void request(std::string_view text) {
  const auto all = lines(text);
  if (all.empty()) return;
  std::map<std::string, std::string> params;
  for (std::size_t i = 1; i < all.size(); ++i) {
    const auto eq = all[i].find('=');
    if (eq != std::string::npos) params[all[i].substr(0, eq)] = all[i].substr(eq + 1);
  }
  const auto routed = web::route(
      "GET", all[0],
      [&](std::string_view n) -> std::optional<std::string> {
        const auto it = params.find(std::string(n));
        if (it == params.end()) return std::nullopt;
        return it->second;
      },
      "");
  if (const auto* bad = std::get_if<web::Refusal>(&routed)) {
    require(bad->status >= 400 && bad->status < 500);
    require(!bad->message.empty());
    return;
  }
  const auto& r = std::get<web::Request>(routed);
  if (r.page == web::Request::Page::Check) {
    require(!r.domain.empty() && r.domain.size() <= 253);
    for (const char c : r.domain)
      require((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_');
  }
}

void mine(std::string_view text) {
  std::vector<replay::LabeledName> names;
  for (auto& l : lines(text)) {
    const bool server = !l.empty() && l[0] == '!';
    names.push_back({!server, server ? l.substr(1) : l, {}, {}, false});
  }
  replay::MiningOptions options;
  options.min_support = 2;
  const auto p = replay::propose_rules(names, options);
  for (const auto& r : p.rules) {
    auto pat = rules::Pattern::compile(r.pattern, rules::PatternOptions{}, nullptr);
    require(pat);
    for (const char* w : {"mail", "smtp", "mx", "relay"}) {
      const std::string probe = std::string(w) + "1." + r.domain;
      require(pat->match(probe) != rules::MatchResult::Match);
    }
    require(pat->match("x1.not-" + r.domain + ".example") != rules::MatchResult::Match);
    for (const auto& e : r.examples) require(pat->match(e) == rules::MatchResult::Match);
    for (const auto& e : r.nomatch) require(pat->match(e) != rules::MatchResult::Match);
  }
  (void)replay::format_rule_file(p, "fuzz", 3);
  (void)replay::format_summary(p);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: record(text); break;
    case 1: request(text); break;
    case 2: mine(text); break;
  }
  return 0;
}
