#include "reply.hpp"

#include "util/log.hpp"

#include <string>

namespace dyn::milter {

namespace {
// smfi_setreply wants writable C strings; its text is a format where '%' must be doubled.
bool set_reply(SMFICTX* ctx, const policy::SmtpReply& reply) {
  std::string code = reply.code, xcode = reply.xcode, text = policy::escape_percent(reply.text);
  return smfi_setreply(ctx, code.data(), xcode.data(), text.data()) == MI_SUCCESS;
}
}  // namespace

sfsistat enforce(SMFICTX* ctx, const policy::Verdict* verdict) {
  if (verdict == nullptr) return SMFIS_CONTINUE;
  switch (verdict->action) {
    case policy::Action::Accept:
      return SMFIS_CONTINUE;
    case policy::Action::Reject:
      // Without our text the MTA still rejects, with its generic reply.
      if (verdict->reply && !set_reply(ctx, *verdict->reply)) log::warning("smfi_setreply refused the reject text");
      return SMFIS_REJECT;
    case policy::Action::Tempfail:
      if (verdict->reply && !set_reply(ctx, *verdict->reply)) log::warning("smfi_setreply refused the tempfail text");
      return SMFIS_TEMPFAIL;
  }
  return SMFIS_CONTINUE;
}

}  // namespace dyn::milter
