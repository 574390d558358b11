// xxfi_* callbacks. Each body is one line through guarded(): nothing throws through libmilter;
// an exception becomes CONTINUE (never a rejection) and a log line.
#include "callbacks.hpp"

#include "reply.hpp"
#include "session.hpp"
#include "rdns/facts.hpp"
#include "util/log.hpp"

#include <libmilter/mfdef.h>

#include <strings.h>

#include <atomic>

namespace dyn::milter {

namespace {

DaemonState g_state;
// The snapshot new connections start with, its sources prepared once; swapped whole by a reload,
// never modified.
std::atomic<std::shared_ptr<const policy::PreparedConfig>> g_policy;

template <class F>
sfsistat guarded(const char* stage, F&& body) noexcept {
  try {
    return body();
  } catch (const std::exception& e) {
    log::error("{}: {}; letting the client pass", stage, e.what());
  } catch (...) {
    log::error("{}: unknown exception; letting the client pass", stage);
  }
  return SMFIS_CONTINUE;
}

Session* session_of(SMFICTX* ctx) { return static_cast<Session*>(smfi_getpriv(ctx)); }

void drop_session(SMFICTX* ctx) {
  delete session_of(ctx);
  smfi_setpriv(ctx, nullptr);
}

std::optional<std::string> macro(SMFICTX* ctx, const char* name) {
  const char* v = smfi_getsymval(ctx, const_cast<char*>(name));
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

sfsistat start_session(SMFICTX* ctx, const char* hostname, const sockaddr* addr) {
  drop_session(ctx);  // Postfix XCLIENT replays CONNECT on the same milter connection
  rdns::RdnsMacros m{macro(ctx, "{client_name}"), macro(ctx, "{client_ptr}"), macro(ctx, "{client_resolve}"),
                     hostname ? hostname : ""};
  if (log::enabled(log::Level::Debug))  // value_or() copies: only for a line that is written
    log::debug("connect: hostname={} client_name={} client_ptr={} client_resolve={}", m.connect_hostname,
               m.client_name.value_or("(not sent)"), m.client_ptr.value_or("(not sent)"),
               m.client_resolve.value_or("(not sent)"));
  policy::ClientFacts facts{net::IpAddress::from_sockaddr(addr), hostname ? hostname : "", rdns::from_macros(m)};
  facts.id = policy::new_incident_id();
  smfi_setpriv(ctx,
               new Session(g_policy.load(), std::move(facts), *g_state.querier, g_state.health, g_state.observers));
  return SMFIS_CONTINUE;
}

sfsistat record_helo(SMFICTX* ctx, const char* name) {
  if (Session* s = session_of(ctx); s && name && !s->on_helo(name, *g_state.querier)) {
    log::debug("id={}: HELO beyond --max-helo deferred", s->id());
    return SMFIS_TEMPFAIL;
  }
  return SMFIS_CONTINUE;
}

sfsistat start_message(SMFICTX* ctx) {
  if (Session* s = session_of(ctx)) s->on_mail(macro(ctx, "{auth_authen}"));
  return SMFIS_CONTINUE;
}

char g_tag_header[] = "X-Dynmilter";

sfsistat record_header(SMFICTX* ctx, const char* name) {
  if (Session* s = session_of(ctx); s && name && ::strcasecmp(name, g_tag_header) == 0) s->on_tag_header_from_sender();
  return SMFIS_CONTINUE;
}

sfsistat end_message(SMFICTX* ctx) {
  Session* s = session_of(ctx);
  if (s == nullptr) return SMFIS_CONTINUE;
  // The sender's own X-Dynmilter headers go first (index n..1 of that name), so that downstream
  // filters can trust the one that remains: ours.
  if (const int forged = s->tag_headers_from_sender(); forged > 0) {
    for (int i = forged; i >= 1; --i)
      if (smfi_chgheader(ctx, g_tag_header, i, nullptr) != MI_SUCCESS) log::warning("smfi_chgheader failed");
    log::info("id={} removed {} X-Dynmilter header{} that the sender put in", s->id(), forged, forged == 1 ? "" : "s");
  }
  if (auto value = s->tag_header())
    if (smfi_addheader(ctx, g_tag_header, value->data()) != MI_SUCCESS) log::warning("smfi_addheader failed");
  return SMFIS_CONTINUE;
}

sfsistat check_recipient(SMFICTX* ctx, char** argv) {
  Session* s = session_of(ctx);
  if (s == nullptr || argv == nullptr || argv[0] == nullptr) return SMFIS_CONTINUE;
  return enforce(ctx, s->verdict_for(argv[0]));
}

// Ask the MTA not to send what we never look at (headers, body, unknown commands), and
// for the macros that carry its own reverse-DNS result at CONNECT.
sfsistat negotiate(SMFICTX* ctx, unsigned long f0, unsigned long f1, unsigned long, unsigned long, unsigned long* pf0,
                   unsigned long* pf1, unsigned long* pf2, unsigned long* pf3) {
  // Tagging adds our header and removes the sender's forged ones: only then are headers asked for.
  const bool tag = policy::may_tag(*g_policy.load()->config);
  *pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS);
  if (f0 & SMFIF_SETSYMLIST) {
    *pf0 |= SMFIF_SETSYMLIST;
    static char wanted[] = "{client_name} {client_ptr} {client_resolve}";
    static char wanted_mail[] = "{auth_authen}";
    if (smfi_setsymlist(ctx, SMFIM_CONNECT, wanted) != MI_SUCCESS ||
        smfi_setsymlist(ctx, SMFIM_ENVFROM, wanted_mail) != MI_SUCCESS)
      log::warning("smfi_setsymlist failed");
  }
  // DATA is asked for and answered at once: with SMFIP_NODATA, Postfix's smtpd still sends the
  // DATA macros (no reply expected) and hands the socket to cleanup, whose next small packet then
  // waits for the delayed ACK (Nagle): about 40 ms per session on an inet socket. One round trip
  // of a tenth of a millisecond avoids it.
  *pf1 = f1 & ((tag ? 0 : SMFIP_NOHDRS) | SMFIP_NOBODY | SMFIP_NOEOH | SMFIP_NOUNKNOWN);
  *pf2 = 0;
  *pf3 = 0;
  return SMFIS_CONTINUE;
}

sfsistat xx_connect(SMFICTX* ctx, char* hostname, _SOCK_ADDR* addr) {
  return guarded("connect", [&] { return start_session(ctx, hostname, addr); });
}
sfsistat xx_helo(SMFICTX* ctx, char* name) {
  return guarded("helo", [&] { return record_helo(ctx, name); });
}
sfsistat xx_envfrom(SMFICTX* ctx, char**) {
  return guarded("mail", [&] { return start_message(ctx); });
}
sfsistat xx_envrcpt(SMFICTX* ctx, char** argv) {
  return guarded("rcpt", [&] { return check_recipient(ctx, argv); });
}
sfsistat xx_data(SMFICTX*) { return SMFIS_CONTINUE; }  // see negotiate(): answering DATA avoids a 40 ms stall
sfsistat xx_header(SMFICTX* ctx, char* name, char*) {
  return guarded("header", [&] { return record_header(ctx, name); });
}
sfsistat xx_eom(SMFICTX* ctx) {
  return guarded("eom", [&] { return end_message(ctx); });
}
sfsistat xx_close(SMFICTX* ctx) {
  return guarded("close", [&] { return drop_session(ctx), SMFIS_CONTINUE; });
}
sfsistat xx_negotiate(SMFICTX* ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
                      unsigned long* pf0, unsigned long* pf1, unsigned long* pf2, unsigned long* pf3) {
  return guarded("negotiate", [&] { return negotiate(ctx, f0, f1, f2, f3, pf0, pf1, pf2, pf3); });
}

}  // namespace

std::shared_ptr<const config::Config> current_config() { return g_policy.load()->config; }

void set_daemon_state(DaemonState state) {
  g_policy.store(std::make_shared<const policy::PreparedConfig>(state.config));
  g_state = std::move(state);
}

void replace_config(std::shared_ptr<const config::Config> config) {
  g_policy.store(std::make_shared<const policy::PreparedConfig>(std::move(config)));
}

smfiDesc callback_table() {
  smfiDesc d{};
  static char name[] = "dynmilter";
  d.xxfi_name = name;
  d.xxfi_version = SMFI_VERSION;
  d.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS;  // --action tag: our header in, forged ones out
  d.xxfi_connect = xx_connect;
  d.xxfi_helo = xx_helo;
  d.xxfi_envfrom = xx_envfrom;
  d.xxfi_envrcpt = xx_envrcpt;
  d.xxfi_data = xx_data;
  d.xxfi_header = xx_header;
  d.xxfi_eom = xx_eom;
  d.xxfi_close = xx_close;
  d.xxfi_negotiate = xx_negotiate;
  return d;
}

}  // namespace dyn::milter
