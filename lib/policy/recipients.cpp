// Recipients that always take mail: postmaster and abuse (RFC 5321 4.5.1, RFC 2142), and the
// operator's bypass addresses, so that a refused sender can always reach a person.
#include "policy/policy.hpp"

#include "util/ascii.hpp"

#include <cstring>

namespace dyn::policy {

// "<User@Example.ORG>" -> "user@example.org". A quoted local part is read as RFC 5321 reads it
// ("post\master"@x is postmaster@x), and a source route (<@relay:user@x>) is dropped. Written to
// `out`, which has room for recipient.size() characters (never more are written); returns the length.
static std::size_t normalize_recipient(std::string_view recipient, char* out) {
  std::size_t n = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < recipient.size(); ++i) {
    char c = recipient[i];
    if (c == '<' || c == '>') continue;
    if (c == '"') {
      quoted = !quoted;
      continue;
    }
    if (quoted && c == '\\' && i + 1 < recipient.size()) c = recipient[++i];
    out[n++] = util::ascii_lower(c);
  }
  if (n > 0 && out[0] == '@')
    if (const auto colon = std::string_view(out, n).find(':'); colon != std::string_view::npos) {
      std::memmove(out, out + colon + 1, n - colon - 1);
      n -= colon + 1;
    }
  return n;
}

static std::string normalize_recipient(std::string_view recipient) {
  std::string r(recipient.size(), '\0');
  r.resize(normalize_recipient(recipient, r.data()));
  return r;
}

// postmaster or abuse, in any domain or none (`r` normalized).
static bool role_address(std::string_view r) {
  const auto local = r.substr(0, r.rfind('@'));
  return local == "postmaster" || local == "abuse";
}

std::string_view exempt_recipient(const config::Config& config, std::string_view recipient) {
  char small[256];  // an address of usual length is normalized here, without an allocation
  std::string large;
  char* buffer = recipient.size() <= sizeof small ? small : (large.resize(recipient.size()), large.data());
  const std::string_view r(buffer, normalize_recipient(recipient, buffer));
  if (role_address(r)) return "role";
  if (!config.bypass) return {};
  const auto at = r.rfind('@');
  const std::string_view domain = at == std::string_view::npos ? std::string_view() : r.substr(at);
  for (const auto& b : *config.bypass) {
    const std::string want = normalize_recipient(b);
    if (want == r || (want.front() == '@' && !domain.empty() && domain == want)) return "bypass";
  }
  return {};
}

bool is_role_recipient(std::string_view recipient) { return role_address(normalize_recipient(recipient)); }

const config::DomainPolicy* domain_policy(const config::Config& config, std::string_view recipient) {
  if (!config.domain_policies || config.domain_policies->empty()) return nullptr;
  const std::string r = normalize_recipient(recipient);
  const auto at = r.rfind('@');
  if (at == std::string::npos) return nullptr;
  const auto& table = *config.domain_policies;
  auto find = [&](std::string_view key) -> const config::DomainPolicy* {
    for (const auto& p : table)
      if (p.key == key) return &p;
    return nullptr;
  };
  if (const auto* p = find(r)) return p;  // the address
  std::string_view domain = std::string_view(r).substr(at + 1);
  if (const auto* p = find(domain)) return p;  // the domain
  for (auto dot = domain.find('.'); dot != std::string_view::npos; dot = domain.find('.', dot + 1))
    if (const auto* p = find(domain.substr(dot))) return p;  // ".parent" entries, nearest first
  return nullptr;
}

}  // namespace dyn::policy
