// smtp_sessions: whole SMTP sessions with a message, one after another, against an MTA; prints
// the time per session. The load driver of bench/postfix_session.sh (C++, so that the driver's own
// start-up is not what is measured).
//   smtp_sessions PORT COUNT [CLIENT_ADDRESS]
// With CLIENT_ADDRESS, each session first says XCLIENT ADDR=... (Postfix replays that client).
#include "stats.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

class Line {
 public:
  explicit Line(int fd) : fd_(fd) {}
  // The last line of the next reply ("250 ok"); empty when the connection ended.
  std::string reply() {
    for (;;) {
      const auto nl = buffer_.find("\r\n");
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 2);
        if (line.size() >= 4 && line[3] == '-') continue;  // a multi-line reply goes on
        return line;
      }
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return {};
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  bool send(const std::string& text) {
    return ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
  }

 private:
  int fd_;
  std::string buffer_;
};

// One session; false (with what went wrong) when a reply was not the expected one.
bool session(int port, const std::string& client, std::string& what) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    what = "connect failed";
    if (fd >= 0) ::close(fd);
    return false;
  }
  Line io(fd);
  auto step = [&](const std::string& out, char want) {
    if (!out.empty() && !io.send(out)) return false;
    const std::string r = io.reply();
    if (r.empty() || r[0] != want) {
      what = out.substr(0, out.find('\r')) + " -> " + (r.empty() ? "(closed)" : r);
      return false;
    }
    return true;
  };
  bool ok = step("", '2') && step("EHLO bench.example\r\n", '2');
  if (ok && !client.empty())
    ok = step("XCLIENT ADDR=" + client + " NAME=mail.bench.example\r\n", '2') && step("EHLO bench.example\r\n", '2');
  ok = ok && step("MAIL FROM:<sender@bench.example>\r\n", '2') && step("RCPT TO:<user@example.org>\r\n", '2') &&
       step("DATA\r\n", '3') &&
       step("From: sender@bench.example\r\nTo: user@example.org\r\nSubject: bench\r\n\r\nhello\r\n.\r\n", '2') &&
       step("QUIT\r\n", '2');
  ::close(fd);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: smtp_sessions PORT COUNT [CLIENT_ADDRESS]\n");
    return 2;
  }
  const int port = std::stoi(argv[1]), count = std::stoi(argv[2]);
  const std::string client = argc > 3 ? argv[3] : "";
  std::vector<double> ms;
  int failed = 0;
  std::string what;
  for (int i = 0; i < count; ++i) {
    const auto start = Clock::now();
    if (!session(port, client, what)) {
      ++failed;
      continue;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::printf("sessions %d, failed %d, ms per session: p50 %.2f p90 %.2f p99 %.2f%s%s\n", count, failed,
              bench::percentile(ms, 50), bench::percentile(ms, 90), bench::percentile(ms, 99),
              failed ? "; last failure: " : "", failed ? what.c_str() : "");
  return failed == 0 ? 0 : 1;
}
