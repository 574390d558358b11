// Starting as a daemon: who to run as, the unix socket's path, owner and mode, dropping root,
// and going to the background with the parent waiting until the child has started (or failed),
// so that any start error reaches the operator's terminal and exit status.
#pragma once

#include <sys/types.h>

#include <optional>
#include <stdexcept>
#include <string>

namespace dyn::milter {

// A start error: the message for the operator and the exit status (2: configuration, 1: system).
class StartError : public std::runtime_error {
 public:
  StartError(int status, const std::string& what) : std::runtime_error(what), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

struct Identity {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string name;  // the user name, for initgroups()
};

// --user/--group: nullopt when neither is set. Throws StartError(2) for an unknown user or group.
std::optional<Identity> resolve_identity(const std::string& user, const std::string& group);

// "unix:/path", "local:/path" or "/path": the path; empty for an inet socket.
std::string unix_socket_path(const std::string& spec);

// Before libmilter creates the socket: refuses a path where something else lives (a file, or a
// socket another process listens on) or whose directory cannot be written. A stale socket, with
// nobody listening, is left for libmilter to replace. Throws StartError(1).
void check_socket_path(const std::string& path);

// After the socket exists: its owner (--socket-owner, else `fallback`) and mode. Throws StartError.
void set_socket_permissions(const std::string& path, const std::string& owner, const std::string& mode,
                            const std::optional<Identity>& fallback);

// Switches to `who` for good (groups, gid, uid) and checks root cannot be regained. Throws
// StartError(1). Not root: allowed only when `who` is already the current identity.
void drop_privileges(const Identity& who);

// fork(): the parent waits for the child's report and exits with its status; the child returns
// from start() and reports with ready() or failed().
class Background {
 public:
  static Background start();                            // returns in the child only
  void ready();                                         // the child started: the parent exits 0; stdio go to /dev/null
  void failed(int status, const std::string& message);  // the parent prints it and exits `status`

 private:
  int fd_ = -1;
};

}  // namespace dyn::milter
