#include "options/list_files.hpp"

#include "options/options.hpp"
#include "options/value_checks.hpp"
#include "dns/types.hpp"
#include "rdns/classify.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

namespace dyn::config {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

bool has_control_character(const std::string& line) {
  return std::any_of(line.begin(), line.end(), [](unsigned char c) { return c < 0x20 && c != '\t'; });
}

void check_bypass_address(const std::string& b, const std::string& where) {
  const auto at = b.find('@');
  if (at == std::string::npos || at == b.size() - 1 || b.find_first_of(" <>\t") != std::string::npos)
    throw Error(fmt::format("{}bypass address '{}' is not user@domain or @domain", where, b));
}

namespace {

std::string prefix(const std::string& at) { return at.empty() ? at : at + ": "; }

// Calls `use(line, "file:line")` for each line of an operator's list file that is not blank
// once "#" comments are cut off, trimmed.
template <class Use>
void for_each_entry(const std::string& path, const std::string& kind, const std::string& named_at,
                    const FileTexts* texts, Use use) {
  std::string why;
  const auto in = open_file(path, texts, why);
  if (!in) throw Error(fmt::format("{}cannot read the {} file {}: {}", named_at, kind, path, why));
  std::string raw;
  for (int n = 1; std::getline(*in, raw); ++n) {
    const std::string line = trim(raw.substr(0, raw.find('#')));
    if (has_control_character(line)) throw Error(fmt::format("{}:{}: a control character in the line", path, n));
    if (!line.empty()) use(line, fmt::format("{}:{}", path, n));
  }
}

}  // namespace

// --allow-file lines: a network (CIDR), a /regex/ or a domain; # starts a comment.
void load_allowlist(Config& c, const WhereRead& where, const FileTexts* texts) {
  auto list = std::make_shared<Allowlist>();
  list->networks = c.allow_networks;
  auto add_name = [&](const std::string& text, const std::string& at) {
    if (text.size() >= 2 && text.front() == '/' && text.back() == '/') {
      std::string why;
      auto p = rules::Pattern::compile(text.substr(1, text.size() - 2), rules::PatternOptions{}, &why);
      if (!p) throw Error(fmt::format("{}: {}", at, why));
      list->patterns.push_back({std::move(*p), at});
    } else if (rdns::plausible_host_name(text)) {
      std::string d = dns::canonical_name(text);
      if (!d.empty() && d.front() == '.') d.erase(0, 1);
      list->domains.push_back(d);
    } else {
      throw Error(fmt::format("{}: '{}' is not a network, a domain or a /regex/", at, text));
    }
  };
  for (const auto& h : c.allow_hostnames) {
    const auto at = where("allow-hostname", h);
    add_name(h, at.empty() ? "allow-hostname" : at);
  }
  for (const auto& f : c.allow_files)
    for_each_entry(
        f, "allow", prefix(where("allow-file", f)), texts, [&](const std::string& line, const std::string& at) {
          if (line.front() != '/' && line.find_first_of(":/") != std::string::npos) {  // a network, or meant as one
            std::string why;
            auto cidr = net::Cidr::parse(line, &why);
            if (!cidr) throw Error(fmt::format("{}: {}", at, why));
            list->networks.push_back(*cidr);
          } else if (auto cidr = net::Cidr::parse(line)) {
            list->networks.push_back(*cidr);
          } else {
            add_name(line, at);
          }
        });
  c.allowlist = std::move(list);
}

// --bypass-file lines: user@domain or @domain; # starts a comment.
void load_bypass(Config& c, const WhereRead& where, const FileTexts* texts) {
  auto all = std::make_shared<std::vector<std::string>>(c.bypass_recipients);
  for (const auto& f : c.bypass_files)
    for_each_entry(f, "bypass", prefix(where("bypass-file", f)), texts,
                   [&](const std::string& line, const std::string& at) {
                     check_bypass_address(line, at + ": ");
                     all->push_back(line);
                   });
  for (auto& b : *all)
    for (auto& ch : b) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  c.bypass = std::move(all);
}

}  // namespace dyn::config
