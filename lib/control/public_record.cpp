#include "control/public_record.hpp"

#include "policy/reply_text.hpp"
#include "smtp/reply.hpp"

#include <charconv>

namespace dyn::control {

namespace {

// Printable ASCII without tabs, bounded: what a value may be in the text form.
std::string clean(std::string_view text, std::size_t max = 1000) { return smtp::sanitize_reply_text(text, max); }

std::string_view name_seen(const policy::ClientFacts& f) {
  if (!f.rdns.name.empty()) return f.rdns.name;
  // The MTA's "unknown" and "[192.0.2.1]" are no names.
  if (f.hostname.empty() || f.hostname == "unknown" || f.hostname.front() == '[') return {};
  return f.hostname;
}

}  // namespace

std::optional<PublicRecord> public_record(const Record& r) {
  const auto& v = r.verdict;
  if (!v.reply || v.action == policy::Action::Accept || !r.facts.ip || !policy::is_incident_id(r.facts.id))
    return std::nullopt;
  PublicRecord p;
  p.reference = r.facts.id;
  p.time = r.time;
  p.client = r.facts.ip->to_string();
  p.action = v.action == policy::Action::Reject ? "reject" : "defer";
  for (const auto& line : v.reply->lines())
    p.reply += (p.reply.empty() ? "" : "\n") + v.reply->code + " " + v.reply->xcode + " " + line;
  p.ptr = clean(name_seen(r.facts), 255);
  if (v.reached)
    for (const auto& d : policy::decided_by(r.facts, v))
      p.decided.push_back({d.kind == policy::Contribution::Kind::Listing ? "list" : "signal", clean(d.key, 255),
                           clean(d.words, 500), clean(d.txt, 500)});
  if (p.decided.empty())
    p.note = v.action == policy::Action::Tempfail
                 ? "our DNS lookups about your address did not finish in time; this is our problem, not "
                   "yours, and your server will try again"
                 : "";
  return p;
}

std::string encode(const PublicRecord& p) {
  std::string out;
  auto field = [&](std::string_view key, std::string_view value) {
    out.append(key).append("\t").append(clean(value)).append("\n");
  };
  field("reference", p.reference);
  field("time", std::to_string(p.time));
  field("client", p.client);
  field("action", p.action);
  std::size_t start = 0;
  while (start <= p.reply.size()) {  // one "reply" line per reply line
    auto nl = p.reply.find('\n', start);
    if (nl == std::string::npos) nl = p.reply.size();
    field("reply", std::string_view(p.reply).substr(start, nl - start));
    start = nl + 1;
  }
  if (!p.ptr.empty()) field("ptr", p.ptr);
  if (!p.note.empty()) field("note", p.note);
  for (const auto& d : p.decided)
    out += "decided\t" + clean(d.kind) + "\t" + clean(d.key) + "\t" + clean(d.words) + "\t" + clean(d.txt) + "\n";
  if (out.size() > kMaxEncoded) out.resize(kMaxEncoded);
  return out;
}

std::optional<PublicRecord> decode(std::string_view text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<PublicRecord> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  if (text.size() > kMaxEncoded) return fail("longer than a record can be");
  PublicRecord p;
  bool have_time = false;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) return fail("a line without its end");
    const auto line = text.substr(start, nl - start);
    start = nl + 1;
    for (unsigned char c : line)
      if ((c < 0x20 && c != '\t') || c > 0x7e) return fail("a control or non-ASCII character");
    std::vector<std::string_view> parts;
    std::size_t from = 0;
    while (true) {
      const auto tab = line.find('\t', from);
      parts.push_back(line.substr(from, tab == std::string_view::npos ? std::string_view::npos : tab - from));
      if (tab == std::string_view::npos) break;
      from = tab + 1;
    }
    const auto key = parts[0];
    if (key == "decided") {
      if (parts.size() != 5 || (parts[1] != "list" && parts[1] != "signal") || parts[2].empty())
        return fail("a decided line is not KIND KEY WORDS TXT");
      if (p.decided.size() >= 32) return fail("more than 32 decided lines");
      p.decided.push_back({std::string(parts[1]), std::string(parts[2]), std::string(parts[3]), std::string(parts[4])});
      continue;
    }
    if (parts.size() != 2) return fail("a line is not KEY<TAB>VALUE");
    const std::string value(parts[1]);
    if (key == "reference")
      p.reference = value;
    else if (key == "time") {
      const auto r = std::from_chars(value.data(), value.data() + value.size(), p.time);
      if (r.ec != std::errc() || r.ptr != value.data() + value.size() || p.time < 0) return fail("a bad time");
      have_time = true;
    } else if (key == "client")
      p.client = value;
    else if (key == "action")
      p.action = value;
    else if (key == "reply")
      p.reply += (p.reply.empty() ? "" : "\n") + value;
    else if (key == "ptr")
      p.ptr = value;
    else if (key == "note")
      p.note = value;
    else
      return fail("an unknown key '" + clean(key, 40) + "'");
  }
  if (!policy::is_incident_id(p.reference)) return fail("no reference, or not one of ours");
  if (!have_time || p.client.empty() || p.reply.empty()) return fail("time, client or reply missing");
  if (p.action != "reject" && p.action != "defer") return fail("an action that is neither reject nor defer");
  return p;
}

std::string public_answer(std::string_view query, const History& history) {
  std::string out;
  if (policy::is_incident_id(query)) {
    if (const auto r = history.by_id(query))
      if (const auto p = public_record(*r)) out = encode(*p) + "\n";
    return out;
  }
  const auto ip = net::IpAddress::parse(query);
  if (!ip) return "error: neither a reference nor an address\n";
  // Newest first; the history also holds accepted clients, so more are asked than are shown.
  std::size_t shown = 0;
  for (const auto& r : history.by_client(*ip, 4 * kPublicPerClient))
    if (const auto p = public_record(r); p && shown < kPublicPerClient) {
      out += encode(*p) + "\n";
      ++shown;
    }
  return out;
}

}  // namespace dyn::control
