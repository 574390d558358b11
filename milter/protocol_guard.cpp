// libmilter (8.17) reads every command with mi_rd_cmd(), an exported function that its engine
// calls through the PLT; this executable defines the same symbol (exported with
// --export-dynamic-symbol, see CMakeLists.txt), so the engine calls this one, which calls the
// real one (dlsym RTLD_NEXT) and checks the result. The signature is libmilter's since 8.12
// (comm.c): the returned buffer holds the command's data and is free()d by the engine.
#include "protocol_guard.hpp"

#include "milterproto/macro_packet.hpp"
#include "util/log.hpp"
#include "util/rate_limit.hpp"

#include <libmilter/mfdef.h>

#include <dlfcn.h>
#include <sys/time.h>

#include <atomic>
#include <cstdlib>
#include <mutex>

namespace {

using ReadCommand = char* (*)(int, struct timeval*, char*, std::size_t*, char*);

// libmilter's internal "receive error" code (libmilter.h SMFIC_RECVERR): below SMFIC_VALIDCMD,
// so its engine ends the connection.
constexpr char kReceiveError = 4;

std::atomic<std::uint64_t> g_malformed{0};

ReadCommand real_read_command() {
  static const auto real = reinterpret_cast<ReadCommand>(::dlsym(RTLD_NEXT, "mi_rd_cmd"));
  return real;
}

void report(const dyn::milterproto::MacroPacket& p) {
  static std::mutex mutex;
  static dyn::util::RateLimit limit(std::chrono::minutes(1));
  std::lock_guard lock(mutex);
  if (const auto held = limit.allow("macro", dyn::util::RateLimit::Clock::now()))
    dyn::log::warning("malformed macro packet from the MTA side ({} strings{}): {}{}", p.strings,
                      p.trailing ? ", the last one unterminated" : "",
                      p.keep > 1 ? "kept its complete name/value pairs" : "closed that milter connection",
                      *held ? fmt::format(" ({} more since the last warning)", *held) : std::string());
}

}  // namespace

extern "C" char* mi_rd_cmd(int sd, struct timeval* timeout, char* cmd, std::size_t* rlen, char* name) {
  const ReadCommand real = real_read_command();
  if (real == nullptr) {  // cannot happen with libmilter loaded; fail the connection, not the daemon
    *cmd = kReceiveError;
    return nullptr;
  }
  char* buf = real(sd, timeout, cmd, rlen, name);
  if (buf == nullptr || *cmd != SMFIC_MACRO) return buf;
  const auto packet = dyn::milterproto::check_macro_packet(std::string_view(buf, *rlen));
  if (packet.intact()) return buf;
  g_malformed.fetch_add(1, std::memory_order_relaxed);
  report(packet);
  if (packet.keep > 1) {
    *rlen = packet.keep;
    return buf;
  }
  std::free(buf);  // no complete pair: the engine ends the connection (a macro command without data)
  *rlen = 0;
  return nullptr;
}

namespace dyn::milter {

bool protocol_guard_active() {
  return ::dlsym(RTLD_DEFAULT, "mi_rd_cmd") == reinterpret_cast<void*>(&::mi_rd_cmd) && real_read_command() != nullptr;
}

std::uint64_t malformed_macro_packets() { return g_malformed.load(std::memory_order_relaxed); }

}  // namespace dyn::milter
