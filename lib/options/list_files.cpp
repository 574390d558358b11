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

// --domain-policy lines: "KEY SETTINGS", KEY a domain (example.org), its subdomains
// (.example.org) or an address (user@example.org); SETTINGS "off", or any of action=ACTION,
// threshold=N and, last, reply-text=TEMPLATE (the rest of the line), separated by blanks or commas.
void load_domain_policies(Config& c, const WhereRead& where, const FileTexts* texts) {
  auto all = std::make_shared<std::vector<DomainPolicy>>();
  for (const auto& f : c.domain_policy_files)
    for_each_entry(
        f, "domain policy", prefix(where("domain-policy", f)), texts,
        [&](const std::string& line, const std::string& at) {
          DomainPolicy p;
          p.where = at;
          const auto blank = line.find_first_of(" \t");
          p.key = line.substr(0, blank);
          for (auto& ch : p.key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          const auto at_sign = p.key.find('@');
          const std::string domain = at_sign == std::string::npos ? p.key : p.key.substr(at_sign + 1);
          const std::string bare = !domain.empty() && domain.front() == '.' ? domain.substr(1) : domain;
          if (!rdns::plausible_host_name(bare) ||
              (at_sign != std::string::npos && (at_sign == 0 || domain.front() == '.')))
            throw Error(fmt::format("{}: '{}' is not a domain, .domain or user@domain", at, p.key));
          for (const auto& other : *all)
            if (other.key == p.key) throw Error(fmt::format("{}: '{}' again (first at {})", at, p.key, other.where));
          std::string rest = blank == std::string::npos ? std::string() : trim(line.substr(blank));
          if (rest.empty())
            throw Error(fmt::format("{}: '{}' has no settings (off, action=, threshold=, reply-text=)", at, p.key));
          while (!rest.empty()) {
            if (rest.rfind("reply-text=", 0) == 0) {
              std::string why;
              auto t = smtp::ReplyTemplate::parse(rest.substr(11), &why);
              if (!t) throw Error(fmt::format("{}: reply-text: {}", at, why));
              p.reply_text = std::move(*t);
              break;
            }
            const auto end = rest.find_first_of(" \t,");
            const std::string word = rest.substr(0, end);
            rest = end == std::string::npos ? std::string() : trim(rest.substr(end + 1));
            if (word.empty()) continue;
            if (word == "off") {
              p.off = true;
            } else if (word.rfind("action=", 0) == 0) {
              p.action = parse_action(word.substr(7));
              if (!p.action) throw Error(fmt::format("{}: '{}': want action=reject, tempfail, tag or log", at, word));
            } else if (word.rfind("threshold=", 0) == 0) {
              const std::string n = word.substr(10);
              if (n.empty() || n.size() > 4 || n.find_first_not_of("0123456789") != std::string::npos ||
                  std::stoi(n) <= 0)
                throw Error(fmt::format("{}: '{}': want threshold=N, N a positive number", at, word));
              p.threshold = std::stoi(n);
            } else {
              throw Error(fmt::format("{}: unknown setting '{}' (off, action=, threshold=, reply-text=)", at, word));
            }
          }
          if (p.off && (p.action || p.threshold || p.reply_text))
            throw Error(fmt::format("{}: '{}': off takes no other setting", at, p.key));
          all->push_back(std::move(p));
        });
  c.domain_policies = std::move(all);
}

}  // namespace dyn::config
