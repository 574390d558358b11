// fake_dns: the component tests' fault-injecting DNS server as a process, for the tests that run
// real Postfix: every question gets the same fault.
//   fake_dns PORT_FILE KIND [DELAY_MS]
//   fake_dns PORT_FILE zone FILE
// KIND: nxdomain, nodata, servfail, refused, drop, truncated (TC set, and TCP refused),
// wrong-id, wrong-question, garbage, wrong-source, address (answers 198.51.100.1 for everything).
// zone: answers from FILE, lines "NAME TYPE TTL aa|- RDATA" (aa: the AA bit; RDATA in presentation
// form; several lines for one name and type make one answer; RDATA "NODATA" for an empty one);
// everything else is NXDOMAIN.
// Writes its UDP port to PORT_FILE, then serves until killed.
#include "fake_dns_server.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>

using dyn::test::Script;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: fake_dns PORT_FILE KIND [DELAY_MS]\n");
    return 2;
  }
  const std::map<std::string, Script> kinds = {
      {"nxdomain", Script::of(Script::Kind::NxDomain)},   {"nodata", Script::of(Script::Kind::NoData)},
      {"servfail", Script::of(Script::Kind::ServFail)},   {"refused", Script::of(Script::Kind::Refused)},
      {"drop", Script::of(Script::Kind::Drop)},           {"truncated", Script::of(Script::Kind::Truncated)},
      {"wrong-id", Script::of(Script::Kind::WrongId)},    {"wrong-question", Script::of(Script::Kind::WrongQuestion)},
      {"garbage", Script::of(Script::Kind::Garbage)},     {"wrong-source", Script::of(Script::Kind::WrongSource)},
      {"address", Script::records({"198.51.100.1"})},
  };
  dyn::test::FakeDnsServer server;
  if (std::string(argv[2]) == "zone" && argc > 3) {
    std::map<std::pair<std::string, dyn::dns::RrType>, Script> zone;
    std::ifstream in(argv[3]);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string name, type, aa, rdata;
      std::uint32_t ttl = 0;
      if (!(f >> name >> type >> ttl >> aa) || name[0] == '#') continue;
      std::getline(f >> std::ws, rdata);
      const std::map<std::string, dyn::dns::RrType> types = {
          {"A", dyn::dns::RrType::A}, {"AAAA", dyn::dns::RrType::AAAA}, {"MX", dyn::dns::RrType::MX},
          {"PTR", dyn::dns::RrType::PTR}, {"TXT", dyn::dns::RrType::TXT}, {"CNAME", dyn::dns::RrType::CNAME}};
      if (!types.count(type)) continue;
      auto& s = zone[{name, types.at(type)}];
      s.kind = rdata == "NODATA" ? Script::Kind::NoData : Script::Kind::Records;
      s.ttl = ttl;
      s.authoritative = aa == "aa";
      if (rdata != "NODATA") s.values.push_back(rdata);
    }
    for (const auto& [key, s] : zone) server.script(key.first, key.second, s);
  }
  const auto it = kinds.find(std::string(argv[2]) == "zone" ? "nxdomain" : argv[2]);
  if (it == kinds.end()) {
    std::fprintf(stderr, "fake_dns: unknown kind %s\n", argv[2]);
    return 2;
  }
  Script s = it->second;
  if (argc > 3 && std::string(argv[2]) != "zone") s = s.after(std::chrono::milliseconds(std::atoi(argv[3])));
  server.set_fallback(s);
  if (std::string(argv[2]) == "truncated") server.enable_tcp(false);
  std::ofstream(argv[1]) << server.port() << "\n";
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  int sig = 0;
  sigwait(&set, &sig);
  return 0;
}
