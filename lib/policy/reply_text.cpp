// What the refused sender reads: the reply, its {reason} built from the decisive evidence in
// words for the sender's admin, and the template's values.
#include "policy/reply_text.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace dyn::policy {

namespace {

// A line that rendered empty (a "{txt}" line when the list has no text) is left out, not sent blank.
std::string without_empty_lines(std::string text) {
  if (text.find('\n') == std::string::npos)  // one line, as usual: kept whole unless blank
    return text.find_first_not_of(' ') == std::string::npos ? std::string() : std::move(text);
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    const std::string line = text.substr(start, nl - start);
    if (line.find_first_not_of(' ') != std::string::npos) out += (out.empty() ? "" : "\n") + line;
    start = nl + 1;
  }
  return out;
}

// The TXT text of the listing that decided (else of any listing against the client), for {txt};
// "" when none.
std::string listing_text(const Verdict& v) {
  std::string_view decisive, any;
  for_each_contribution(v, [&](const Contribution& c) {
    if (c.kind != Contribution::Kind::Listing || !c.against() || c.list->txt.empty()) return;
    if (decisive.empty() && is_decisive(v, c.key)) decisive = c.list->txt;
    if (any.empty()) any = c.list->txt;
  });
  return std::string(decisive.empty() ? any : decisive);
}

// The lists that listed the client against it, for {list}.
std::string join_listed(const Verdict& v) {
  std::string out;
  for_each_contribution(v, [&](const Contribution& c) {
    if (c.kind == Contribution::Kind::Listing && c.against())
      out += fmt::format("{}{}", out.empty() ? "" : ", ", c.key);
  });
  return out;
}

}  // namespace

namespace {

// "the PTR record's TTL is 300 s, under 43200 s" -> " (300 s)"; "" when the reason names none.
std::string ttl_in(std::string_view reason) {
  for (const std::string_view mark : {"TTL is ", "TTL of "})
    if (const auto at = reason.find(mark); at != std::string_view::npos) {
      const auto from = at + mark.size(), to = reason.find(" s", from);
      if (to != std::string_view::npos) return " (" + std::string(reason.substr(from, to - from)) + " s)";
    }
  return {};
}

// What the sender's admin reads for one signal: plain words about what to fix, as the signal's
// source declares them; a rule's (declared by no source) reads as pool words do.
std::string sender_words(const rdns::Signal& s, std::string_view name) {
  const SignalSpec* spec = find_signal(s.name);
  const std::string_view words = spec ? spec->words : "generic reverse DNS name {name}";
  std::string out;
  for (std::size_t i = 0; i < words.size();) {
    if (words.compare(i, 6, "{name}") == 0) {
      out += name;
      i += 6;
    } else if (words.compare(i, 5, "{ttl}") == 0) {
      out += ttl_in(s.reason);
      i += 5;
    } else {
      out += words[i++];
    }
  }
  return out;
}

}  // namespace

std::vector<DecidedBy> decided_by(const ClientFacts& facts, const Verdict& v) {
  // The decisive evidence; when no one piece decides (several would each be enough), the
  // listings, else the first primary signal: one clear thing to fix.
  std::string_view first_primary;
  bool any_listed = false;
  for_each_contribution(v, [&](const Contribution& c) {
    if (!c.against()) return;
    if (c.kind == Contribution::Kind::Listing)
      any_listed = true;
    else if (c.primary && first_primary.empty())
      first_primary = c.key;
  });
  auto counts = [&](const Contribution& c) {
    if (!v.decisive.empty()) return is_decisive(v, c.key);
    if (any_listed) return c.kind == Contribution::Kind::Listing;
    return c.key == first_primary;
  };
  std::vector<DecidedBy> lists, signals;
  const std::string& name = facts.rdns.name.empty() ? facts.hostname : facts.rdns.name;
  for_each_contribution(v, [&](const Contribution& c) {
    if (!c.against() || !counts(c)) return;
    if (c.kind == Contribution::Kind::Listing) {
      lists.push_back({c.kind, std::string(c.key), std::string(c.key), c.list->txt});
      return;
    }
    auto words = sender_words(*c.signal, name);
    if (std::none_of(signals.begin(), signals.end(), [&](const DecidedBy& d) { return d.words == words; }))
      signals.push_back({c.kind, std::string(c.key), std::move(words), {}});
  });
  lists.insert(lists.end(), std::make_move_iterator(signals.begin()), std::make_move_iterator(signals.end()));
  return lists;
}

std::string reason_text(const ClientFacts& facts, const Verdict& v) {
  std::string listed;
  std::vector<std::string> parts;
  for (auto& d : decided_by(facts, v)) {
    if (d.kind == Contribution::Kind::Listing)
      listed += fmt::format("{}{}", listed.empty() ? "listed in " : ", ", d.words);
    else
      parts.push_back(std::move(d.words));
  }
  if (!listed.empty()) parts.insert(parts.begin(), std::move(listed));
  if (parts.empty()) return "score " + std::to_string(v.score);
  std::string out = parts[0];
  for (std::size_t i = 1; i < parts.size(); ++i) out += (i + 1 == parts.size() ? " and " : ", ") + parts[i];
  return out;
}

std::string why_url(const config::Config& config, std::string_view id) {
  if (config.why_url.empty() || id.empty()) return {};
  const char last = config.why_url.back();
  return config.why_url + (last == '/' || last == '=' ? "" : "/") + std::string(id);
}

smtp::SmtpReply render_reply(const config::Config& config, const ClientFacts& facts, const Verdict& v,
                             const smtp::ReplyCode& code) {
  const std::string reason = reason_text(facts, v), ip = facts.ip->to_string(), listed = join_listed(v),
                    score = std::to_string(v.score), txt = listing_text(v), url = why_url(config, facts.id);
  const std::string_view hostname = facts.hostname.empty() ? std::string_view("unknown") : facts.hostname;
  const std::string_view bypass =
      !config.bypass || config.bypass->empty() ? std::string_view("postmaster") : config.bypass->front();
  const smtp::ReplyValue values[] = {{"reason", reason}, {"ip", ip},       {"hostname", hostname},
                                     {"list", listed},   {"score", score}, {"bypass", bypass},
                                     {"id", facts.id},   {"txt", txt},     {"url", url}};
  // Long values (a 255-character host name, many lists) are cut until the reply fits; the
  // template was checked at load to fit with every value at the shortest of these.
  for (const std::size_t max_value : smtp::kReplyValueLimits) {
    auto reply = smtp::SmtpReply::make(code.code, code.xcode,
                                       without_empty_lines(config.reply_text.render(values, max_value)), nullptr);
    if (reply) return *reply;
  }
  // Cannot happen after the load-time check; the guidance stays all the same.
  return smtp::SmtpReply{
      code.code, code.xcode,
      "Your IP address " + facts.ip->to_string() +
          " appears to be dynamically assigned. Please smarthost your mail through your ISP's mail server."};
}

}  // namespace dyn::policy
