#include "rdns/name_words.hpp"
#include "util/ascii.hpp"

#include <libpsl.h>

#include <algorithm>
#include <array>
#include <unordered_map>

namespace dyn::rdns {

namespace {

// Whole words that name dynamic access technology or pools outright ("strong").
constexpr std::array kDynamicWords = {
    "dyn",   "dynamic", "dynamicip", "dynip",     "dhcp",        "pool",     "pools", "dsl",
    "adsl",  "vdsl",    "xdsl",      "sdsl",      "cable",       "ppp",      "pppoe", "pppoa",
    "dial",  "dialup",  "dialin",    "broadband", "residential", "cpe",      "catv",  "kabel",
    "modem", "gprs",    "umts",      "lte",       "cgn",         "cgnat",    "ftth",  "fttc",
    "fttx",  "pptp",    "bredband",  "ipoe",      "subscriber",  "customer", "cust",  "dclient"};
// Whole words common in pool names but also elsewhere ("weak"): they need other evidence.
constexpr std::array kGenericWords = {"client", "clients", "res",   "resi",  "bb",       "cm",   "dip",
                                      "user",   "users",   "home",  "nat",   "wireless", "wlan", "wifi",
                                      "mobile", "mob",     "fiber", "fibre", "access",   "ip",   "hsd",
                                      "subs",   "retail",  "priv",  "abo"};
// Parts of longer words that still name customer pools ("skybroadband", "shawcable", "dynamicip").
// ("bredband" and "laajakaista" are Scandinavian and Finnish for broadband.)
constexpr std::array kDynamicParts = {"dynamic", "dialup", "broadband", "dsl",         "cable",
                                      "dhcp",    "ppp",    "customer",  "residential", "kabel",
                                      "pool",    "cust",   "bredband",  "laajakaista"};
// Whole words that name servers: their presence keeps the generic checks from firing.
constexpr std::array kServerWords = {
    "mail",     "mx",     "smtp",   "smtpout",   "out",      "outbound", "mailout", "relay",    "mta",  "static",
    "business", "biz",    "srv",    "server",    "ns",       "dns",      "web",     "www",      "vps",  "hosting",
    "send",     "sender", "bounce", "bounces",   "mailer",   "post",     "postfix", "exchange", "gw",   "gateway",
    "corp",     "office", "colo",   "dedicated", "ded",      "mo",       "mxout",   "smtpgw",   "list", "lists",
    "cloud",    "node",   "api",    "edge",      "delivery", "sta",      "compute"};
// Parts of longer words that name servers ("sinamail", "mailchannels", "smtprelay", "staticrdns").
constexpr std::array kServerParts = {"mail", "smtp", "relay", "outbound", "mta", "static"};
// Parts of domain words that name hosting and cloud providers, not access ISPs.
constexpr std::array kHostingParts = {"usercontent", "hosting", "server", "cloud", "vps", "colo", "datacenter"};

template <class List>
bool contains_word(const List& list, const std::string& w) {
  return std::find_if(list.begin(), list.end(), [&](const char* x) { return w == x; }) != list.end();
}

template <class List>
std::string part_in(const List& parts, const std::string& w) {
  for (const char* p : parts)
    if (w.size() > std::char_traits<char>::length(p) && w.find(p) != std::string::npos) return p;
  return {};
}

// The runs of letters in a lower-case name.
boost::container::small_vector<std::string, 6> letter_runs(const std::string& s) {
  boost::container::small_vector<std::string, 6> out;
  std::string cur;
  for (char c : s) {
    if (c >= 'a' && c <= 'z') {
      cur += c;
    } else if (!cur.empty()) {
      out.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// The Public Suffix List as Debian ships it (libpsl: the newer of its built-in copy and the
// publicsuffix package's file), loaded once; read-only and thread-safe afterwards.
const psl_ctx_t* suffix_list() {
  static const psl_ctx_t* const ctx = [] {
    const psl_ctx_t* c = psl_latest(nullptr);
    return c ? c : psl_builtin();
  }();
  return ctx;
}

// Where the registrable domain starts in `name` (lower case, no trailing dot): one label left of
// the longest public suffix of the ICANN section (an unknown top-level domain counts as one, as
// the list's "*" rule says). The private section (dyndns.org, blogspot.com, compute-1.amazonaws.com)
// is left out: there a provider names its own customers' hosts, and the host part is what the
// name checks read (docs/benchmarks.md has both measured). The whole name when it is a suffix.
// libpsl's answer for one suffix, remembered: a name's shorter suffixes ("example",
// "isp.example", "pool.isp.example") repeat across clients, and a lookup in the list costs about
// 200 ns where the memory costs 30. Per thread (no lock), at most kRemembered suffixes, forgotten
// all at once when full. Exact: every answer is libpsl's own.
bool public_suffix(const psl_ctx_t* psl, std::string_view suffix) {
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  constexpr std::size_t kRemembered = 1024;
  thread_local std::unordered_map<std::string, bool, Hash, std::equal_to<>> known;
  if (const auto it = known.find(suffix); it != known.end()) return it->second;
  const std::string text(suffix);  // NUL-terminated, for libpsl
  const bool is = psl_is_public_suffix2(psl, text.c_str(), PSL_TYPE_ICANN) != 0;
  if (known.size() >= kRemembered) known.clear();
  known.emplace(text, is);
  return is;
}

// Suffixes of more labels than this are asked only when their parent is a public suffix: in the
// ICANN section every rule of more labels has a public parent (rules whose parent is not one,
// such as sande.more-og-romsdal.no or *.yokohama.jp, have three), so a host name's own labels
// cost no lookup. rdns_test checks this against the installed list.
constexpr std::size_t kOrphanLabels = 3;

std::size_t domain_start(std::string_view name) {
  const psl_ctx_t* psl = suffix_list();
  if (!psl || name.empty() || name.size() > 253) return 0;
  // Suffixes from the shortest ("jp") to the longest ("kawasaki.jp", "city.kawasaki.jp" ...);
  // the registrable domain is the longest one that is a suffix, with one more label.
  std::size_t suffix = std::string_view::npos;  // where the longest public suffix starts
  bool parent_public = true;                    // the root is
  std::size_t labels = 0;
  for (std::size_t at = name.size(); at > 0;) {
    const auto dot = name.rfind('.', at - 1);
    const std::size_t start = dot == std::string_view::npos ? 0 : dot + 1;
    if (++labels > kOrphanLabels && !parent_public) break;
    parent_public = public_suffix(psl, name.substr(start));
    if (parent_public) suffix = start;
    if (dot == std::string_view::npos) break;
    at = dot;
  }
  if (suffix == std::string_view::npos || suffix < 2) return 0;  // no suffix, or the name is one
  const auto dot = name.rfind('.', suffix - 2);
  return dot == std::string_view::npos ? 0 : dot + 1;
}

std::string lower_name(std::string_view name_in) {
  std::string name(name_in);
  util::ascii_lower_in_place(name);
  while (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

}  // namespace

std::span<const char* const> server_words() { return kServerWords; }

NameWords split_name(std::string_view name_in) {
  const std::string name = lower_name(name_in);
  const std::size_t at = domain_start(name);
  NameWords w;
  w.domain = name.substr(at);
  if (at > 0) w.host = name.substr(0, at - 1);
  w.words = letter_runs(w.host);
  return w;
}

std::string registrable_domain(std::string_view name_in) {
  const std::string name = lower_name(name_in);
  return name.substr(domain_start(name));
}

std::string dynamic_word(const NameWords& w) {
  for (const auto& word : w.words)
    if (contains_word(kDynamicWords, word)) return word;
  for (const auto& word : w.words)
    if (auto p = part_in(kDynamicParts, word); !p.empty()) return p;
  return {};
}

std::string generic_word(const NameWords& w) {
  for (const auto& word : w.words)
    if (contains_word(kGenericWords, word)) return word;
  return {};
}

std::string dynamic_word_in_domain(const NameWords& w) {
  for (const auto& word : letter_runs(w.domain)) {
    if (word == "com" || word == "net" || word == "org") continue;
    if (auto p = part_in(kDynamicParts, word); !p.empty()) return p;
    if (contains_word(kDynamicParts, word)) return word;
  }
  return {};
}

std::string server_word(const NameWords& w) {
  for (const auto& word : w.words)
    if (contains_word(kServerWords, word)) return word;
  // A server word inside a longer word ("bcstcmta04": a cable head-end, not an MTA) is weaker
  // than a whole pool word beside it ("res.dyn"): then it cancels nothing.
  const bool pool_word = std::any_of(w.words.begin(), w.words.end(),
                                     [](const std::string& word) { return contains_word(kDynamicWords, word); });
  for (const auto& word : w.words)
    if (auto p = part_in(kServerParts, word); !p.empty() && !pool_word) return p;
  for (const auto& word : letter_runs(w.domain))
    if (auto p = part_in(kHostingParts, word); !p.empty() || contains_word(kHostingParts, word))
      return p.empty() ? word : p;
  return {};
}

std::string device_id(const NameWords& w) {
  const std::string first = w.host.substr(0, w.host.find('.'));
  std::size_t i = 0;
  while (i < first.size() && i < 2 && util::ascii_alpha(first[i]) && !util::ascii_xdigit(first[i])) ++i;
  const std::string hex = first.substr(i);
  if (hex.size() < 12 || hex.size() > 16) return {};
  int letters = 0, digits = 0;
  for (char c : hex) {
    if (!util::ascii_xdigit(c)) return {};
    (util::ascii_digit(c) ? digits : letters)++;
  }
  return letters > 0 && digits >= 4 ? hex : std::string();
}

bool host_has_word_label(const NameWords& w) {
  std::size_t start = 0;
  while (start <= w.host.size()) {
    auto dot = w.host.find('.', start);
    if (dot == std::string::npos) dot = w.host.size();
    const std::string label = w.host.substr(start, dot - start);
    bool digit = false, letter = false;
    for (char c : label) {
      digit = digit || util::ascii_digit(c);
      letter = letter || util::ascii_alpha(c);
    }
    // Three letters at least: two-letter labels are mostly region or POP codes ("sd", "ap").
    if (letter && !digit && label.size() >= 3) return true;
    start = dot + 1;
  }
  return false;
}

}  // namespace dyn::rdns
