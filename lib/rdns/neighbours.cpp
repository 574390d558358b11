#include "rdns/neighbours.hpp"
#include "util/ascii.hpp"

#include "rdns/classify.hpp"
#include "rdns/ip_in_name.hpp"
#include "rdns/name_words.hpp"

#include <cctype>

namespace dyn::rdns {

std::array<net::IpAddress, 2> neighbours(const net::IpAddress& ip) {
  auto bytes = ip.bytes();
  if (ip.is_v4()) {
    const std::uint8_t last = bytes[3];
    const int lo = last == 0 ? 1 : last == 255 ? 253 : last - 1;
    const int hi = last == 0 ? 2 : last == 255 ? 254 : last + 1;
    return {net::IpAddress::v4(bytes[0], bytes[1], bytes[2], static_cast<std::uint8_t>(lo)),
            net::IpAddress::v4(bytes[0], bytes[1], bytes[2], static_cast<std::uint8_t>(hi))};
  }
  std::uint64_t host = 0;  // the interface identifier: the low 64 bits
  for (int i = 8; i < 16; ++i) host = host << 8 | bytes[i];
  const std::uint64_t lo = host == 0 ? 1 : host == UINT64_MAX ? UINT64_MAX - 2 : host - 1;
  const std::uint64_t hi = host == 0 ? 2 : host == UINT64_MAX ? UINT64_MAX - 1 : host + 1;
  auto with = [&](std::uint64_t v) {
    auto b = bytes;
    for (int i = 15; i >= 8; --i, v >>= 8) b[i] = static_cast<std::uint8_t>(v & 0xff);
    return net::IpAddress::v6(b);
  };
  return {with(lo), with(hi)};
}

std::string name_shape(std::string_view name) {
  std::string out;
  std::size_t i = 0;
  while (i < name.size()) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (!util::ascii_alnum(static_cast<char>(c))) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    // An alphanumeric run with a digit in it is a number (decimal or hex): one '#'.
    std::size_t j = i;
    bool digit = false;
    while (j < name.size() && util::ascii_alnum(name[j])) digit |= util::ascii_digit(name[j++]);
    if (digit && j - i <= 32) {
      out += '#';
    } else {
      for (std::size_t k = i; k < j; ++k) out += util::ascii_lower(name[k]);
    }
    i = j;
  }
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

std::string_view parent_domain(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  const auto dot = name.find('.');
  return dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
}

namespace {
bool same_domain(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (util::ascii_lower(a[i]) != util::ascii_lower(b[i])) return false;
  return true;
}
}  // namespace

std::optional<std::string> pool_around(std::string_view client_name, const std::array<Neighbour, 2>& n,
                                       std::string* why) {
  auto no = [&](std::string reason) -> std::optional<std::string> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  const auto domain = parent_domain(client_name);
  if (domain.find('.') == std::string_view::npos) return no("the client's name has no domain to compare");
  // Names directly under a public suffix ("a.co.uk", "b.co.uk") belong to different owners.
  if (registrable_domain(client_name).size() > domain.size())
    return no("the client's name sits directly under a public suffix (" + std::string(domain) + ")");
  const NameWeights defaults;
  for (const auto& x : n) {
    if (x.name.empty()) return no("neighbour " + x.ip.to_string() + " has no name");
    if (!plausible_host_name(x.name)) return no("neighbour " + x.ip.to_string() + " has no usable name");
    if (!same_domain(parent_domain(x.name), domain))
      return no("neighbour " + x.name + " is not under " + std::string(domain));
    if (find_ip_in_name(x.name, x.ip).level != Embedding::Full)
      return no("neighbour " + x.name + " does not carry its own address");
    if (!name_score(x.name, x.ip, defaults)) return no("neighbour " + x.name + " is named like a server");
  }
  if (name_shape(n[0].name) != name_shape(n[1].name)) return no("the neighbours are named differently");
  return n[0].ip.to_string() + " is " + n[0].name + " and " + n[1].ip.to_string() + " is " + n[1].name;
}

}  // namespace dyn::rdns
