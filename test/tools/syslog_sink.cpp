// syslog_sink SOCKET FILE: receives syslog datagrams on a unix socket (what glibc's syslog(3)
// sends to /dev/log) and appends each as one line to FILE, without its <PRI> prefix. The
// Sendmail test points a private /dev/log at it, so Sendmail's own log becomes a replay input.
// Stops on SIGTERM or SIGINT.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: syslog_sink SOCKET FILE\n");
    return 2;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (std::strlen(argv[1]) >= sizeof addr.sun_path) return 2;
  std::strcpy(addr.sun_path, argv[1]);
  ::unlink(argv[1]);
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("syslog_sink: bind");
    return 1;
  }
  ::chmod(argv[1], 0666);
  std::FILE* out = std::fopen(argv[2], "a");
  if (!out) {
    std::perror("syslog_sink: open");
    return 1;
  }
  std::signal(SIGTERM, [](int) { std::_Exit(0); });
  std::signal(SIGINT, [](int) { std::_Exit(0); });
  char buf[8192];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) continue;
    std::string_view msg(buf, static_cast<std::size_t>(n));
    if (!msg.empty() && msg.front() == '<')
      if (const auto end = msg.find('>'); end != std::string_view::npos) msg.remove_prefix(end + 1);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\0')) msg.remove_suffix(1);
    std::fwrite(msg.data(), 1, msg.size(), out);
    std::fputc('\n', out);
    std::fflush(out);
  }
}
