// idle_peers: milter peers that hold the daemon's resources. Two modes:
//   idle_peers SOCKET idle N HOLD_S      N connections, each negotiates and sends CONNECT (a client
//                                        from 198.18.0.0/15), then says nothing for HOLD_S seconds;
//                                        prints how many connected, got their CONNECT reply, and
//                                        were hung up on by the milter while idle
//   idle_peers SOCKET helo-flood K       one connection sends K HELOs, then QUIT; prints the
//                                        replies by kind (c: continue, t: tempfail) and the time
// bench/milter_peers.sh runs both against dynmilter and null_milter and samples their fds and threads.
#include "milter_wire.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

using namespace dyn::test::milter_wire;

namespace {

int idle(const std::string& spec, int n, int hold_s) {
  std::vector<int> fds;
  int connected = 0, answered = 0;
  for (int i = 0; i < n; ++i) {
    int fd = -1;
    for (int attempt = 0; attempt < 50 && fd < 0; ++attempt) {  // a full listen backlog: try again
      fd = open_socket(spec);
      if (fd < 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (fd < 0) continue;
    ++connected;
    const std::string ip = "198.18." + std::to_string(i / 250) + "." + std::to_string(1 + i % 250);
    send_all(fd, optneg() + connect_v4("idle.example.net", ip));
    fds.push_back(fd);
  }
  for (const int fd : fds) {  // the negotiation's reply and CONNECT's
    ReplyReader r(fd);
    ReplyReader::Reply reply;
    if (r.next(5000, reply) == ReplyReader::End::Reply && r.next(5000, reply) == ReplyReader::End::Reply) ++answered;
  }
  std::printf("connected=%d answered=%d\n", connected, answered);
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::seconds(hold_s));
  int hung_up = 0;
  for (const int fd : fds) {
    pollfd p{fd, POLLIN, 0};
    char byte;
    if (::poll(&p, 1, 0) > 0 && ::recv(fd, &byte, 1, MSG_DONTWAIT) == 0) ++hung_up;
    ::close(fd);
  }
  std::printf("hung_up_while_idle=%d\n", hung_up);
  return connected == n ? 0 : 1;
}

int helo_flood(const std::string& spec, int k) {
  const int fd = open_socket(spec);
  if (fd < 0) return 1;
  const auto start = std::chrono::steady_clock::now();
  send_all(fd, optneg() + connect_v4("flood.example.net", "198.18.200.1"));
  std::thread writer([&] {
    for (int i = 0; i < k; ++i) send_all(fd, helo("h" + std::to_string(i) + ".flood.example"));
    send_all(fd, quit());
  });
  ReplyReader r(fd);
  ReplyReader::Reply reply;
  std::map<char, int> kinds;
  int replies = 0;
  while (replies < k + 2 && r.next(10000, reply) == ReplyReader::End::Reply) {
    ++replies;
    if (replies > 2) ++kinds[reply.command];  // past the negotiation's and CONNECT's
  }
  writer.join();
  ::close(fd);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("helos=%d continue=%d tempfail=%d other=%d seconds=%.2f\n", k, kinds['c'], kinds['t'],
              replies - 2 - kinds['c'] - kinds['t'], s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: idle_peers SOCKET idle N HOLD_S | idle_peers SOCKET helo-flood K\n");
    return 2;
  }
  const std::string spec = argv[1], mode = argv[2];
  if (mode == "idle" && argc == 5) return idle(spec, std::atoi(argv[3]), std::atoi(argv[4]));
  if (mode == "helo-flood") return helo_flood(spec, std::atoi(argv[3]));
  return 2;
}
