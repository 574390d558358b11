// fake_dns: the component tests' fault-injecting DNS server as a process, for the tests that run
// real Postfix: every question gets the same fault.
//   fake_dns PORT_FILE KIND [DELAY_MS]
//   fake_dns PORT_FILE zone FILE
//   fake_dns PORT_FILE synth DELAY_MS
// KIND: nxdomain, nodata, servfail, refused, drop, truncated (TC set, and TCP refused),
// wrong-id, wrong-question, garbage, wrong-source, address (answers 198.51.100.1 for every A question,
// NODATA for other types).
// zone: answers from FILE, lines "NAME TYPE TTL aa|- RDATA" (aa: the AA bit; RDATA in presentation
// form; several lines for one name and type make one answer; RDATA "NODATA" for an empty one);
// everything else is NXDOMAIN.
// synth: answers made from the question, each after DELAY_MS (for bench/cold_burst.sh): every
// IPv4 address has a PTR h-A-B-C-D.pool.bench, whose A is the address; a DNSBL query under any
// zone ending in .bench lists 198.18.0.0/15 (bench/soak_client's dynamic clients; 127.0.0.10) and
// the test point 127.0.0.2, not 127.0.0.1; the root has an NS. Everything else is NXDOMAIN.
// On SIGTERM or SIGINT it prints how many questions it answered (synth mode), then exits.
// Writes its UDP port to PORT_FILE, then serves until killed.
#include "fake_dns_server.hpp"

#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>

using dyn::dns::RrType;
using dyn::test::Script;

namespace {

// The four numeric labels in front of `suffix` (reversed, as in-addr.arpa and DNSBL names have
// them), as the address's octets in order; false when there are not exactly four.
bool octets_before(const std::string& name, const std::string& suffix, int out[4]) {
  if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return false;
  int n[4];
  char tail;
  const std::string head = name.substr(0, name.size() - suffix.size());
  if (std::sscanf(head.c_str(), "%d.%d.%d.%d%c", &n[0], &n[1], &n[2], &n[3], &tail) != 5 || tail != '.') return false;
  for (int i = 0; i < 4; ++i) {
    if (n[i] < 0 || n[i] > 255) return false;
    out[i] = n[3 - i];
  }
  return true;
}

std::optional<Script> synthesize(const std::string& name, RrType type, std::chrono::milliseconds delay) {
  int ip[4];
  auto nx = Script::of(Script::Kind::NxDomain).after(delay);
  if (name.empty() || name == ".")
    return type == RrType::NS ? Script::records({"a.root-servers.net."}, 86400).after(delay) : nx;
  if (octets_before(name + ".", "in-addr.arpa.", ip))
    return type == RrType::PTR ? Script::records({"h-" + std::to_string(ip[0]) + "-" + std::to_string(ip[1]) + "-" +
                                                  std::to_string(ip[2]) + "-" + std::to_string(ip[3]) + ".pool.bench."},
                                                 3600)
                                     .after(delay)
                               : nx;
  if (int a, b, c, d; std::sscanf(name.c_str(), "h-%d-%d-%d-%d.pool.bench", &a, &b, &c, &d) == 4)
    return type == RrType::A
               ? Script::records(
                     {std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c) + "." + std::to_string(d)},
                     3600)
                     .after(delay)
               : nx;
  const auto dot = name.find('.', name.find('.', name.find('.', name.find('.') + 1) + 1) + 1);
  if (type == RrType::A && dot != std::string::npos && name.size() > 6 &&
      name.compare(name.size() - 6, 6, ".bench") == 0 && octets_before(name + ".", name.substr(dot + 1) + ".", ip)) {
    const bool test_point = ip[0] == 127 && ip[1] == 0 && ip[2] == 0 && ip[3] == 2;
    if (test_point || (ip[0] == 198 && (ip[1] == 18 || ip[1] == 19)))
      return Script::records({"127.0.0.10"}, 3600).after(delay);
  }
  return nx;
}

}  // namespace

int main(int argc, char** argv) {
  // glibc gives freed memory back to the kernel as soon as a thread's heap top passes 128 KiB
  // (madvise, then page faults to take it again, and a TLB shootdown to every core each time):
  // measured, two thirds of this server's CPU under bench/cold_burst.sh at 800 clients/s. It
  // keeps what it has instead.
  ::mallopt(M_TRIM_THRESHOLD, 256 << 20);
  ::mallopt(M_TOP_PAD, 16 << 20);
  if (argc < 3) {
    std::fprintf(stderr, "usage: fake_dns PORT_FILE KIND [DELAY_MS]\n");
    return 2;
  }
  const std::map<std::string, Script> kinds = {
      {"nxdomain", Script::of(Script::Kind::NxDomain)}, {"nodata", Script::of(Script::Kind::NoData)},
      {"servfail", Script::of(Script::Kind::ServFail)}, {"refused", Script::of(Script::Kind::Refused)},
      {"drop", Script::of(Script::Kind::Drop)},         {"truncated", Script::of(Script::Kind::Truncated)},
      {"wrong-id", Script::of(Script::Kind::WrongId)},  {"wrong-question", Script::of(Script::Kind::WrongQuestion)},
      {"garbage", Script::of(Script::Kind::Garbage)},   {"wrong-source", Script::of(Script::Kind::WrongSource)},
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
          {"A", dyn::dns::RrType::A},     {"AAAA", dyn::dns::RrType::AAAA}, {"MX", dyn::dns::RrType::MX},
          {"PTR", dyn::dns::RrType::PTR}, {"TXT", dyn::dns::RrType::TXT},   {"CNAME", dyn::dns::RrType::CNAME},
          {"NS", dyn::dns::RrType::NS}};
      if (!types.count(type)) continue;
      auto& s = zone[{name, types.at(type)}];
      s.kind = rdata == "NODATA" ? Script::Kind::NoData : Script::Kind::Records;
      s.ttl = ttl;
      s.authoritative = aa == "aa";
      if (rdata != "NODATA") s.values.push_back(rdata);
    }
    for (const auto& [key, s] : zone) server.script(key.first, key.second, s);
  }
  if (std::string(argv[2]) == "synth") {
    const std::chrono::milliseconds delay(argc > 3 ? std::atoi(argv[3]) : 0);
    server.set_synth([delay](const std::string& name, RrType type) { return synthesize(name, type, delay); });
  }
  const std::string mode = argv[2];
  const auto it = kinds.find(mode == "zone" || mode == "synth" ? "nxdomain" : mode);
  if (it == kinds.end()) {
    std::fprintf(stderr, "fake_dns: unknown kind %s\n", argv[2]);
    return 2;
  }
  Script s = it->second;
  if (argc > 3 && mode != "zone" && mode != "synth") s = s.after(std::chrono::milliseconds(std::atoi(argv[3])));
  server.set_fallback(s);
  if (std::string(argv[2]) == "truncated") server.enable_tcp(false);
  if (std::string(argv[2]) == "address")  // the address for every A question; other types have no such data
    server.set_synth([s](const std::string&, RrType type) {
      return type == RrType::A ? s : std::optional<Script>(Script::of(Script::Kind::NoData).after(s.delay));
    });
  std::ofstream(argv[1]) << server.port() << "\n";
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  int sig = 0;
  sigwait(&set, &sig);
  if (mode == "synth") std::fprintf(stderr, "fake_dns: answered %zu questions\n", server.total_queries());
  return 0;
}
