// The reply a refused or deferred client gets (reply_text.cpp): the template rendered with the
// verdict's values, long values cut until it fits.
#pragma once

#include "policy/policy.hpp"

namespace dyn::policy {

smtp::SmtpReply render_reply(const config::Config& config, const ClientFacts& facts, const Verdict& verdict,
                             const smtp::ReplyCode& code);

}  // namespace dyn::policy
