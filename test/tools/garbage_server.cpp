// garbage_server PORT: a TCP server on 127.0.0.1:PORT that answers whatever it is sent with bytes
// no protocol expects (a Redis stand-in gone mad, for test/integration/web.sh): a line of junk,
// a half reply, then silence until the client gives up. One thread per connection; runs until killed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: garbage_server PORT\n");
    return 2;
  }
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[1])));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(listener, 64) != 0) {
    std::perror("garbage_server");
    return 1;
  }
  while (true) {
    const int fd = ::accept(listener, nullptr, nullptr);
    if (fd < 0) continue;
    std::thread([fd] {
      char buf[4096];
      static const char junk[] = "\x01\xff garbage \r\n$99999\r\nhalf";
      while (::recv(fd, buf, sizeof buf, 0) > 0)
        if (::send(fd, junk, sizeof junk - 1, MSG_NOSIGNAL) < 0) break;
      ::close(fd);
    }).detach();
  }
}
