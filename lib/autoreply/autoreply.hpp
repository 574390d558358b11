// dynmilter-autoreply's pure parts: the message to the bypass address (its header fields), whether
// to answer it at all (RFC 3834: never the null sender, automatic mail, list mail or a mailer's
// own addresses; at most one reply per sender per interval), which address the sender's server
// connected from (the Received field our own MTA added), and the reply itself.
#pragma once

#include "net/ip_address.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dyn::autoreply {

struct Message {
  std::vector<std::pair<std::string, std::string>> fields;  // name as written, value unfolded
  // The first field of this name (case-insensitive), or nullopt.
  std::optional<std::string> get(std::string_view name) const;
  std::vector<std::string> all(std::string_view name) const;
};

// The header section of a message (up to the first empty line); the body is not needed.
Message parse_header(std::string_view text);

// Why no reply may be sent to `sender` for this message, or empty: the null sender (also as
// Postfix pipe(8) writes it, MAILER-DAEMON), a mailer's
// own address (MAILER-DAEMON, owner-*, *-request, postmaster's bounces), Auto-Submitted other
// than "no", list mail (List-Id, List-Post, Precedence bulk, list or junk).
std::string reason_not_to_reply(std::string_view sender, const Message& message);

// The address the sending server connected from: in the first Received field (from the top)
// that one of `our_hosts` added ("by HOST"), the bracketed address of its "from" clause. With no
// names, the topmost Received field is taken. Nullopt when there is none, or it holds no address.
std::optional<net::IpAddress> connecting_address(const Message& message, const std::vector<std::string>& our_hosts);

// At most one reply per sender per interval: the state file maps sender -> time of the last reply.
using ReplyTimes = std::map<std::string, std::int64_t>;  // lower-case sender -> unix seconds
ReplyTimes parse_times(std::string_view text);           // "sender<TAB>seconds" lines; bad lines skipped
std::string format_times(const ReplyTimes& times);
// True (and records `now`) when `sender` had no reply within `interval_s`; forgets entries older
// than the interval.
bool take_turn(ReplyTimes& times, std::string_view sender, std::int64_t now, std::int64_t interval_s);

// The reply's template: a header-less text with {placeholders}. Unknown ones stay as written.
std::string render(std::string_view text, const std::map<std::string, std::string>& values);
extern const char* const kDefaultTemplate;

// The whole reply message: From, To, Subject, In-Reply-To, References, Auto-Submitted
// (auto-replied), a text/plain UTF-8 body.
std::string compose(const std::string& from, const std::string& to, const Message& original, const std::string& body);

}  // namespace dyn::autoreply
