// What the operator reads: the verdict's log line, the X-Dynmilter header, the disposition the
// metrics count, and the incident reference that ties a sender's complaint to a log line.
#include "policy/policy.hpp"

#include "util/json.hpp"
#include "util/random.hpp"

#include <fmt/format.h>

namespace dyn::policy {

std::string_view disposition(const Verdict& v) {
  if (v.tag) return "tag";
  if (v.reached && v.action == Action::Accept) return "log";
  return to_string(v.action);
}

std::string tag_header(const ClientFacts& facts, const Verdict& v, int threshold) {
  std::string out = fmt::format("{}; score={}; threshold={}; client={}", v.reached ? "dynamic" : "pass", v.score,
                                threshold, facts.ip ? facts.ip->to_string() : "none");
  std::string listed, signals;
  for_each_contribution(v, [&](const Contribution& c) {
    if (c.kind == Contribution::Kind::Listing)
      listed += fmt::format("{}{}", listed.empty() ? "" : ",", c.key);
    else if (c.weight != 0)
      signals += fmt::format("{}{}({:+d})", signals.empty() ? "" : ",", c.key, c.weight);
  });
  if (!listed.empty()) out += "; listed=" + listed;
  if (!signals.empty()) out += "; signals=" + signals;
  return smtp::sanitize_reply_text(out, 900);
}

namespace {
constexpr char kAlphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";
}

bool is_incident_id(std::string_view text) {
  return text.size() == 10 && text.find_first_not_of(kAlphabet) == std::string_view::npos;
}

std::string new_incident_id() {
  // 31 characters that cannot be mistaken for one another; each from one random byte below 248
  // (8 x 31, so every character is equally likely), from the per-thread buffer of random bytes
  // (glibc 2.36 makes a getrandom system call per arc4random call).
  constexpr unsigned kSize = sizeof kAlphabet - 1, kLimit = 256 / kSize * kSize;
  std::string id;
  unsigned char bytes[12];  // 10 wanted; a byte is refused 8 times in 256 (then 12 more are drawn)
  while (id.size() < 10) {
    util::random_bytes(bytes, sizeof bytes);
    for (const unsigned char b : bytes)
      if (b < kLimit && id.size() < 10) id += kAlphabet[b % kSize];
  }
  return id;
}

std::string log_line(const ClientFacts& facts, const Verdict& verdict, double elapsed_ms, double waited_ms) {
  std::string out = facts.id.empty() ? std::string() : "id=" + facts.id + " ";
  out += fmt::format("client={} name={}", facts.ip ? facts.ip->to_string() : "none",
                     facts.hostname.empty() ? "-" : smtp::sanitize_reply_text(facts.hostname, 255));
  for (const auto& l : verdict.lists) {
    // A public name with blanks ("Spamhaus PBL") is quoted, so that the line stays key=value fields.
    const bool blank = l.zone.find(' ') != std::string::npos;
    out += fmt::format(" list={}{}{}:{}", blank ? "\"" : "", l.zone, blank ? "\"" : "",
                       dnsbl::to_string(l.outcome.listing));
    if (!l.outcome.codes.empty()) {
      out += "(";
      for (std::size_t i = 0; i < l.outcome.codes.size(); ++i) out += (i ? "," : "") + l.outcome.codes[i].to_string();
      out += ")";
    }
  }
  if (facts.rdns.status != rdns::RdnsStatus::Unknown)
    out += fmt::format(" rdns={}", rdns::to_string(facts.rdns.status));
  for_each_contribution(verdict, [&](const Contribution& c) {
    if (c.kind == Contribution::Kind::Signal && c.weight != 0) out += fmt::format(" signal={}({:+d})", c.key, c.weight);
  });
  out += fmt::format(" score={} action={}", verdict.score, disposition(verdict));
  if (!verdict.note.empty()) out += fmt::format(" note=\"{}\"", verdict.note);
  for (const auto& l : verdict.lists)
    if (!l.outcome.reason.empty() && l.outcome.listing == dnsbl::Listing::Unknown)
      out += fmt::format(" error[{}]=\"{}\"", l.zone, l.outcome.reason);
  if (!verdict.decisive.empty()) {
    std::string decisive;
    for (std::size_t i = 0; i < verdict.decisive.size(); ++i) decisive += (i ? "," : "") + verdict.decisive[i];
    out += decisive.find(' ') == std::string::npos ? " decisive=" + decisive : " decisive=\"" + decisive + "\"";
  }
  out += fmt::format(" elapsed={:.1f}ms waited={:.1f}ms", elapsed_ms, waited_ms);
  return out;
}

// The verdict as one JSON document: what the daemon would do and why, field for field as its log
// line has it (the differential test compares the two).
std::string verdict_json(const ClientFacts& f, const Verdict& v) {
  using util::json_string;
  std::string lists, signals;
  for (const auto& l : v.lists)
    lists += fmt::format("{}{{\"zone\":{},\"weight\":{},\"outcome\":{},\"txt\":{}}}", lists.empty() ? "" : ",",
                         json_string(l.zone), l.weight, json_string(dnsbl::to_string(l.outcome.listing)),
                         json_string(l.txt));
  for (const auto& s : v.signals)
    signals += fmt::format("{}{{\"name\":{},\"weight\":{},\"class\":{},\"reason\":{}}}", signals.empty() ? "" : ",",
                           json_string(s.name), s.weight, json_string(s.supporting ? "supporting" : "primary"),
                           json_string(s.reason));
  return fmt::format(
      "{{\"client\":{},\"name\":{},\"rdns\":{},\"ptr_ttl\":{},\"lists\":[{}],\"signals\":[{}],\"score\":{},"
      "\"action\":{},\"decisive\":{},\"note\":{},\"reply\":{}}}\n",
      json_string(f.ip ? f.ip->to_string() : ""), json_string(f.rdns.name), json_string(rdns::to_string(f.rdns.status)),
      f.ptr_ttl ? std::to_string(*f.ptr_ttl) : "null", lists, signals, v.score, json_string(disposition(v)),
      util::json_list(v.decisive), json_string(v.note),
      json_string(v.reply ? v.reply->code + " " + v.reply->xcode + " " + v.reply->text : ""));
}

}  // namespace dyn::policy
