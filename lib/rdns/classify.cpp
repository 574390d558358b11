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
bool each_name_signal(std::string_view name, const std::optional<net::IpAddress>& ip, const NameWeights& w, Emit&& emit) {
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
      emit("ip-in-name-bare", w.ip_in_name_bare,
           [&] { return "the name is the address (" + m.spelling + ") under a domain, as hosting providers also write"; });
    else if (m.level == Embedding::Partial)
      emit("ip-in-name-partial", w.ip_in_name_partial, [&] { return "part of the address is in the name (" + m.spelling + ")"; });
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
  each_name_signal(name, ip, w, [&](const char* id, int weight, auto why) { out.push_back(Signal{id, weight, why()}); });
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

namespace {
// Every signal the weights and classes name, with its default class.
constexpr auto P = Strength::Primary, S = Strength::Supporting;
struct Known {
  std::string_view name;  // a view, so that a comparison looks at the length first
  int NameWeights::*member;
  Strength strength;
};
constexpr Known kKnown[] = {{"ip-in-name", &NameWeights::ip_in_name, P},
                            {"ip-in-name-bare", &NameWeights::ip_in_name_bare, P},
                            {"ip-in-name-partial", &NameWeights::ip_in_name_partial, S},
                            {"dynamic-word", &NameWeights::dynamic_word, P},
                            {"generic-word", &NameWeights::generic_word, S},
                            {"dynamic-domain", &NameWeights::dynamic_domain, S},
                            {"device-id", &NameWeights::device_id, P},
                            {"no-ptr", &NameWeights::no_ptr, P},
                            {"forged", &NameWeights::forged, S},
                            {"helo-ip", &NameWeights::helo_ip, S},
                            {"helo-unresolvable", &NameWeights::helo_unresolvable, S},
                            {"ptr-ttl-short", &NameWeights::ptr_ttl_short, S},
                            {"neighbours-pooled", &NameWeights::neighbours_pooled, S},
                            {"mx-confirmed", &NameWeights::mx_confirmed, S},
                            {"a-ttl-short", &NameWeights::a_ttl_short, S},
                            {"mx-ttl-short", &NameWeights::mx_ttl_short, S}};
static_assert(std::size(kKnown) <= 32, "Classes keeps one bit per known signal");

std::string known_names() {
  std::string names;
  for (const auto& k : kKnown) names += (names.empty() ? "" : ", ") + std::string(k.name);
  return names;
}
}  // namespace

std::optional<WeightSetting> WeightSetting::parse(std::string_view text, std::string* error) {
  const auto eq = text.find('=');
  const std::string names = known_names();
  if (eq == std::string_view::npos) {
    if (error) *error = "want SIGNAL=WEIGHT, SIGNAL one of " + names;
    return std::nullopt;
  }
  WeightSetting s;
  s.signal = std::string(text.substr(0, eq));
  bool known = false;
  for (const auto& k : kKnown) known = known || s.signal == k.name;
  if (!known) {
    if (error) *error = "unknown signal '" + s.signal + "' (known: " + names + ")";
    return std::nullopt;
  }
  const std::string number(text.substr(eq + 1));
  std::size_t used = 0;
  try {
    s.weight = std::stoi(number, &used);
  } catch (...) {
    used = 0;
  }
  if (number.empty() || used != number.size() || s.weight < -1000 || s.weight > 1000) {
    if (error) *error = "bad weight '" + number + "' (want an integer from -1000 to 1000)";
    return std::nullopt;
  }
  return s;
}

std::string WeightSetting::to_string() const { return signal + "=" + std::to_string(weight); }

std::vector<WeightSetting> default_weight_settings() {
  const NameWeights d;
  std::vector<WeightSetting> out;
  for (const auto& k : kKnown) out.push_back(WeightSetting{std::string(k.name), d.*(k.member)});
  return out;
}

NameWeights weights_from(const std::vector<WeightSetting>& settings) {
  NameWeights w;
  for (const auto& s : settings)  // every session asks this several times: keep it cheap
    for (const auto& k : kKnown)
      if (s.signal == k.name) {
        w.*(k.member) = s.weight;
        break;
      }
  return w;
}

std::string_view to_string(Strength strength) {
  switch (strength) {
    case Strength::Primary: return "primary";
    case Strength::Supporting: return "supporting";
  }
  return "?";
}

std::optional<ClassSetting> ClassSetting::parse(std::string_view text, std::string* error) {
  const auto eq = text.find('=');
  const std::string_view signal = text.substr(0, eq), value = eq == std::string_view::npos ? "" : text.substr(eq + 1);
  bool known = false;
  for (const auto& k : kKnown) known = known || signal == k.name;
  if (eq == std::string_view::npos || !known) {
    if (error)
      *error = eq == std::string_view::npos ? "want SIGNAL=primary|supporting, SIGNAL one of " + known_names()
                                            : "unknown signal '" + std::string(signal) + "' (known: " + known_names() + ")";
    return std::nullopt;
  }
  if (value != "primary" && value != "supporting") {
    if (error) *error = "bad class '" + std::string(value) + "' (want primary or supporting)";
    return std::nullopt;
  }
  return ClassSetting{std::string(signal), value == "primary" ? Strength::Primary : Strength::Supporting};
}

std::string ClassSetting::to_string() const { return signal + "=" + std::string(rdns::to_string(strength)); }

std::vector<ClassSetting> default_class_settings() {
  std::vector<ClassSetting> out;
  for (const auto& k : kKnown) out.push_back(ClassSetting{std::string(k.name), k.strength});
  return out;
}

Classes::Classes(const std::vector<ClassSetting>& settings) {
  for (std::size_t i = 0; i < std::size(kKnown); ++i)
    if (kKnown[i].strength == Strength::Supporting) supporting_ |= 1u << i;
  for (const auto& s : settings)
    for (std::size_t i = 0; i < std::size(kKnown); ++i)
      if (s.signal == kKnown[i].name) {
        if (s.strength == Strength::Supporting) supporting_ |= 1u << i;
        else supporting_ &= ~(1u << i);
      }
}

Strength Classes::of(std::string_view signal) const {
  for (std::size_t i = 0; i < std::size(kKnown); ++i)
    if (signal == kKnown[i].name) return (supporting_ >> i) & 1u ? Strength::Supporting : Strength::Primary;
  return Strength::Primary;
}

int total(const std::vector<Signal>& signals) {
  int sum = 0;
  for (const auto& s : signals) sum += s.weight;
  return sum;
}

}  // namespace dyn::rdns
