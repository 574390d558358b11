#include "dns/server_address.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

namespace dyn::dns {

std::optional<ServerAddress> ServerAddress::parse(std::string_view text) {
  std::string_view host = text;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
      if (port_text.empty()) return std::nullopt;
    }
  } else if (text.find(':') == text.rfind(':') && text.find(':') != std::string_view::npos) {
    // Exactly one colon: IPv4 with a port. Several colons: a bare IPv6 address.
    host = text.substr(0, text.find(':'));
    port_text = text.substr(text.find(':') + 1);
    if (port_text.empty()) return std::nullopt;
  }
  auto ip = net::IpAddress::parse(host);
  if (!ip) return std::nullopt;
  ServerAddress s{*ip, 53};
  if (!port_text.empty()) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), v);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || v == 0 || v > 65535) return std::nullopt;
    s.port = static_cast<std::uint16_t>(v);
  }
  return s;
}

std::string ServerAddress::to_string() const {
  if (ip.is_v4()) return port == 53 ? ip.to_string() : ip.to_string() + ":" + std::to_string(port);
  return port == 53 ? ip.to_string() : "[" + ip.to_string() + "]:" + std::to_string(port);
}

std::vector<ServerAddress> read_resolv_conf(const std::string& path) {
  std::vector<ServerAddress> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key, value;
    if (!(words >> key >> value) || key != "nameserver") continue;
    // resolv.conf may carry a scope id ("fe80::1%eth0"); we do not route those, so skip them.
    if (value.find('%') != std::string::npos) continue;
    if (auto ip = net::IpAddress::parse(value)) out.push_back(ServerAddress{*ip, 53});
  }
  return out;
}

}  // namespace dyn::dns
