// What a refused sender may see of a refusal, for the refused sender's page (dynmilter-web): only
// what the reply already told that sender, and why in plain words. Made from a history Record,
// carried over the public socket and through the shared store (--history-redis) as text, read
// back by dynmilter-web. Never the sender, recipients, HELO, score, list access keys or anything
// about another client.
//
// The text form: one "key<TAB>value" line per field, values printable ASCII without tabs (made
// so when encoded), "decided<TAB>KIND<TAB>KEY<TAB>WORDS<TAB>TXT" once per piece of evidence.
// decode() refuses anything else, so a store that answers garbage yields "not found".
#pragma once

#include "control/history.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dyn::control {

struct PublicReason {
  std::string kind;   // "list" or "signal"
  std::string key;    // the list's shown name, or the signal's name ("no-ptr", "rule:NAME")
  std::string words;  // in words for the sender's admin, as the reply's {reason} says it
  std::string txt;    // a listing's TXT text ("" when none was asked or given)
  bool operator==(const PublicReason&) const = default;
};

struct PublicRecord {
  std::string reference;  // the incident reference ({id})
  std::int64_t time = 0;  // unix seconds
  std::string client;     // the client address the reply named
  std::string action;     // "reject" or "defer"
  std::string reply;      // "550 5.7.1 text", one line per reply line ('\n' between)
  std::string ptr;        // the client's reverse DNS name as we saw it ("" when none)
  std::string note;       // a deferral without evidence: why, in words ("" otherwise)
  std::vector<PublicReason> decided;
  bool operator==(const PublicRecord&) const = default;
};

// nullopt unless the client was sent a refusal (a reject or tempfail reply) with a reference.
std::optional<PublicRecord> public_record(const Record& record);

inline constexpr std::size_t kMaxEncoded = 16384;  // a record's text is at most this long

std::string encode(const PublicRecord& record);
std::optional<PublicRecord> decode(std::string_view text, std::string* error = nullptr);

// The public socket's one question, a reference or a client address, answered from the history:
// each matching refusal's text followed by an empty line, newest first, at most kPublicPerClient;
// "" when there is none; "error: ..." for a question that is neither.
inline constexpr std::size_t kPublicPerClient = 5;
std::string public_answer(std::string_view query, const History& history);

}  // namespace dyn::control
