#include "rdns/classify.hpp"
#include "util/ascii.hpp"

#include "rdns/facts.hpp"
#include "rdns/ip_in_name.hpp"
#include "rdns/name_words.hpp"

#include <cctype>

namespace dyn::rdns {

bool plausible_host_name(std::string_view name) {
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > 253 || name == "unknown" || name.front() == '[') return false;
  if (name.find('.') == std::string_view::npos) return false;
  for (char c : name)
    if (!(util::ascii_alnum(c) || c == '-' || c == '.' || c == '_')) return false;
  return true;
}

namespace {

// Each of the name's signals in turn: emit(name, weight, why), `why` a callable that builds the
// explanation, so that a caller that only sums the weights builds no text. Returns false when a
// server word cancels the other checks (it is emitted first, with weight 0).
template <class Emit>
bool each_name_signal(std::string_view name, const std::optional<net::IpAddress>& ip, const NameWeights& w,
                      Emit&& emit) {
  if (!plausible_host_name(name)) return true;
  const NameWords words = split_name(name);
  if (const auto server = server_word(words); !server.empty()) {
    emit("server-word", 0, [&] { return "'" + server + "' in the host part: checks of generic names do not apply"; });
    return false;
  }
  if (ip) {
    const auto m = find_ip_in_name(name, *ip);
    if (m.level == Embedding::Full && host_has_word_label(words))
      emit("ip-in-name", w.ip_in_name, [&] { return "the address is in the name (" + m.spelling + ")"; });
    else if (m.level == Embedding::Full)
      emit("ip-in-name-bare", w.ip_in_name_bare, [&] {
        return "the name is the address (" + m.spelling + ") under a domain, as hosting providers also write";
      });
    else if (m.level == Embedding::Partial)
      emit("ip-in-name-partial", w.ip_in_name_partial,
           [&] { return "part of the address is in the name (" + m.spelling + ")"; });
  }
  if (const auto id = device_id(words); !id.empty())
    emit("device-id", w.device_id, [&] { return "a device's hardware address or serial in the name (" + id + ")"; });
  if (const auto dyn = dynamic_word(words); !dyn.empty())
    emit("dynamic-word", w.dynamic_word, [&] { return "pool word '" + dyn + "' in the host part"; });
  else if (const auto gen = generic_word(words); !gen.empty())
    emit("generic-word", w.generic_word, [&] { return "generic word '" + gen + "' in the host part"; });
  else if (const auto dom = dynamic_word_in_domain(words); !dom.empty() && !words.host.empty())
    emit("dynamic-domain", w.dynamic_domain, [&] { return "access-ISP word '" + dom + "' in the domain"; });
  return true;
}

}  // namespace

void name_signals(std::string_view name, const std::optional<net::IpAddress>& ip, const NameWeights& w,
                  std::vector<Signal>& out) {
  each_name_signal(name, ip, w, [&](const char* id, int weight, auto why) {
    out.push_back(Signal{id, weight, why()});
  });
}

std::vector<Signal> name_signals(std::string_view name, const std::optional<net::IpAddress>& ip, const NameWeights& w) {
  std::vector<Signal> out;
  name_signals(name, ip, w, out);
  return out;
}

std::optional<int> name_score(std::string_view name, const std::optional<net::IpAddress>& ip, const NameWeights& w) {
  int score = 0;
  if (!each_name_signal(name, ip, w, [&](const char*, int weight, auto) { score += weight; })) return std::nullopt;
  return score;
}

int total(const std::vector<Signal>& signals) {
  int sum = 0;
  for (const auto& s : signals) sum += s.weight;
  return sum;
}

std::string_view to_string(Strength strength) {
  switch (strength) {
    case Strength::Primary: return "primary";
    case Strength::Supporting: return "supporting";
  }
  return "?";
}

}  // namespace dyn::rdns
