// The envelope sender as the MTA hands it to the auto-reply: the reply's only recipient. It is
// passed to sendmail as an argument (never taken from the message's header), so it must be one
// plain address; and the once-per-interval limit counts it in one spelling.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dyn::autoreply {

// The address to send the reply to: angle brackets and surrounding blanks removed; nullopt for
// anything that is not one plain address: empty, no '@' (or nothing on either side of it), a
// blank, control or non-ASCII character, a leading '-' that sendmail would read as an option, a
// second '@' outside quotes, more than 254 characters.
std::optional<std::string> reply_address(std::string_view sender);

// The key the limit counts by: lower case, "+tag" folded from the local part
// ("A+news@Example.ORG" and "<a@example.org>" are one sender).
std::string rate_key(std::string_view address);

// Why an address must never get an automatic reply (RFC 3834 section 2 and the common vendor
// conventions), or empty: a mailer's or list's own address, a "do not reply" address, a BATV
// (prvs=) or SRS (SRS0=, SRS1=) bounce address, a VERP bounce address (bounce*).
std::string unanswerable_address(std::string_view address);

}  // namespace dyn::autoreply
