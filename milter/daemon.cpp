#include "daemon.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace dyn::milter {

namespace {

std::string errno_text() { return std::strerror(errno); }

std::optional<passwd> find_user(const std::string& name, std::string& buffer) {
  passwd pw{}, *found = nullptr;
  buffer.resize(16384);
  if (getpwnam_r(name.c_str(), &pw, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) return std::nullopt;
  return pw;
}

std::optional<gid_t> find_group(const std::string& name) {
  group gr{}, *found = nullptr;
  std::string buffer(16384, '\0');
  if (getgrnam_r(name.c_str(), &gr, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) return std::nullopt;
  return gr.gr_gid;
}

}  // namespace

std::optional<Identity> resolve_identity(const std::string& user, const std::string& group) {
  if (user.empty() && group.empty()) return std::nullopt;
  Identity id{::getuid(), ::getgid(), {}};
  if (!user.empty()) {
    std::string buffer;
    const auto pw = find_user(user, buffer);
    if (!pw) throw StartError(2, "user '" + user + "' does not exist");
    id = Identity{pw->pw_uid, pw->pw_gid, user};
  }
  if (!group.empty()) {
    const auto gid = find_group(group);
    if (!gid) throw StartError(2, "group '" + group + "' does not exist");
    id.gid = *gid;
  }
  return id;
}

std::string unix_socket_path(const std::string& spec) {
  for (const char* prefix : {"unix:", "local:"})
    if (spec.rfind(prefix, 0) == 0) return spec.substr(std::strlen(prefix));
  if (!spec.empty() && spec.front() == '/') return spec;
  return {};
}

void check_socket_path(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) throw StartError(1, "socket path " + path + " exists and is not a socket");
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.size() >= sizeof sa.sun_path) throw StartError(1, "socket path " + path + " is too long");
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    const bool live = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
    if (fd >= 0) ::close(fd);
    if (live) throw StartError(1, "another process listens on socket " + path + " (is dynmilter already running?)");
  } else if (errno != ENOENT) {
    throw StartError(1, "cannot use socket path " + path + ": " + errno_text());
  }
  const auto slash = path.rfind('/');
  const std::string dir = slash == 0 ? "/" : slash == std::string::npos ? "." : path.substr(0, slash);
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw StartError(1, "cannot create socket " + path + ": directory " + dir + ": " + errno_text());
}

void set_socket_permissions(const std::string& path, const std::string& owner, const std::string& mode,
                            const std::optional<Identity>& fallback) {
  std::optional<Identity> who = fallback;
  if (!owner.empty()) {
    const auto colon = owner.find(':');
    who = resolve_identity(owner.substr(0, colon), colon == std::string::npos ? "" : owner.substr(colon + 1));
  }
  if (who && ::chown(path.c_str(), who->uid, who->gid) != 0)
    throw StartError(1, "cannot give socket " + path + " its owner: " + errno_text());
  const auto bits = static_cast<mode_t>(std::strtoul(mode.c_str(), nullptr, 8));
  if (::chmod(path.c_str(), bits) != 0)
    throw StartError(1, "cannot set the mode of socket " + path + ": " + errno_text());
}

void drop_privileges(const Identity& who) {
  if (::geteuid() != 0) {
    if (who.uid == ::geteuid() && who.gid == ::getegid()) return;
    throw StartError(1, "switching to user '" + who.name + "' needs dynmilter to start as root");
  }
  const bool groups_ok =
      who.name.empty() ? ::setgroups(1, &who.gid) == 0 : ::initgroups(who.name.c_str(), who.gid) == 0;
  if (!groups_ok || ::setgid(who.gid) != 0 || ::setuid(who.uid) != 0)
    throw StartError(1, "cannot drop privileges to uid " + std::to_string(who.uid) + ": " + errno_text());
  if (who.uid != 0 && ::setuid(0) == 0) throw StartError(1, "privileges dropped, but root could be regained");
}

Background Background::start() {
  int fds[2];
  if (::pipe(fds) != 0) throw StartError(1, "pipe: " + errno_text());
  const pid_t pid = ::fork();
  if (pid < 0) throw StartError(1, "fork: " + errno_text());
  if (pid > 0) {  // the parent: wait for the child's report
    ::close(fds[1]);
    std::string report;
    char buf[512];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      report.append(buf, static_cast<std::size_t>(n));
    }
    if (report.empty()) {
      std::fprintf(stderr, "dynmilter: the daemon exited while starting (see the system log)\n");
      std::_Exit(1);
    }
    if (report.size() > 1) std::fprintf(stderr, "dynmilter: %s\n", report.c_str() + 1);
    std::_Exit(static_cast<unsigned char>(report[0]));
  }
  ::close(fds[0]);
  ::setsid();
  if (::chdir("/") != 0) { /* "/" always exists; nothing to do */
  }
  Background b;
  b.fd_ = fds[1];
  return b;
}

void Background::ready() {
  if (fd_ < 0) return;
  const char ok = 0;
  (void)!::write(fd_, &ok, 1);
  ::close(fd_);
  fd_ = -1;
  const int null = ::open("/dev/null", O_RDWR);
  if (null >= 0) {
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    if (null > 2) ::close(null);
  }
}

void Background::failed(int status, const std::string& message) {
  if (fd_ < 0) return;
  std::string report(1, static_cast<char>(status == 0 ? 1 : status));
  report += message;
  (void)!::write(fd_, report.data(), report.size());
  ::close(fd_);
  fd_ = -1;
}

}  // namespace dyn::milter
