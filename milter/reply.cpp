#include "reply.hpp"

#include "util/log.hpp"

#include <array>
#include <string>

namespace dyn::milter {

namespace {
// smfi_setreply wants writable C strings; its text is a format where '%' must be doubled.
// A text of several lines goes through smfi_setmlreply, which takes up to 32 lines and stops at
// the first null pointer: the lines are passed in a fixed array padded with nulls.
bool set_reply(SMFICTX* ctx, const smtp::SmtpReply& reply) {
  std::string code = reply.code, xcode = reply.xcode;
  if (!reply.multiline()) {
    std::string text = smtp::escape_percent(reply.text);
    return smfi_setreply(ctx, code.data(), xcode.data(), text.data()) == MI_SUCCESS;
  }
  const auto lines = reply.lines();
  static_assert(smtp::kMaxReplyLines == 32);
  std::array<std::string, 32> text;
  std::array<char*, 32> p{};
  for (std::size_t i = 0; i < lines.size() && i < p.size(); ++i) {
    text[i] = smtp::escape_percent(lines[i]);
    p[i] = text[i].data();
  }
  return smfi_setmlreply(ctx, code.data(), xcode.data(), p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9],
                         p[10], p[11], p[12], p[13], p[14], p[15], p[16], p[17], p[18], p[19], p[20], p[21], p[22],
                         p[23], p[24], p[25], p[26], p[27], p[28], p[29], p[30], p[31],
                         static_cast<char*>(nullptr)) == MI_SUCCESS;
}
}  // namespace

sfsistat enforce(SMFICTX* ctx, const policy::Verdict* verdict) {
  if (verdict == nullptr) return SMFIS_CONTINUE;
  switch (verdict->action) {
    case policy::Action::Accept: return SMFIS_CONTINUE;
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
