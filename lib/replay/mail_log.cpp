// The lines that matter, as Postfix (smtpd, the delivery agents, qmgr) and Sendmail write them:
//   postfix/smtpd[PID]: connect from NAME[ADDR]
//   postfix/smtpd[PID]: QID: client=NAME[ADDR], sasl_method=PLAIN, sasl_username=alice
//   postfix/smtpd[PID]: NOQUEUE: milter-reject: RCPT from NAME[ADDR]: 550 5.7.1 ...
//   postfix/smtpd[PID]: NOQUEUE: reject: RCPT from NAME[ADDR]: 554 5.7.1 ...
//   postfix/smtpd[PID]: warning: hostname NAME does not resolve to address ADDR
//   postfix/smtpd[PID]: disconnect from NAME[ADDR] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4
//   postfix/local[PID]: QID: to=<user@example>, relay=local, ..., status=sent (delivered ...)
//   sm-mta[PID]: NOQUEUE: connect from NAME [ADDR]
//   sm-mta[PID]: AUTH=server, relay=NAME [ADDR], authid=alice, mech=PLAIN, bits=0
//   sm-mta[PID]: QID: Milter: to=<user@example>, reject=550 5.7.1 ...
//   sm-mta[PID]: QID: from=<a@b>, size=0, class=0, nrcpts=0, proto=ESMTP, daemon=MTA, relay=[ADDR]
//   sm-mta[PID]: QID: to=<user@example>, delay=00:00:01, mailer=local, pri=30000, stat=Sent
// The syslog header before "program[pid]: " may be classic ("Dec  1 06:30:58 host") or RFC 3339.
#include "replay/mail_log.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

namespace dyn::replay {

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// "host program[pid]: message": the session key "host program[pid]", the program, the message.
struct Header {
  std::string_view key, program, message;
};
std::optional<Header> header(std::string_view line) {
  const auto colon = line.find("]: ");
  if (colon == std::string_view::npos) return std::nullopt;
  const auto open = line.rfind('[', colon);
  if (open == std::string_view::npos || open == 0) return std::nullopt;
  const auto space = line.rfind(' ', open);
  const auto program_at = space == std::string_view::npos ? 0 : space + 1;
  // The host name before the program belongs to the key (pids repeat across hosts); syslog(3)
  // lines read from /dev/log have none, and the token there is the time.
  auto key_at = program_at;
  if (space != std::string_view::npos && space > 0) {
    const auto prev = line.rfind(' ', space - 1);
    const auto host_at = prev == std::string_view::npos ? 0 : prev + 1;
    const auto host = line.substr(host_at, space - host_at);
    const bool is_time =
        !host.empty() && std::isdigit(static_cast<unsigned char>(host[0])) && host.find(':') != std::string_view::npos;
    if (!host.empty() && !is_time) key_at = host_at;
  }
  return Header{line.substr(key_at, colon + 1 - key_at), line.substr(program_at, open - program_at),
                line.substr(colon + 3)};
}

// "QID: rest" with QID a Postfix or Sendmail queue id (letters and digits), or NOQUEUE.
std::pair<std::string_view, std::string_view> queue_id(std::string_view message) {
  const auto colon = message.find(": ");
  if (colon == std::string_view::npos || colon < 5 || colon > 20) return {{}, message};
  const auto id = message.substr(0, colon);
  if (!std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c); })) return {{}, message};
  return {id, message.substr(colon + 2)};
}

// Postfix's NAME[ADDR] at the start of `s` (after a prefix such as "connect from ").
bool postfix_endpoint(std::string_view s, std::string_view& name, std::string_view& address) {
  const auto open = s.find('[');
  if (open == std::string_view::npos || open == 0) return false;
  const auto close = s.find(']', open);
  if (close == std::string_view::npos) return false;
  name = s.substr(0, open);
  address = s.substr(open + 1, close - open - 1);
  return name.find(' ') == std::string_view::npos;
}

// Sendmail's "NAME [ADDR]" or "[ADDR]", maybe with " (may be forged)", at the start of `s`.
bool sendmail_endpoint(std::string_view s, std::string_view& name, std::string_view& address, bool& forged) {
  const auto open = s.find('[');
  if (open == std::string_view::npos) return false;
  const auto close = s.find(']', open);
  if (close == std::string_view::npos) return false;
  name = open == 0 ? std::string_view("unknown") : s.substr(0, open);
  if (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  if (name.empty() || name.find(' ') != std::string_view::npos) return false;
  address = s.substr(open + 1, close - open - 1);
  if (starts_with(address, "IPv6:")) address.remove_prefix(5);
  forged = starts_with(s.substr(close + 1), " (may be forged)");
  return true;
}

// The value of "key=" in a comma-separated Postfix or Sendmail list, up to the next ", ".
std::string_view field(std::string_view message, std::string_view key) {
  std::size_t at = 0;
  while ((at = message.find(key, at)) != std::string_view::npos) {
    if (at == 0 || message[at - 1] == ' ') break;
    at += key.size();
  }
  if (at == std::string_view::npos) return {};
  auto value = message.substr(at + key.size());
  return value.substr(0, value.find(", "));
}

// The reply code after "reject=" or ": " : '5' refused, '4' deferred.
char reply_class(std::string_view reply) {
  while (!reply.empty() && reply.front() == ' ') reply.remove_prefix(1);
  return reply.size() >= 3 && (reply[0] == '4' || reply[0] == '5') && std::isdigit(static_cast<unsigned char>(reply[1]))
             ? reply[0]
             : '\0';
}

}  // namespace

MailLog::Session& MailLog::session(std::string_view key) {
  if (sessions_.size() >= kMaxSessions && !sessions_.count(std::string(key))) {
    counts_.forgotten += sessions_.size();
    sessions_.clear();
  }
  return sessions_[std::string(key)];
}

MailLog::Queued& MailLog::queued(std::string_view id) {
  if (queue_.size() >= kMaxQueued && !queue_.count(std::string(id))) {
    counts_.forgotten += queue_.size();
    queue_.clear();
  }
  return queue_[std::string(id)];
}

// The day a syslog line was written: "Dec  7" (classic) or "2026-12-07" (RFC 3339); "" for neither.
static std::string_view day_of(std::string_view line) {
  if (line.size() > 10 && line[4] == '-' && line[7] == '-') return line.substr(0, 10);
  if (line.size() > 7 && line[3] == ' ' && std::isalpha(static_cast<unsigned char>(line[0])) && line[6] == ' ')
    return line.substr(0, 6);
  return {};
}

static void note_day(Client& c, std::string_view day) {
  if (day.empty() || c.last_seen == day) return;
  if (c.first_seen.empty()) c.first_seen = std::string(day);
  c.last_seen = std::string(day);
  ++c.days;
}

std::size_t MailLog::client(std::string_view name, std::string_view address, Session* session, bool forged) {
  const auto ip = net::IpAddress::parse(address);
  if (!ip || name.empty()) return kNone;
  std::string key = ip->to_string();
  key += '|';
  key += name;
  const auto hash = std::hash<std::string>{}(key);
  for (auto [it, end] = index_.equal_range(hash); it != end; ++it)
    if (clients_[it->second].ip == *ip && clients_[it->second].name == name) {
      note_day(clients_[it->second], day_);
      return it->second;
    }
  Client c;
  c.ip = *ip;
  c.name = std::string(name);
  if (name != "unknown") {
    c.rdns = {forged ? rdns::RdnsStatus::Forged : rdns::RdnsStatus::Ok, std::string(name)};
  } else if (session && session->warned_address == address) {
    c.rdns = session->warned;
  } else {
    c.rdns = {rdns::RdnsStatus::NoPtr, {}};
  }
  note_day(c, day_);
  index_.emplace(hash, static_cast<std::uint32_t>(clients_.size()));
  clients_.push_back(std::move(c));
  return clients_.size() - 1;
}

void MailLog::apply(Queued& q) {
  if (q.client == kNone) return;
  Client& c = clients_[q.client];
  c.delivered |= q.delivered;
  c.milter_refused |= q.milter_refused;
  c.milter_deferred |= q.milter_deferred;
  c.rcpt_accepted |= q.rcpt_accepted;
}

void MailLog::refused_by_milter(std::size_t client, std::string_view reply) {
  if (client == kNone) return;
  const char k = reply_class(reply);
  if (k == '5') clients_[client].milter_refused = true;
  if (k == '4') clients_[client].milter_deferred = true;
}

void MailLog::add_line(std::string_view line) {
  ++counts_.lines;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const auto h = header(line);
  if (!h) {
    ++counts_.other;
    return;
  }
  day_ = day_of(line);
  const std::string_view program = h->program;
  if (program == "dynmilter") {
    day_ = day_of(line);
    return dynmilter(h->message);
  }
  const bool postfix = starts_with(program, "postfix");
  const bool sendmail_program = program == "sm-mta" || program == "sendmail" || program == "sm-msp-queue";
  if (!postfix && !sendmail_program) {
    ++counts_.other;
    return;
  }
  ++counts_.mta_lines;
  if (postfix && ends_with(program, "/smtpd"))
    postfix_smtpd(h->key, h->message);
  else if (postfix)
    postfix_other(h->message);
  else
    sendmail(h->key, h->message);
}

// dynmilter's verdict line: "id=REF client=ADDR name=NAME list=ZONE:listed(CODES) ... action=..."
// (a public list name with blanks is quoted). Only its client and the lists that listed it are read.
void MailLog::dynmilter(std::string_view message) {
  auto field = [&](std::string_view key) -> std::string_view {
    const auto at = message.find(key);
    if (at == std::string_view::npos) return {};
    const auto from = at + key.size();
    return message.substr(from, message.find(' ', from) - from);
  };
  const auto address = field(" client=");
  if (address.empty() || message.find(" action=") == std::string_view::npos) return void(++counts_.other);
  std::string_view name = field(" name=");
  if (name.empty() || name == "-") name = "unknown";
  const std::size_t c = client(name, address, nullptr);
  if (c == kNone) return void(++counts_.malformed);
  ++counts_.verdicts;
  ++counts_.used;
  for (std::size_t at = message.find(" list="); at != std::string_view::npos; at = message.find(" list=", at + 1)) {
    std::string_view rest = message.substr(at + 6);
    std::string_view zone;
    if (!rest.empty() && rest.front() == '"') {
      const auto close = rest.find('"', 1);
      if (close == std::string_view::npos) break;
      zone = rest.substr(1, close - 1);
      rest = rest.substr(close + 1);
    } else {
      const auto colon = rest.find(':');
      if (colon == std::string_view::npos) break;
      zone = rest.substr(0, colon);
      rest = rest.substr(colon);
    }
    if (!starts_with(rest, ":listed")) continue;
    auto& by = clients_[c].listed_by;
    if (by.size() < 8 && std::find(by.begin(), by.end(), zone) == by.end()) by.emplace_back(zone);
  }
}

void MailLog::postfix_smtpd(std::string_view key, std::string_view message) {
  std::string_view name, address;
  // Reverse-DNS warnings: they come before the "connect from unknown[ADDR]" they explain.
  if (starts_with(message, "warning: ")) {
    const auto w = message.substr(9);
    rdns::RdnsFacts facts;
    std::string_view at;
    if (starts_with(w, "hostname ")) {  // hostname NAME does not resolve to address ADDR[: why]
      const auto rest = w.substr(9);
      const auto sp = rest.find(' ');
      const std::string_view marker = " does not resolve to address ";
      if (sp == std::string_view::npos || rest.substr(sp, marker.size()) != marker) return;
      at = rest.substr(sp + marker.size());
      at = at.substr(0, at.find(": "));
      facts = {rdns::RdnsStatus::Forged, std::string(rest.substr(0, sp))};
    } else {  // ADDR: address not listed for hostname NAME / ADDR: hostname NAME verification failed: ...
      const auto colon = w.find(": ");
      if (colon == std::string_view::npos) return;
      at = w.substr(0, colon);
      const auto rest = w.substr(colon + 2);
      if (starts_with(rest, "address not listed for hostname ")) {
        facts = {rdns::RdnsStatus::Forged, std::string(rest.substr(32))};
      } else if (starts_with(rest, "hostname ") && rest.find(" verification failed") != std::string_view::npos) {
        facts = {rdns::RdnsStatus::TempFail, {}};
      } else {
        return;
      }
    }
    if (!net::IpAddress::parse(at)) return;
    auto& s = session(key);
    s.warned_address = std::string(at);
    s.warned = std::move(facts);
    ++counts_.used;
    return;
  }
  if (starts_with(message, "connect from ")) {
    if (!postfix_endpoint(message.substr(13), name, address)) return void(++counts_.malformed);
    auto& s = session(key);
    s.client = client(name, address, &s);
    if (s.client == kNone) return void(++counts_.malformed);
    ++clients_[s.client].sessions;
    ++counts_.used;
    return;
  }
  if (starts_with(message, "disconnect from ")) {
    if (!postfix_endpoint(message.substr(16), name, address)) return void(++counts_.malformed);
    auto it = sessions_.find(std::string(key));
    const std::size_t c = client(name, address, it == sessions_.end() ? nullptr : &it->second);
    // rcpt=N or rcpt=N/M: N recipients were accepted.
    if (c != kNone) {
      const auto at = message.find(" rcpt=");
      if (at != std::string_view::npos && at + 6 < message.size() && message[at + 6] != '0')
        clients_[c].rcpt_accepted = true;
    }
    if (it != sessions_.end()) {
      for (const auto& id : it->second.opened)
        if (const auto q = queue_.find(id); q != queue_.end() && !q->second.enqueued) queue_.erase(q);
      sessions_.erase(it);
    }
    ++counts_.used;
    return;
  }
  const auto [qid, rest] = queue_id(message);
  if (qid.empty()) return;
  auto& s = session(key);
  // A client named by a later line than CONNECT (XCLIENT changes it): it is this session's now.
  const auto follow = [&](std::string_view endpoint) {
    if (!postfix_endpoint(endpoint, name, address)) return kNone;
    const auto c = client(name, address, &s);
    if (c != kNone && c != s.client) {
      if (s.client != kNone) ++clients_[c].sessions;
      s.client = c;
    }
    return c;
  };
  if (starts_with(rest, "client=")) {
    const auto c = follow(rest.substr(7));
    if (c == kNone) return void(++counts_.malformed);
    if (const auto user = field(rest, "sasl_username="); !user.empty()) {
      clients_[c].authenticated = true;
      clients_[c].auth_user = std::string(user);
    }
    if (qid != "NOQUEUE") {
      auto& q = queued(qid);
      q.client = c;
      apply(q);
      if (s.opened.size() < 1000) s.opened.emplace_back(qid);
    }
    ++counts_.used;
    return;
  }
  for (const std::string_view kind : {std::string_view("milter-reject: "), std::string_view("reject: ")}) {
    if (!starts_with(rest, kind)) continue;
    // "... RCPT from NAME[ADDR]: 550 5.7.1 text"
    const auto from = rest.find(" from ");
    if (from == std::string_view::npos) return void(++counts_.malformed);
    const auto c = follow(rest.substr(from + 6));
    const auto colon = rest.find("]: ", from);
    if (c == kNone || colon == std::string_view::npos) return void(++counts_.malformed);
    if (kind == "reject: ")
      clients_[c].mta_refused = true;
    else
      refused_by_milter(c, rest.substr(colon + 3));
    ++counts_.used;
    return;
  }
}

void MailLog::postfix_other(std::string_view message) {
  const auto [qid, rest] = queue_id(message);
  if (qid.empty() || qid == "NOQUEUE") return;
  if (rest == "removed") {
    if (queue_.erase(std::string(qid))) ++counts_.used;
    return;
  }
  if (starts_with(rest, "message-id=") || ends_with(rest, "(queue active)")) {  // cleanup or qmgr has it
    if (const auto it = queue_.find(std::string(qid)); it != queue_.end()) it->second.enqueued = true;
    return;
  }
  if (starts_with(rest, "to=") && rest.find(", status=sent ") != std::string_view::npos) {
    auto it = queue_.find(std::string(qid));
    if (it == queue_.end()) return;  // not mail that came in over SMTP (or its client line was before this log)
    if (exempt(field(rest, "to="))) return void(++counts_.used);
    it->second.delivered = true;
    apply(it->second);
    ++counts_.used;
  }
}

void MailLog::sendmail(std::string_view key, std::string_view message) {
  std::string_view name, address;
  bool forged = false;
  if (starts_with(message, "NOQUEUE: connect from ")) {
    if (!sendmail_endpoint(message.substr(22), name, address, forged)) return void(++counts_.malformed);
    auto& s = session(key);
    s.client = client(name, address, &s, forged);
    if (s.client == kNone) return void(++counts_.malformed);
    ++clients_[s.client].sessions;
    ++counts_.used;
    return;
  }
  if (starts_with(message, "AUTH=server, relay=")) {
    if (!sendmail_endpoint(message.substr(19), name, address, forged)) return void(++counts_.malformed);
    const auto c = client(name, address, nullptr, forged);
    if (c == kNone) return void(++counts_.malformed);
    clients_[c].authenticated = true;
    clients_[c].auth_user = std::string(field(message, "authid="));
    ++counts_.used;
    return;
  }
  const auto [qid, rest] = queue_id(message);
  if (qid.empty() || qid == "NOQUEUE") return;
  auto& s = session(key);
  auto& q = queued(qid);
  if (q.client == kNone) q.client = s.client;
  if (starts_with(rest, "from=")) {
    const auto relay = rest.find("relay=");
    if (relay == std::string_view::npos) return;  // a locally submitted message
    if (!sendmail_endpoint(rest.substr(relay + 6), name, address, forged)) return void(++counts_.malformed);
    const auto c = client(name, address, &s, forged);
    if (c == kNone) return void(++counts_.malformed);
    if (s.client == kNone) ++clients_[c].sessions;  // no connect line at this LogLevel
    q.client = s.client = c;
    const auto n = field(rest, "nrcpts=");
    if (!n.empty() && n != "0") q.rcpt_accepted = true;
  } else if ((starts_with(rest, "Milter") || starts_with(rest, "milter=")) &&
             rest.find("reject=") != std::string_view::npos) {
    const char k = reply_class(rest.substr(rest.find("reject=") + 7));
    q.milter_refused |= k == '5';
    q.milter_deferred |= k == '4';
  } else if (starts_with(rest, "ruleset=") && rest.find("reject=") != std::string_view::npos) {
    if (const auto relay = rest.find("relay=");
        relay != std::string_view::npos && sendmail_endpoint(rest.substr(relay + 6), name, address, forged))
      if (const auto c = client(name, address, &s, forged); c != kNone) clients_[c].mta_refused = true;
  } else if (starts_with(rest, "to=") && rest.find(", stat=Sent") != std::string_view::npos) {
    q.delivered = q.delivered || !exempt(field(rest, "to="));
  } else {
    return;
  }
  apply(q);
  ++counts_.used;
}

}  // namespace dyn::replay
