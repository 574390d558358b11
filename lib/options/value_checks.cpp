#include "options/value_checks.hpp"

#include "net/ip_address.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace dyn::config {

// std::ifstream opens a directory without complaint and then reads nothing, which would run
// as if the file were empty.
std::string not_a_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return "it is a directory";
  return {};
}

std::unique_ptr<std::istream> open_file(const std::string& path, const FileTexts* texts, std::string& why) {
  if (texts)
    if (const auto it = texts->find(path); it != texts->end()) return std::make_unique<std::istringstream>(it->second);
  why = not_a_file(path);
  if (!why.empty()) return nullptr;
  auto in = std::make_unique<std::ifstream>(path);
  if (!*in) {
    why = std::strerror(errno);
    return nullptr;
  }
  return in;
}

std::string socket_spec_error(const std::string& spec) {
  if (spec.rfind("unix:", 0) == 0 || spec.rfind("local:", 0) == 0 || (!spec.empty() && spec.front() == '/')) {
    const auto path = spec.substr(spec.front() == '/' ? 0 : spec.find(':') + 1);
    if (path.empty() || path.front() != '/') return "needs an absolute path, e.g. unix:/run/dynmilter/dynmilter.sock";
    if (path.size() >= 108) return "has a path longer than a unix socket allows (107 bytes)";
    return {};
  }
  for (const char* kind : {"inet:", "inet6:"}) {
    if (spec.rfind(kind, 0) != 0) continue;
    const auto rest = spec.substr(std::strlen(kind));
    const auto at = rest.find('@');
    const auto port = rest.substr(0, at);
    int number = 0;
    const bool numeric = !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
    if (numeric) number = std::stoi(port);
    if (!numeric || number < 1 || number > 65535) return "needs a port from 1 to 65535, e.g. inet:8894@127.0.0.1";
    if (at == std::string::npos) return {};  // all addresses
    const auto host = rest.substr(at + 1);
    const auto bare =
        host.size() > 2 && host.front() == '[' && host.back() == ']' ? host.substr(1, host.size() - 2) : host;
    if (bare.empty() || !net::IpAddress::parse(bare)) return "needs an IP address after '@', e.g. inet:8894@127.0.0.1";
    return {};
  }
  return "is not inet:PORT@ADDRESS, inet6:PORT@ADDRESS or unix:/PATH";
}

bool syslog_facility_known(const std::string& f) {
  if (f == "mail" || f == "daemon" || f == "user") return true;
  return f.size() == 6 && f.rfind("local", 0) == 0 && f[5] >= '0' && f[5] <= '7';
}

}  // namespace dyn::config
