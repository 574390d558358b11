// Signals from the client's reverse DNS: what the MTA found (no PTR, a PTR that does not map
// back) and what the name itself says (the address written into it, generic pool words) unless
// it says "server". Each signal has a weight and a reason that dynmilter-check and the log show.
#pragma once

#include "net/ip_address.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dyn::rdns {

struct Signal {
  std::string name;  // "ip-in-name", "dynamic-word", ...
  int weight = 0;
  std::string reason;       // for people: what was seen
  bool supporting = false;  // its class (Strength below), set when the verdict is decided
};

// The name checks' weights (policy/sources/name.cpp declares these signals and fills this in from
// the configuration's weights).
struct NameWeights {
  int ip_in_name = 3;          // the whole address in the name, and a word label ("lightspeed", "subs")
  int ip_in_name_bare = 2;     // the whole address is all the host part says ("1-2-3-4.isp.example")
  int ip_in_name_partial = 1;  // three octets (IPv4) or half the address (IPv6)
  int dynamic_word = 3;        // a word naming pools outright in the host part: dsl, dhcp, pool, cpe, ...
  int generic_word = 1;        // a word common in pool names but also elsewhere: ip, home, user, access, ...
  int dynamic_domain = 1;      // a pool word in the ISP's domain: skybroadband, shawcable, ...
  int device_id = 2;           // a modem's MAC address or serial in the first label: s01061cabc081bf83
};

// Whether the text can be a host name worth judging: not empty, not "unknown", not an address
// literal, ASCII letters/digits/hyphens/underscores/dots only, at most 253 characters.
bool plausible_host_name(std::string_view name);

// The name's signals. `ip` may be unknown (classify mode without an address): then only words count.
// A server word in the host part (mail, mx, smtp, out, relay, static, business, ...) cancels the
// others, and is reported with weight 0 so the explanation shows why.
std::vector<Signal> name_signals(std::string_view name, const std::optional<net::IpAddress>& ip, const NameWeights& w);
// The same, appended to `out` (the verdict's own list: no list of its own to allocate).
void name_signals(std::string_view name, const std::optional<net::IpAddress>& ip, const NameWeights& w,
                  std::vector<Signal>& out);
// The sum of name_signals' weights without their explanations; nullopt when a server word cancels
// the checks.
std::optional<int> name_score(std::string_view name, const std::optional<net::IpAddress>& ip, const NameWeights& w);

int total(const std::vector<Signal>& signals);

// How much a signal may decide. Primary evidence (a list's listing, the address in the name, pool
// words, a device ID, no PTR, a rule) can refuse a client; supporting evidence (TTLs, HELO,
// neighbours, part of the address, generic words, a PTR that does not confirm) only adds to it:
// supporting signals alone never refuse, whatever their sum. Each source declares its signals'
// default class (policy/signal.hpp); --signal-class changes it.
enum class Strength { Primary, Supporting };
std::string_view to_string(Strength strength);

}  // namespace dyn::rdns
