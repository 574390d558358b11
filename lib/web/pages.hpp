// dynmilter-web's pages, as pure functions of what was found: plain HTML that works without
// JavaScript and reads on a phone, or the same content as JSON. Every value from a record, the
// DNS or the visitor is escaped.
#pragma once

#include "control/public_record.hpp"
#include "readiness/readiness.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dyn::web {

struct Page {
  int status = 200;
  std::string content_type;  // "text/html; charset=utf-8" or "application/json"
  std::string body;
};

struct Site {
  std::string bypass;   // where a person reads mail (the first --bypass-recipient, else postmaster)
  std::string visitor;  // the visitor's address, for the forms' defaults
  std::string kept;     // how long refusals are found, in words ("the last 30 days")
};

// What to do about one piece of evidence, in plain words for the refused admin.
std::string advice(const control::PublicReason& reason);

Page home_page(const Site& site, bool json);
// Refusals found for `asked` (a reference or an address); none: a 404 that says what to try.
Page why_page(const std::vector<control::PublicRecord>& found, std::string_view asked, const Site& site, bool json);
// The readiness report; `queries`: the DNS queries it took; `cached`: from the cache.
Page check_page(const readiness::Report& report, const Site& site, bool json, std::uint64_t queries, bool cached);
Page error_page(int status, std::string_view message, const Site& site, bool json);

std::string html_escape(std::string_view text);
std::string url_escape(std::string_view text);  // a query parameter's value

}  // namespace dyn::web
