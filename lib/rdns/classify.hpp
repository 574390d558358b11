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
  std::string name;    // "ip-in-name", "dynamic-word", ...
  int weight = 0;
  std::string reason;  // for people: what was seen
  bool supporting = false;  // its class (Strength below), set when the verdict is decided
};

struct NameWeights {
  int ip_in_name = 3;           // the whole address in the name, and a word label ("lightspeed", "subs")
  int ip_in_name_bare = 2;      // the whole address is all the host part says ("1-2-3-4.isp.example")
  int ip_in_name_partial = 1;   // three octets (IPv4) or half the address (IPv6)
  int dynamic_word = 3;         // a word naming pools outright in the host part: dsl, dhcp, pool, cpe, ...
  int generic_word = 1;         // a word common in pool names but also elsewhere: ip, home, user, access, ...
  int dynamic_domain = 1;       // a pool word in the ISP's domain: skybroadband, shawcable, ...
  int device_id = 2;            // a modem's MAC address or serial in the first label: s01061cabc081bf83
  int no_ptr = 3;               // the address has no PTR record (the MTA's lookup failed for good)
  int forged = 2;               // the PTR name does not resolve back to the address
  int helo_ip = 1;              // HELO/EHLO gives an address ([192.0.2.1] or a bare 192.0.2.1), not a name
  int helo_unresolvable = 1;    // the HELO name has no A or AAAA record (NXDOMAIN or no data, not a failure)
  int ptr_ttl_short = 1;        // the PTR record's TTL is below --ptr-ttl-min (the old SORBS DUHL rule)
  int neighbours_pooled = 1;    // the two adjacent addresses are named like a pool, the client's own name says little
  int mx_confirmed = -2;        // the client is an MX host of its own domain, MX/A/PTR TTLs >= --ptr-ttl-min (DUHL)
  int a_ttl_short = 1;          // the address record of the client's verified name has a TTL below --ptr-ttl-min
  int mx_ttl_short = 1;         // the client is an MX host of its own domain, but the MX TTL is below --ptr-ttl-min
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
// supporting signals alone never refuse, whatever their sum.
enum class Strength { Primary, Supporting };
std::string_view to_string(Strength strength);

// One "--signal-class SIGNAL=primary|supporting" setting.
struct ClassSetting {
  std::string signal;
  Strength strength = Strength::Primary;
  static std::optional<ClassSetting> parse(std::string_view text, std::string* error);
  std::string to_string() const;
  bool operator==(const ClassSetting&) const = default;
};
std::vector<ClassSetting> default_class_settings();

// The class of every known signal under some settings (later settings win). Names it does not
// know (a rule's "rule:NAME") are primary.
class Classes {
 public:
  Classes() : Classes(default_class_settings()) {}
  explicit Classes(const std::vector<ClassSetting>& settings);
  Strength of(std::string_view signal) const;

 private:
  std::uint32_t supporting_ = 0;  // bit i: the i-th known signal is supporting
};


// One "--rdns-weight NAME=N" setting: a signal's weight (0 turns it off, negative counts for the client).
struct WeightSetting {
  std::string signal;
  int weight = 0;
  static std::optional<WeightSetting> parse(std::string_view text, std::string* error);
  std::string to_string() const;
  bool operator==(const WeightSetting&) const = default;
};
std::vector<WeightSetting> default_weight_settings();
NameWeights weights_from(const std::vector<WeightSetting>& settings);  // later settings win

}  // namespace dyn::rdns
