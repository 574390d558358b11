// dynmilter-ctl: asks the running daemon, over its control socket (--control-socket), as
// unbound-control asks unbound: why REF|ADDRESS, lists, stats, flush [ADDRESS], reload, help.
//   dynmilter-ctl [-s SOCKET] [--json] COMMAND [ARGUMENT]
// Exit status: 0 answered, 1 the daemon said "error: ...", 2 no daemon to ask (or bad usage).
#include "control/command.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr const char* kDefaultSocket = "/run/dynmilter/control.sock";

int usage() {
  std::fprintf(stderr,
               "Usage: dynmilter-ctl [-s SOCKET] [--json] COMMAND [ARGUMENT]\n"
               "Asks the running dynmilter over its control socket (default %s):\n%s",
               kDefaultSocket, dyn::control::kHelp);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket_path = kDefaultSocket, line;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "-s" || a == "--socket") && i + 1 < argc) {
      socket_path = argv[++i];
    } else if (a == "--json") {
      json = true;
    } else if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else {
      line += (line.empty() ? "" : " ") + a;
    }
  }
  if (line.empty()) return usage();
  if (json) line += " --json";
  sockaddr_un sa{};
  if (socket_path.size() >= sizeof sa.sun_path) {
    std::fprintf(stderr, "dynmilter-ctl: socket path too long: %s\n", socket_path.c_str());
    return 2;
  }
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, socket_path.c_str(), socket_path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    std::fprintf(stderr,
                 "dynmilter-ctl: cannot connect to %s: %s (is dynmilter running with --control-socket, and "
                 "are you root or in its group?)\n",
                 socket_path.c_str(), std::strerror(errno));
    return 2;
  }
  line += "\n";
  if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
    std::fprintf(stderr, "dynmilter-ctl: cannot send the command: %s\n", std::strerror(errno));
    return 2;
  }
  std::string reply;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 30000) <= 0) break;  // the daemon answers at once; 30 s is a hung daemon
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    reply.append(buf, static_cast<std::size_t>(n));
    if (reply.size() > dyn::control::kMaxReply + 1024) break;
  }
  ::close(fd);
  if (reply.empty()) {
    std::fprintf(stderr, "dynmilter-ctl: no answer from %s\n", socket_path.c_str());
    return 2;
  }
  const bool error = reply.rfind("error: ", 0) == 0;
  std::fwrite(reply.data(), 1, reply.size(), error ? stderr : stdout);
  return error ? 1 : 0;
}
