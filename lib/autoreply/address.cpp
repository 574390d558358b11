#include "autoreply/address.hpp"

#include "util/ascii.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace dyn::autoreply {

namespace {

std::string lower(std::string_view s) { return util::ascii_lowered(s); }

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::optional<std::string> reply_address(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
  if (s.empty() || s.size() > 254 || s.front() == '-') return std::nullopt;
  const auto at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == s.size()) return std::nullopt;
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '\\') return std::nullopt;
    if (c == '"') quoted = !quoted;
    if (c == '@' && i != at && !quoted) return std::nullopt;
  }
  if (quoted) return std::nullopt;
  const std::string_view domain = s.substr(at + 1);
  if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != std::string_view::npos) return std::nullopt;
  for (const char c : domain)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '[' || c == ']' || c == ':'))
      return std::nullopt;
  return std::string(s);
}

std::string rate_key(std::string_view address) {
  std::string a = lower(address);
  const auto at = a.rfind('@');
  if (at == std::string::npos) return a;
  const auto plus = a.find('+');
  if (plus != std::string::npos && plus > 0 && plus < at) a.erase(plus, at - plus);
  return a;
}

std::string unanswerable_address(std::string_view address) {
  const std::string a = lower(address);
  const auto at = a.rfind('@');
  const std::string local = a.substr(0, at == std::string::npos ? a.size() : at);
  std::string bare = local;  // "no.reply", "no_reply", "do-not-reply" -> "noreply", "donotreply"
  std::erase_if(bare, [](char c) { return c == '-' || c == '_' || c == '.'; });
  static constexpr std::array<std::string_view, 5> kMailers = {"mailer-daemon", "postmaster", "listserv", "majordomo",
                                                               "mailman"};
  if (std::find(kMailers.begin(), kMailers.end(), local) != kMailers.end() || starts_with(local, "owner-") ||
      ends_with(local, "-request") || ends_with(local, "-owner") || ends_with(local, "-bounces"))
    return "a mailer's or list's own address (" + local + ")";
  if (starts_with(bare, "noreply") || starts_with(bare, "donotreply") || ends_with(bare, "noreply") ||
      ends_with(bare, "donotreply"))
    return "a do-not-reply address (" + local + ")";
  if (starts_with(local, "prvs=") || starts_with(local, "btv1=") || starts_with(local, "msprvs1="))
    return "a BATV bounce address (" + local.substr(0, local.find('=') + 1) + "...)";
  if (starts_with(local, "srs0=") || starts_with(local, "srs1=") || starts_with(local, "srs0+") ||
      starts_with(local, "srs0-"))
    return "an SRS bounce address (" + local.substr(0, 4) + "...)";
  if (starts_with(local, "bounce")) return "a bounce address (" + local.substr(0, 20) + ")";
  return {};
}

}  // namespace dyn::autoreply
