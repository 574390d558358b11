// libFuzzer target: any bytes as an rbldnsd data file of each local zone type (the first byte
// picks it), and the first line also as a --local-zone value. Loading must succeed or fail with a
// LoadError naming the file; a loaded dataset answers every address (the input's own bytes read
// as addresses, and the ends of both families) with values it holds and TXT texts of at most 255
// bytes; a --local-zone value that parses prints back to itself.
#include "localzone/dataset.hpp"
#include "localzone/zones.hpp"

#include "require.hpp"

#include <string>

using namespace dyn;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr localzone::Kind kinds[] = {localzone::Kind::Ip4Set, localzone::Kind::Ip4TSet,
                                              localzone::Kind::Ip4Trie, localzone::Kind::Ip6Trie,
                                              localzone::Kind::Ip6TSet};
  const auto kind = kinds[data[0] % 5];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (const auto spec = localzone::Spec::parse(text.substr(0, text.find('\n')), nullptr)) {
    const auto again = localzone::Spec::parse(spec->to_string(), nullptr);
    require(again && *again == *spec);
  }
  std::shared_ptr<const localzone::Dataset> d;
  try {
    std::vector<std::string> warnings;
    d = localzone::Dataset::parse(kind, {localzone::FileText{"fuzz.zone", text}}, &warnings);
    for (const auto& w : warnings) require(w.rfind("fuzz.zone:", 0) == 0);
  } catch (const localzone::LoadError& e) {
    require(std::string(e.what()).rfind("fuzz.zone", 0) == 0);
    return 0;
  }
  std::vector<net::IpAddress> probes = {*net::IpAddress::parse("0.0.0.0"), *net::IpAddress::parse("255.255.255.255"),
                                        *net::IpAddress::parse("::"),
                                        *net::IpAddress::parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")};
  for (std::size_t at = 1; at + 16 <= size && probes.size() < 64; at += 7) {
    std::array<std::uint8_t, 16> b{};
    for (int i = 0; i < 16; ++i) b[static_cast<std::size_t>(i)] = data[at + static_cast<std::size_t>(i)];
    probes.push_back(net::IpAddress::v4(b[0], b[1], b[2], b[3]));
    probes.push_back(net::IpAddress::v6(b));
  }
  for (const auto& ip : probes)
    for (const auto id : d->lookup(ip)) {
      const auto& v = d->value(id);
      require(v.a != 0);
      if (const auto t = d->txt(v, ip)) require(t->size() <= 255);
    }
  return 0;
}
