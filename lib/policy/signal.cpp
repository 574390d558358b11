#include "policy/signal.hpp"

#include <algorithm>

namespace dyn::policy {

// Each source's declarations (policy/sources/*.cpp), listed in evidence.cpp.
std::span<const SignalSpec* const> declared_signals();

std::span<const SignalSpec* const> signal_catalog() { return declared_signals(); }

namespace {
std::size_t position(std::string_view name) {
  const auto all = signal_catalog();
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i]->name == name) return i;
  return all.size();
}
}  // namespace

const SignalSpec* find_signal(std::string_view name) {
  const auto all = signal_catalog();
  const auto i = position(name);
  return i < all.size() ? all[i] : nullptr;
}

std::string signal_names() {
  std::string names;
  for (const auto* s : signal_catalog()) names += (names.empty() ? "" : ", ") + std::string(s->name);
  return names;
}

Weights::Weights(const std::vector<config::WeightSetting>& settings) {
  const auto all = signal_catalog();
  weights_.reserve(all.size());
  for (const auto* s : all) weights_.push_back(s->weight);
  for (const auto& s : settings)
    if (const auto i = position(s.signal); i < all.size()) weights_[i] = s.weight;
  names_ = name_check_weights(*this);
}

int Weights::of(const SignalSpec& spec) const {
  const auto all = signal_catalog();
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i] == &spec) return weights_[i];
  return spec.weight;  // not a catalog entry: its own default
}

int Weights::of(std::string_view name) const {
  const auto i = position(name);
  return i < weights_.size() ? weights_[i] : 0;
}

Classes::Classes(const std::vector<config::ClassSetting>& settings) {
  const auto all = signal_catalog();
  for (const auto* s : all) supporting_.push_back(s->strength == rdns::Strength::Supporting);
  for (const auto& s : settings)
    if (const auto i = position(s.signal); i < all.size()) supporting_[i] = s.strength == rdns::Strength::Supporting;
}

rdns::Strength Classes::of(std::string_view signal) const {
  const auto i = position(signal);
  return i < supporting_.size() && supporting_[i] ? rdns::Strength::Supporting : rdns::Strength::Primary;
}

namespace {
// "SIGNAL=VALUE" with a declared SIGNAL: the value, or nullopt with *error.
std::optional<std::string_view> value_of(std::string_view text, std::string_view want, std::string* error) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos) {
    if (error) *error = "want SIGNAL=" + std::string(want) + ", SIGNAL one of " + signal_names();
    return std::nullopt;
  }
  if (!find_signal(text.substr(0, eq))) {
    if (error) *error = "unknown signal '" + std::string(text.substr(0, eq)) + "' (known: " + signal_names() + ")";
    return std::nullopt;
  }
  return text.substr(eq + 1);
}
}  // namespace

std::optional<config::WeightSetting> parse_weight_setting(std::string_view text, std::string* error) {
  const auto value = value_of(text, "WEIGHT", error);
  if (!value) return std::nullopt;
  config::WeightSetting s{std::string(text.substr(0, text.find('='))), 0};
  const std::string number(*value);
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

std::optional<config::ClassSetting> parse_class_setting(std::string_view text, std::string* error) {
  const auto value = value_of(text, "primary|supporting", error);
  if (!value) return std::nullopt;
  if (*value != "primary" && *value != "supporting") {
    if (error) *error = "bad class '" + std::string(*value) + "' (want primary or supporting)";
    return std::nullopt;
  }
  return config::ClassSetting{std::string(text.substr(0, text.find('='))),
                              *value == "primary" ? rdns::Strength::Primary : rdns::Strength::Supporting};
}

std::vector<config::WeightSetting> default_weight_settings() {
  std::vector<config::WeightSetting> out;
  for (const auto* s : signal_catalog()) out.push_back(config::WeightSetting{std::string(s->name), s->weight});
  return out;
}

std::vector<config::ClassSetting> default_class_settings() {
  std::vector<config::ClassSetting> out;
  for (const auto* s : signal_catalog()) out.push_back(config::ClassSetting{std::string(s->name), s->strength});
  return out;
}

}  // namespace dyn::policy
