// raw_milter: speaks the milter protocol byte by byte, so that tests can send what no MTA sends
// (odd macro packets, unterminated strings, absurd lengths, commands out of order) and see that
// the daemon answers or hangs up, but never dies.
//   raw_milter inet:PORT@ADDR|unix:PATH SCENARIO [REPEAT]     (raw_milter --list: the scenarios)
// Prints one line per run: the scenario, what came back ("replies=c,c,r" or "closed"), and exits
// 0 when every run ended (an answer, or the milter closing the connection); 1 when one could not
// connect (the daemon is gone).
#include "milter_wire.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace dyn::test::milter_wire;

// A whole session around `middle` (sent after the negotiation, before CONNECT).
Bytes session(const Bytes& middle, const std::string& ip = "203.0.113.7") {
  return optneg() + middle + connect_v4("h7.example.net", ip) + helo("h7.example.net") + mail("<a@example.net>") +
         rcpt("<user@example.org>") + quit();
}

const std::map<std::string, std::function<Bytes()>>& scenarios() {
  static const std::map<std::string, std::function<Bytes()>> all = {
      {"normal", [] { return session(""); }},
      {"odd-macro", [] { return session(macro('C', z("{client_name}"))); }},
      {"odd-macro-3", [] { return session(macro('C', z("{client_ptr}") + z("x.example") + z("{client_name}"))); }},
      {"unterminated-macro", [] { return session(macro('C', z("{client_name}") + "no-nul")); }},
      {"stage-only-macro", [] { return session(macro('C', "")); }},
      {"empty-macro", [] { return session(packet('D', "")); }},
      {"unknown-stage-macro", [] { return session(macro('Z', z("{a}") + z("b"))); }},
      {"odd-macro-mail",
       [] {
         return optneg() + connect_v4("h", "203.0.113.7") + macro('M', z("{auth_authen}")) + mail("<a@x>") +
                rcpt("<u@y>") + quit();
       }},
      {"huge-length", [] { return optneg() + be32(0x7fffffff) + "D"; }},
      {"zero-length", [] { return optneg() + be32(0); }},
      {"unknown-command", [] { return optneg() + packet('Z', "junk"); }},
      {"connect-truncated", [] { return optneg() + packet('C', z("host")); }},
      {"connect-bad-family", [] { return optneg() + packet('C', z("host") + "9" + std::string("\0\0", 2) + z("x")); }},
      {"connect-bad-address",
       [] {
         return optneg() + packet('C', z("host") + "4" + std::string("\0\x19", 2) + z("not-an-ip")) + rcpt("<u@y>");
       }},
      {"connect-unterminated", [] { return optneg() + packet('C', "host-without-nul"); }},
      {"rcpt-before-connect", [] { return optneg() + rcpt("<u@y>") + mail("<a@x>"); }},
      {"rcpt-empty",
       [] { return optneg() + connect_v4("h", "203.0.113.7") + mail("<a@x>") + packet('R', "") + quit(); }},
      {"rcpt-unterminated",
       [] { return optneg() + connect_v4("h", "203.0.113.7") + mail("<a@x>") + packet('R', "<u@y>"); }},
      {"helo-flood",
       [] {  // 15 HELOs on one connection: past --max-helo (10), each is deferred
         Bytes b = optneg() + connect_v4("h", "203.0.113.7");
         for (int i = 0; i < 15; ++i) b += helo("h" + std::to_string(i) + ".example.net");
         return b + quit();
       }},
      {"helo-huge", [] { return optneg() + connect_v4("h", "203.0.113.7") + helo(std::string(60000, 'a')) + quit(); }},
      {"header-unterminated",
       [] {
         return optneg() + connect_v4("h", "203.0.113.7") + mail("<a@x>") + rcpt("<u@y>") + packet('L', "X-Dynmilter");
       }},
      {"optneg-short", [] { return packet('O', be32(6)); }},
      {"half-packet", [] { return optneg() + be32(40) + "C" + "host"; }},
      {"hostile-macros",
       [] {
         return session(macro('C', z("{client_name}") + z(std::string(5000, 'x') + "\x01\xff%n") +
                                       z("{client_resolve}") + z("TEMP\r\n250 ok") + z("{client_ptr}") + z("")));
       }},
  };
  return all;
}

// Sends everything (the milter may hang up midway: that ends the run), then reads replies
// until the milter closes or is quiet for `quiet_ms`. Returns the reply commands seen.
std::string run(const std::string& spec, const Bytes& bytes, int quiet_ms, bool& connected) {
  const int fd = open_socket(spec);
  connected = fd >= 0;
  if (fd < 0) return "no-connection";
  send_all(fd, bytes);
  std::string replies;
  ReplyReader reader(fd);
  ReplyReader::Reply reply;
  for (;;) {
    const auto end = reader.next(quiet_ms, reply);
    const std::string what = end == ReplyReader::End::Reply   ? std::string(1, reply.command)
                             : end == ReplyReader::End::Quiet ? "quiet"
                                                              : "closed";
    replies += (replies.empty() ? "" : ",") + what;
    if (end != ReplyReader::End::Reply) break;
  }
  ::close(fd);
  return replies;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--list") {
    for (const auto& [name, make] : scenarios()) std::printf("%s\n", name.c_str());
    return 0;
  }
  if (argc < 3) {
    std::fprintf(stderr, "usage: raw_milter inet:PORT@ADDR|unix:PATH SCENARIO|all [REPEAT]\n");
    return 2;
  }
  const std::string spec = argv[1], which = argv[2];
  const int repeat = argc > 3 ? std::atoi(argv[3]) : 1;
  int status = 0;
  for (const auto& [name, make] : scenarios()) {
    if (which != "all" && which != name) continue;
    // The repeats run 8 at a time, each on its own connection: a hostile load, and the runs that
    // end in a quiet second (the daemon waiting for the rest of a packet) wait together.
    std::map<std::string, int> outcomes;
    std::mutex mutex;
    std::atomic<int> next{0};
    std::vector<std::thread> workers;
    for (int w = 0; w < std::min(repeat, 8); ++w)
      workers.emplace_back([&] {
        while (next++ < repeat) {
          bool connected = false;
          const auto outcome = run(spec, make(), 2000, connected);
          std::lock_guard lock(mutex);
          outcomes[outcome]++;
          if (!connected) status = 1;
        }
      });
    for (auto& t : workers) t.join();
    std::printf("%s:", name.c_str());
    for (const auto& [o, n] : outcomes) std::printf(" %s x%d", o.c_str(), n);
    std::printf("\n");
  }
  return status;
}
