// Postfix and Sendmail mail logs, read line by line into the distinct clients they saw and what
// happened to each: what the MTA knew of its reverse DNS, whether it authenticated, whether a
// milter or the MTA refused it, whether its mail was delivered. Pure: lines in, clients out (the
// files, decompression and judging are dynmilter-replay's glue). Memory grows with the number
// of distinct clients, not with the number of lines: sessions and queue ids are forgotten when
// they end, and both tables are capped.
#pragma once

#include "net/ip_address.hpp"
#include "rdns/facts.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dyn::replay {

struct Client {
  net::IpAddress ip;
  std::string name;              // as logged: a name (Sendmail's may be unverified), or "unknown"
  rdns::RdnsFacts rdns;          // what the MTA knew, as its milter macros would have said
  std::string auth_user;         // SASL login (Postfix sasl_username, Sendmail authid), if any
  bool authenticated = false;    // it logged in (XCLIENT logins included)
  bool delivered = false;        // a message of its was delivered (status=sent, stat=Sent)
  bool milter_refused = false;   // a milter refused it with a 5xx (Postfix milter-reject, Sendmail Milter: reject)
  bool milter_deferred = false;  // ... or with a 4xx
  bool mta_refused = false;      // the MTA's own restrictions refused a command (NOQUEUE: reject)
  bool rcpt_accepted = false;    // at least one recipient of its was accepted
  std::uint64_t sessions = 0;    // connections seen (XCLIENT changes counted as new ones)
  // The days it was seen on, as the log's timestamps write them ("Dec  7" or "2026-12-07"): the
  // first, the last, and how many (a change of day counts one; logs are read in time order).
  std::string first_seen, last_seen;
  std::uint32_t days = 0;
  // The lists dynmilter's own verdict lines say listed it ("list=pbl.test:listed(...)"), by the
  // name the line shows: what --propose-rules labels clients by when the lists are not asked again.
  std::vector<std::string> listed_by;
};

// A deque: no reallocation slack and no copies as it grows (measured in bench/replay_bench.sh).
using Clients = std::deque<Client>;

struct Counts {
  std::uint64_t lines = 0;      // every line read
  std::uint64_t mta_lines = 0;  // lines of Postfix or Sendmail
  std::uint64_t used = 0;       // lines that told something about a client
  std::uint64_t other = 0;      // lines of other programs (or no syslog header): skipped
  std::uint64_t malformed = 0;  // MTA lines of a known kind that could not be read: skipped
  std::uint64_t verdicts = 0;   // dynmilter's own verdict lines read
  std::uint64_t forgotten = 0;  // sessions or queue ids dropped at the caps (their later lines lose their client)
};

class MailLog {
 public:
  static constexpr std::size_t kMaxSessions = 100'000;
  static constexpr std::size_t kMaxQueued = 1'000'000;

  void add_line(std::string_view line);
  // Recipients whose mail proves nothing about a client (postmaster, abuse, the bypass addresses:
  // a refused sender is told to write there): a delivery to one does not make the client's mail
  // "delivered". The daemon's own test: policy::exempt_recipient().
  void set_exempt_recipient(std::function<bool(std::string_view recipient)> exempt) { exempt_ = std::move(exempt); }
  const Clients& clients() const { return clients_; }
  const Counts& counts() const { return counts_; }
  std::size_t sessions_open() const { return sessions_.size(); }
  std::size_t queue_ids_open() const { return queue_.size(); }

 private:
  struct Session {
    std::size_t client = kNone;
    // A reverse-DNS warning comes before the "connect from unknown[ADDR]" it explains.
    std::string warned_address;
    rdns::RdnsFacts warned;
    // Postfix queue ids this session opened: those never handed to cleanup (the mail was refused
    // in the session) are forgotten at its disconnect, since no "removed" line will come.
    std::vector<std::string> opened;
  };
  struct Queued {  // what happened to a queue id before or after its client was known
    std::size_t client = kNone;
    bool delivered = false, milter_refused = false, milter_deferred = false, rcpt_accepted = false;
    bool enqueued = false;  // Postfix's cleanup or qmgr took the message
  };
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::function<bool(std::string_view)> exempt_;
  std::string_view day_;  // the day of the line being read
  bool exempt(std::string_view recipient) const { return exempt_ && exempt_(recipient); }

  void postfix_smtpd(std::string_view session_key, std::string_view message);
  void postfix_other(std::string_view message);
  void sendmail(std::string_view session_key, std::string_view message);
  void dynmilter(std::string_view message);
  // The client named NAME[ADDR] (Postfix) and what `session` learned about it; kNone if unreadable.
  std::size_t client(std::string_view name, std::string_view address, Session* session, bool forged_hint = false);
  Session& session(std::string_view key);
  Queued& queued(std::string_view queue_id);
  void apply(Queued& q);  // hands what the queue id learned to its client, once known
  void refused_by_milter(std::size_t client, std::string_view reply);

  std::unordered_multimap<std::uint64_t, std::uint32_t> index_;  // hash of address and name -> clients_
  Clients clients_;
  std::unordered_map<std::string, Session> sessions_;  // "host program[pid]"
  std::unordered_map<std::string, Queued> queue_;      // queue id
  Counts counts_;
};

}  // namespace dyn::replay
