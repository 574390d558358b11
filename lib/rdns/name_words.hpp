// The words of a host name, for the generic-name check: which words say "a pool of customer
// addresses" (dsl, dynamic, pool, cable, ...) and which say "a server" (mail, mx, smtp, out,
// relay, static, business, ...). The host part (left of the registrable domain) is where an
// ISP describes the line; the domain may still say what kind of ISP it is ("skybroadband").
#pragma once

#include <boost/container/small_vector.hpp>

#include <span>
#include <string>
#include <string_view>

namespace dyn::rdns {

struct NameWords {
  std::string host;    // labels left of the registrable domain, e.g. "dsl-203-0-113-7.pool"
  std::string domain;  // e.g. "isp.example", "isp.co.uk"
  // Letter runs of the host part, lower case (inline: a host part rarely has more than six).
  boost::container::small_vector<std::string, 6> words;
};

NameWords split_name(std::string_view name);
// split_name(name).domain, without the words.
std::string registrable_domain(std::string_view name);

// The first word of the host part that names dynamic pools outright (dsl, dhcp, pool, cpe, ...),
// or one that is common in pool names but also elsewhere (ip, home, user, access, ...); empty if none.
std::string dynamic_word(const NameWords& w);
std::string generic_word(const NameWords& w);
std::string dynamic_word_in_domain(const NameWords& w);
// The whole words that name servers (mail, mx, smtp, relay, static, business, ...).
std::span<const char* const> server_words();
// The first server word of the host part, or hosting word of the domain; empty if none.
std::string server_word(const NameWords& w);
// A hardware (MAC) address or device serial written into the first label, as cable and DSL
// providers name customer modems: 12 to 16 hexadecimal digits, with letters a-f among them,
// after at most two letters ("s01061cabc081bf83", "h0002a5d76857"). Empty if none.
std::string device_id(const NameWords& w);
// Whether some label of the host part is a word without digits ("lightspeed", "subs", "pool"):
// access ISPs describe the line or the point of presence; hosting names are often just the address.
bool host_has_word_label(const NameWords& w);

}  // namespace dyn::rdns
