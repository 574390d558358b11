#include "autoreply/autoreply.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace dyn::autoreply {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// A header value for a generated field: one line, printable, bounded.
std::string field_value(std::string_view s, std::size_t max = 900) {
  std::string out;
  for (const unsigned char c : s.substr(0, max)) out += c < 0x20 || c == 0x7f ? ' ' : static_cast<char>(c);
  return out;
}

}  // namespace

std::optional<std::string> Message::get(std::string_view name) const {
  const auto want = lower(name);
  for (const auto& [n, v] : fields)
    if (lower(n) == want) return v;
  return std::nullopt;
}

std::vector<std::string> Message::all(std::string_view name) const {
  const auto want = lower(name);
  std::vector<std::string> out;
  for (const auto& [n, v] : fields)
    if (lower(n) == want) out.push_back(v);
  return out;
}

Message parse_header(std::string_view text) {
  Message m;
  constexpr std::size_t kMaxFields = 1000;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;                                                   // the end of the header section
    if ((line.front() == ' ' || line.front() == '\t') && !m.fields.empty()) {  // a folded continuation
      if (m.fields.back().second.size() < 16384) m.fields.back().second += " " + std::string(trim(line));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || m.fields.size() >= kMaxFields) continue;
    m.fields.emplace_back(std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  }
  return m;
}

std::string reason_not_to_reply(std::string_view sender_in, const Message& message) {
  std::string sender = lower(trim(sender_in));
  if (sender.size() >= 2 && sender.front() == '<' && sender.back() == '>') sender = sender.substr(1, sender.size() - 2);
  // Postfix pipe(8) hands the null sender over as ${sender} = MAILER-DAEMON.
  if (sender.empty() || sender == "mailer-daemon") return "the null sender (a bounce)";
  const auto at = sender.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == sender.size()) return "the sender is not an address";
  const std::string local = sender.substr(0, at);
  if (local == "mailer-daemon" || local == "postmaster" || local == "listserv" || local == "majordomo" ||
      local.rfind("owner-", 0) == 0 || (local.size() > 8 && local.substr(local.size() - 8) == "-request") ||
      local.rfind("bounce", 0) == 0 || local == "noreply" || local == "no-reply")
    return "a mailer's or list's own address (" + local + ")";
  if (const auto a = message.get("Auto-Submitted"); a && lower(trim(a->substr(0, a->find(';')))) != "no")
    return "Auto-Submitted: " + field_value(*a, 60);
  for (const char* list : {"List-Id", "List-Post", "List-Unsubscribe"})
    if (message.get(list)) return std::string("list mail (") + list + ")";
  if (const auto p = message.get("Precedence")) {
    const auto v = lower(trim(*p));
    if (v == "bulk" || v == "list" || v == "junk") return "Precedence: " + v;
  }
  return {};
}

std::optional<net::IpAddress> connecting_address(const Message& message, const std::vector<std::string>& our_hosts) {
  for (const auto& received : message.all("Received")) {
    const auto v = std::string_view(received);
    if (lower(v.substr(0, 5)) != "from ") continue;
    const auto by = lower(v).find(" by ");
    if (by == std::string::npos) continue;
    std::string_view host = v.substr(by + 4);
    host = host.substr(0, host.find_first_of(" ;\t"));
    if (!our_hosts.empty() &&
        std::none_of(our_hosts.begin(), our_hosts.end(), [&](const std::string& h) { return lower(h) == lower(host); }))
      continue;
    const std::string_view from = v.substr(0, by);
    const auto close = from.rfind(']');
    const auto open = close == std::string_view::npos ? close : from.rfind('[', close);
    if (open == std::string_view::npos) return std::nullopt;
    std::string_view address = from.substr(open + 1, close - open - 1);
    if (lower(address.substr(0, 5)) == "ipv6:") address.remove_prefix(5);
    return net::IpAddress::parse(address);
  }
  return std::nullopt;
}

ReplyTimes parse_times(std::string_view text) {
  ReplyTimes out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    const auto tab = line.find('\t');
    if (tab == std::string_view::npos || tab == 0) continue;
    std::int64_t t = 0;
    const auto num = line.substr(tab + 1);
    if (std::from_chars(num.data(), num.data() + num.size(), t).ec != std::errc()) continue;
    out[lower(line.substr(0, tab))] = t;
  }
  return out;
}

std::string format_times(const ReplyTimes& times) {
  std::string out;
  for (const auto& [sender, t] : times) out += sender + "\t" + std::to_string(t) + "\n";
  return out;
}

bool take_turn(ReplyTimes& times, std::string_view sender, std::int64_t now, std::int64_t interval_s) {
  std::erase_if(times, [&](const auto& e) { return now - e.second >= interval_s; });
  const auto key = lower(trim(sender));
  if (times.count(key)) return false;
  times[key] = now;
  return true;
}

std::string render(std::string_view text, const std::map<std::string, std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '{') {
      const auto close = text.find('}', i);
      if (close != std::string_view::npos)
        if (const auto it = values.find(std::string(text.substr(i + 1, close - i - 1))); it != values.end()) {
          out += it->second;
          i = close + 1;
          continue;
        }
    }
    out += text[i++];
  }
  return out;
}

const char* const kDefaultTemplate =
    "Hello,\n"
    "\n"
    "your message to {recipient} arrived: this address always takes mail, and a person will read it.\n"
    "This is an automatic answer, sent once a day at most, about why your other mail to us was\n"
    "refused, and how to fix it.\n"
    "\n"
    "Your server connected from {ip}. Our mail server refused it because the address appears to\n"
    "be dynamically assigned: it belongs to a range an access provider hands out to its customers\n"
    "(DSL, cable, fibre, mobile), where most mail comes from infected home machines. Its verdict:\n"
    "{verdict}\n"
    "\n"
    "The quick fix: send your mail through your ISP's outgoing mail server (a smarthost):\n"
    "  - Postfix:  relayhost = [smtp.your-isp.example]:587 in main.cf (with SASL if the ISP wants a login)\n"
    "  - Sendmail: define(`SMART_HOST', `[smtp.your-isp.example]') in the .mc file\n"
    "  - Exchange: a send connector that routes all domains through the smart host\n"
    "\n"
    "The lasting fix, for a fixed address that is a real mail server: give it what a mail\n"
    "server's address carries. What we found for {domain} and {ip}:\n"
    "\n"
    "{report}\n"
    "Each list's own text above says how to look the listing up and how to be removed.\n"
    "\n"
    "To reach a person, reply to this message.\n";

std::string compose(const std::string& from, const std::string& to, const Message& original, const std::string& body) {
  std::string subject = field_value(original.get("Subject").value_or(""), 200);
  subject = subject.empty() ? "Your mail to us: why it was refused, and how to fix it" : "Auto: " + subject;
  std::string out = "From: " + field_value(from) + "\n" + "To: " + field_value(to) + "\n" + "Subject: " + subject +
                    "\n" + "Auto-Submitted: auto-replied\n" + "Precedence: bulk\n";
  if (const auto id = original.get("Message-ID")) {
    const auto mid = field_value(*id, 300);
    out += "In-Reply-To: " + mid + "\n";
    const auto refs = original.get("References");
    out += "References: " + (refs ? field_value(*refs, 600) + " " : std::string()) + mid + "\n";
  }
  out += "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n";
  return out + body;
}

}  // namespace dyn::autoreply
