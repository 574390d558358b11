// The reply a refused or deferred client gets (reply_text.cpp): the template rendered with the
// verdict's values, long values cut until it fits.
#pragma once

#include "policy/policy.hpp"

namespace dyn::policy {

// One piece of evidence a refusal rests on, in words for the sender's admin: what {reason} says
// and what the refused sender's page (dynmilter-web) shows. Listings first, then signals.
struct DecidedBy {
  Contribution::Kind kind = Contribution::Kind::Listing;
  std::string key;    // the list's shown name (never an access key), or the signal's name
  std::string words;  // a signal's words ("generic reverse DNS name dsl-1-2.isp.example"); a list's name
  std::string txt;    // a listing's TXT text, when it was asked
};
std::vector<DecidedBy> decided_by(const ClientFacts& facts, const Verdict& verdict);

// {url}: --why-url with the reference after it; "" without either.
std::string why_url(const config::Config& config, std::string_view id);

smtp::SmtpReply render_reply(const config::Config& config, const ClientFacts& facts, const Verdict& verdict,
                             const smtp::ReplyCode& code);

}  // namespace dyn::policy
