#include "net/cidr.hpp"

#include <charconv>

namespace dyn::net {

namespace {
bool prefix_equal(const IpAddress& a, const IpAddress& b, int bits) {
  const auto& x = a.bytes();
  const auto& y = b.bytes();
  int i = 0;
  for (; bits >= 8; bits -= 8, ++i)
    if (x[i] != y[i]) return false;
  if (bits == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
  return (x[i] & mask) == (y[i] & mask);
}

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}
}  // namespace

std::optional<Cidr> Cidr::parse(std::string_view text, std::string* error) {
  const auto slash = text.find('/');
  const auto addr_text = text.substr(0, slash);
  auto addr = IpAddress::parse(addr_text);
  if (!addr) {
    fail(error, "not an IP address: '" + std::string(addr_text) + "'");
    return std::nullopt;
  }
  // Was the text IPv6 (e.g. ::ffff:192.0.2.0/120) but normalised to IPv4?
  const bool written_v6 = addr_text.find(':') != std::string_view::npos;
  int len = addr->is_v4() ? 32 : 128;
  if (slash != std::string_view::npos) {
    const auto len_text = text.substr(slash + 1);
    int v = -1;
    auto [p, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), v);
    const int max = written_v6 ? 128 : 32;
    if (ec != std::errc() || p != len_text.data() + len_text.size() || v < 0 || v > max) {
      fail(error, "bad prefix length in '" + std::string(text) + "'");
      return std::nullopt;
    }
    len = v;
    if (written_v6 && addr->is_v4()) {
      if (len < 96) {
        fail(error, "IPv4-mapped prefix shorter than /96: '" + std::string(text) + "'");
        return std::nullopt;
      }
      len -= 96;
    }
  }
  Cidr c;
  c.network_ = *addr;
  c.length_ = len;
  // Refuse set host bits: compare against the address with host bits cleared.
  auto bytes = addr->bytes();
  for (int bit = len; bit < static_cast<int>(addr->size()) * 8; ++bit)
    bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
  if (bytes != addr->bytes()) {
    fail(error, "host bits set in '" + std::string(text) + "'");
    return std::nullopt;
  }
  return c;
}

bool Cidr::contains(const IpAddress& ip) const {
  return ip.family() == network_.family() && prefix_equal(ip, network_, length_);
}

std::string Cidr::to_string() const { return network_.to_string() + "/" + std::to_string(length_); }

bool any_contains(const std::vector<Cidr>& set, const IpAddress& ip) {
  for (const auto& c : set)
    if (c.contains(ip)) return true;
  return false;
}

const std::vector<Cidr>& private_networks() {
  static const std::vector<Cidr> nets = [] {
    std::vector<Cidr> out;
    for (const char* net : {"127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "::1/128",
                            "fe80::/10", "fc00::/7"})
      out.push_back(*Cidr::parse(net));
    return out;
  }();
  return nets;
}

}  // namespace dyn::net
