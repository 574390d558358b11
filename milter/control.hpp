// The control socket (--control-socket PATH), as unbound-control is to unbound: a unix socket,
// never TCP, owned by root and the daemon's group, mode 0660. One command line per connection
// (control/command.hpp), answered and closed; a client that sends nothing within 5 s is dropped.
// It runs on its own thread and never touches a session: a bad command gets "error: ..." and
// nothing else happens.
#pragma once

#include "control/command.hpp"
#include "control/history.hpp"
#include "dns/resolver.hpp"
#include "dnsbl/health.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace dyn::milter {

struct ControlContext {
  const control::History* history = nullptr;
  const dnsbl::HealthBoard* health = nullptr;
  dns::CachingResolver* resolver = nullptr;
  std::function<std::shared_ptr<const config::Config>()> config;  // the current configuration
  std::function<void()> reload;                                   // asks for a reload (SIGUSR1)
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

// The answer to one command (bounded by control::kMaxReply). Pure of sockets: tested directly.
std::string answer(const control::Command& command, const ControlContext& context);

class ControlServer {
 public:
  // Makes the socket (as root, before privileges are dropped): `group` may connect (0660).
  // Throws StartError when the path cannot be used.
  // `public_only` (--public-socket): mode 0666, and the one question it answers is
  // control::public_answer's (what a refused sender was told), nothing else.
  ControlServer(const std::string& path, gid_t group, bool public_only = false);
  ~ControlServer();                    // stops the thread, removes the socket
  void start(ControlContext context);  // once the daemon's parts exist

 private:
  void serve_one(int fd) const;
  std::string path_;
  bool public_only_ = false;
  int listener_ = -1;
  ControlContext context_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace dyn::milter
