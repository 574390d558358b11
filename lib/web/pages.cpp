#include "web/pages.hpp"

#include "util/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace dyn::web {

namespace {

constexpr std::string_view kHtml = "text/html; charset=utf-8";
constexpr std::string_view kJson = "application/json";

// Plain, readable on a phone, no script, no outside resource.
constexpr std::string_view kStyle =
    "body{font-family:system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:1rem;line-height:1.5;color:#222}"
    "h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:1.6rem}"
    "pre{white-space:pre-wrap;word-break:break-word;background:#f4f4f4;padding:.6rem;border-radius:4px}"
    "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.35rem;text-align:left;"
    "vertical-align:top}.pass{color:#176b21;font-weight:bold}.fail{color:#a4161a;font-weight:bold}"
    ".unknown{color:#8a5a00;font-weight:bold}input{font-size:1rem;padding:.3rem;max-width:100%}"
    "form{margin:.6rem 0}.ref{font-family:monospace}td{overflow-wrap:anywhere}"
    // A phone: each rule a block of its own lines instead of four narrow columns.
    "@media (max-width:600px){table,tbody,tr,td{display:block}tr:first-child{display:none}"
    "td{border:none;padding:.1rem .3rem}tr{border-bottom:1px solid #ddd;padding:.4rem 0}}";

std::string document(std::string_view title, std::string_view body) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta name=\"robots\" "
      "content=\"noindex\"><title>{}</title><style>{}</style></head>\n<body>\n{}\n</body></html>\n",
      html_escape(title), kStyle, body);
}

// A unix time in UTC, as `format` writes it (strftime).
std::string utc(std::int64_t t, const char* format) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}
std::string when(std::int64_t t) { return utc(t, "%Y-%m-%d %H:%M UTC"); }
std::string iso(std::int64_t t) { return utc(t, "%Y-%m-%dT%H:%M:%SZ"); }

std::string forms(const Site& site, std::string_view q = {}, std::string_view domain = {}, std::string_view ip = {}) {
  return fmt::format(
      "<h2>Look up a refusal</h2><form action=\"/why\" method=\"get\"><label>Reference or IP address "
      "<input name=\"q\" value=\"{}\" size=\"30\" maxlength=\"64\"></label> <button>Look up</button></form>\n"
      "<h2 id=\"check\">Check a sending domain</h2><p>Runs the same checks our mail server runs, on your domain's mail "
      "servers (or one address), and says what passes and what to fix.</p>"
      "<form action=\"/check\" method=\"get\"><label>Domain <input name=\"domain\" value=\"{}\" size=\"30\" "
      "maxlength=\"253\"></label> <label>Server IP (optional) <input name=\"ip\" value=\"{}\" size=\"30\" "
      "maxlength=\"45\"></label> <button>Check</button></form>\n"
      "<p>A person reads mail to <b>{}</b>: write there if you are stuck, quoting the reference.</p>",
      html_escape(q), html_escape(domain), html_escape(ip.empty() ? site.visitor : ip), html_escape(site.bypass));
}

std::string result_class(readiness::Result r) {
  return r == readiness::Result::Pass ? "pass" : r == readiness::Result::Fail ? "fail" : "unknown";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  return out;
}

std::string url_escape(std::string_view text) {
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == ':')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::string advice(const control::PublicReason& r) {
  if (r.kind == "list")
    return fmt::format(
        "Your address is listed in {}. Lists of dynamic address space (such as the Spamhaus PBL) hold ranges "
        "their holders say should not send mail directly. If this is a home or office line, send your mail "
        "through your provider's mail server (a smarthost). If it is a server's static address, ask your "
        "provider to take the range out of the list, or use the list's own removal page{}.",
        r.key, r.txt.empty() ? "" : " (the list's text above says where)");
  const std::string_view k = r.key;
  if (k == "no-ptr" || k == "forged")
    return "Ask whoever holds your address (your provider or host) to set its reverse DNS (PTR) record to your "
           "mail server's own name, such as mail.your-domain.example, and make that name's A (or AAAA) record "
           "point back to the same address.";
  if (k.find("ttl") != std::string_view::npos)
    return "Raise the TTLs of your PTR, A and MX records to 43200 seconds (12 hours) or more: short TTLs are "
           "what dynamic pools use.";
  if (k.starts_with("helo"))
    return "Make your server greet (HELO/EHLO) with its own full name, one whose A record is this address.";
  return "Your reverse DNS name looks like the names providers give their customers' dynamic lines. If this is "
         "such a line, send your mail through your provider's mail server (a smarthost). If it is a server's "
         "static address, ask the address's holder to set its reverse DNS (PTR) to your server's own name "
         "(mail.your-domain.example), with an A record back, TTLs of 12 hours or more, and that name as your "
         "domain's MX.";
}

Page error_page(int status, std::string_view message, const Site& site, bool json) {
  if (json)
    return {status, std::string(kJson),
            fmt::format("{{\"status\":{},\"error\":{}}}\n", status, util::json_string(message))};
  return {status, std::string(kHtml),
          document("Error", fmt::format("<h1>Sorry</h1><p>{}</p>\n{}", html_escape(message), forms(site)))};
}

Page home_page(const Site& site, bool json) {
  if (json)
    return {200, std::string(kJson),
            fmt::format("{{\"pages\":[\"/why/REF\",\"/why?q=REF|ADDRESS\",\"/check?domain=D&ip=A\"],\"bypass\":{}}}\n",
                        util::json_string(site.bypass))};
  return {200, std::string(kHtml),
          document("Mail refused? Why, and how to fix it",
                   "<h1>Was your mail refused by our server?</h1><p>Our mail server refuses mail sent straight "
                   "from addresses that look dynamically assigned (home and mobile lines), where most spam from "
                   "infected computers comes from. The refusal gave a reference; look it up here, or check your "
                   "own domain's mail servers.</p>\n" +
                       forms(site))};
}

Page why_page(const std::vector<control::PublicRecord>& found, std::string_view asked, const Site& site, bool json) {
  if (json) {
    std::string out = "{\"asked\":" + util::json_string(asked) + ",\"found\":" + (found.empty() ? "false" : "true") +
                      ",\"records\":[";
    for (std::size_t i = 0; i < found.size(); ++i) {
      const auto& r = found[i];
      out += fmt::format("{}{{\"reference\":{},\"time\":\"{}\",\"client\":{},\"action\":{},\"reply\":{},\"ptr\":{}",
                         i ? "," : "", util::json_string(r.reference), iso(r.time), util::json_string(r.client),
                         util::json_string(r.action), util::json_string(r.reply), util::json_string(r.ptr));
      if (!r.note.empty()) out += ",\"note\":" + util::json_string(r.note);
      out += ",\"decided\":[";
      for (std::size_t k = 0; k < r.decided.size(); ++k) {
        const auto& d = r.decided[k];
        out += fmt::format("{}{{\"kind\":{},\"key\":{},\"words\":{},\"txt\":{},\"fix\":{}}}", k ? "," : "",
                           util::json_string(d.kind), util::json_string(d.key), util::json_string(d.words),
                           util::json_string(d.txt), util::json_string(advice(d)));
      }
      out += "]}";
    }
    out += "],\"bypass\":" + util::json_string(site.bypass) + "}\n";
    return {found.empty() ? 404 : 200, std::string(kJson), out};
  }
  if (found.empty())
    return {
        404, std::string(kHtml),
        document("Not found", fmt::format("<h1>Not found</h1><p>We have no refusal for <b>{}</b> in {}. A reference is "
                                          "found only on the day it was given and for as long as our history keeps it; "
                                          "an address only when we refused it.</p>\n{}",
                                          html_escape(asked), html_escape(site.kept), forms(site, asked)))};
  std::string body;
  for (const auto& r : found) {
    const bool deferred = r.action == "defer";
    body += fmt::format("<h1>Why mail from {} was {}</h1>\n", html_escape(r.client), deferred ? "deferred" : "refused");
    body += fmt::format(
        "<p>At {} our mail server {} a connection from <b>{}</b>{}. Reference <span class=\"ref\">{}</span>.</p>\n",
        when(r.time), deferred ? "deferred" : "refused", html_escape(r.client),
        r.ptr.empty() ? std::string(" (no reverse DNS name)") : " (reverse DNS name " + html_escape(r.ptr) + ")",
        html_escape(r.reference));
    body += "<h2>What your server was told</h2><pre>" + html_escape(r.reply) + "</pre>\n";
    body += "<h2>What decided</h2><ul>\n";
    for (const auto& d : r.decided) {
      body += "<li>" + html_escape(d.kind == "list" ? "listed in " + d.words : d.words);
      if (!d.txt.empty()) body += "<br>The list says: <i>" + html_escape(d.txt) + "</i>";
      body += "</li>\n";
    }
    if (r.decided.empty()) body += "<li>" + html_escape(r.note.empty() ? "(not recorded)" : r.note) + "</li>\n";
    body += "</ul>\n<h2>What to do</h2><ul>\n";
    std::vector<std::string> said;
    for (const auto& d : r.decided) {
      auto a = advice(d);
      if (std::find(said.begin(), said.end(), a) != said.end()) continue;
      body += "<li>" + html_escape(a) + "</li>\n";
      said.push_back(std::move(a));
    }
    body += fmt::format(
        "<li>A server with a static address passes the old DUHL rules when its MX, A and PTR records have TTLs "
        "of 43200 s or more, its MX host's name maps to its address, and its PTR maps back to that MX name. "
        "<a href=\"#check\">Check your domain</a> after a fix.</li>\n"
        "<li>Or write to <b>{}</b>, quoting reference <span class=\"ref\">{}</span>: a person reads it.</li></ul>\n",
        html_escape(site.bypass), html_escape(r.reference));
  }
  body += forms(site, asked, "", found.front().client);
  return {200, std::string(kHtml), document("Why your mail was refused", body)};
}

Page check_page(const readiness::Report& report, const Site& site, bool json, std::uint64_t queries, bool cached) {
  if (json) {
    std::string report_json = readiness::format_json(report);
    while (!report_json.empty() && (report_json.back() == '\n' || report_json.back() == ' ')) report_json.pop_back();
    return {200, std::string(kJson),
            fmt::format("{{\"report\":{},\"dns_queries\":{},\"cached\":{}}}\n", report_json, queries,
                        cached ? "true" : "false")};
  }
  const std::string ip = report.given_ip ? report.given_ip->to_string() : "";
  std::string body =
      fmt::format("<h1>Checking {}</h1>\n<p>Mail servers (MX): {}. ", html_escape(report.domain),
                  report.mx_hosts.empty() ? std::string("none found")
                                          : html_escape(fmt::format("{}", fmt::join(report.mx_hosts, ", "))));
  body += report.verdict == "accept"    ? "<span class=\"pass\">Our server would accept mail from them.</span>"
          : report.verdict == "unknown" ? "<span class=\"unknown\">No server could be judged.</span>"
                                        : fmt::format("<span class=\"fail\">Our server would {} mail from {}.</span>",
                                                      report.verdict == "defer" ? "defer" : "refuse",
                                                      report.servers.size() > 1 ? "some of them" : "it");
  body += "</p>\n";
  auto rows = [](const std::vector<readiness::Finding>& findings) {
    std::string t = "<table><tr><th>Rule</th><th>Result</th><th>Found</th><th>To fix</th></tr>\n";
    for (const auto& f : findings)
      t += fmt::format("<tr><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td></tr>\n", html_escape(f.rule),
                       result_class(f.result), readiness::to_string(f.result), html_escape(f.detail),
                       html_escape(f.fix));
    return t + "</table>\n";
  };
  if (!report.domain_findings.empty()) body += rows(report.domain_findings);
  for (const auto& s : report.servers) {
    body += fmt::format("<h2>{}{}</h2>\n", html_escape(s.ip.to_string()),
                        s.mx_host.empty() ? std::string() : " (" + html_escape(s.mx_host) + ")");
    body += rows(s.findings);
    body += fmt::format("<p>Our verdict: <b>{}</b>.</p>\n", html_escape(s.verdict));
    if (!s.reply.empty()) body += "<pre>" + html_escape(s.reply) + "</pre>\n";
  }
  body += fmt::format(
      "<p><a href=\"/check?domain={}&amp;ip={}&amp;again=1\">Check again</a> after a change (DNS changes reach "
      "us when the old records' TTLs run out). {}{} DNS queries.</p>\n",
      url_escape(report.domain), url_escape(ip), cached ? "These results are from the last minute; " : "", queries);
  body += forms(site, "", report.domain, ip);
  return {200, std::string(kHtml), document("Checking " + report.domain, body)};
}

}  // namespace dyn::web
