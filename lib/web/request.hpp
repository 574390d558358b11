// dynmilter-web's requests, as pure data: which page, with its inputs validated. Everything that
// comes from a visitor is checked here before anything is looked up or asked of DNS:
//   GET /                 the form (an address or a reference; a domain to check)
//   GET /why/REF          one refusal by its incident reference
//   GET /why?q=REF|ADDR   the same from the form: a reference, or the refusals of an address
//   GET /check?domain=D[&ip=A][&again=1]   the readiness report of D's mail servers (A: the
//                         visitor's address when not given); again=1 skips the cache
// JSON instead of HTML with "Accept: application/json" (or format=json).
#pragma once

#include "net/ip_address.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace dyn::web {

inline constexpr std::size_t kMaxPath = 256;   // longer: 414
inline constexpr std::size_t kMaxParam = 256;  // a longer parameter: 400

struct Request {
  enum class Page { Home, Why, Lookup, Check };
  Page page = Page::Home;
  std::string reference;                 // Why, and Lookup by reference
  std::optional<net::IpAddress> client;  // Lookup by address; Check's ip= (else the visitor's)
  std::string domain;                    // Check, lower case, ASCII (punycode for IDN)
  bool ip_given = false;                 // Check: ip= was in the request (perhaps empty: every MX host)
  bool again = false;                    // Check: run it afresh, not from the cache
  bool json = false;
};

struct Refusal {  // what to answer instead: a status and one sentence for the visitor
  int status = 400;
  std::string message;
};

// `param(name)`: a query parameter's value (decoded), nullopt when absent.
using Params = std::function<std::optional<std::string>(std::string_view)>;
std::variant<Request, Refusal> route(std::string_view method, std::string_view path, const Params& param,
                                     std::string_view accept);

// A domain as a visitor typed it: trimmed, a trailing dot and upper case dropped; nullopt and
// *why when it is no domain (IDN: asked for in its xn-- form).
std::optional<std::string> normalize_domain(std::string_view text, std::string* why);

}  // namespace dyn::web
