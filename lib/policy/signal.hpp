// Signals as their sources declare them. Each source in policy/sources/ declares its signals in its
// own file (name, default weight, default class, the words the refused sender reads); the catalog
// is every source's declarations, in the order evidence.cpp lists the sources. The config reader
// checks --rdns-weight, --signal-class and --action-for names against it, --sample-config shows
// every default from it, and the reply's {reason} takes its words from it.
#pragma once

#include "config/config.hpp"
#include "rdns/classify.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dyn::policy {

struct SignalSpec {
  std::string_view name;    // "ptr-ttl-short"
  int weight = 0;           // the default weight
  rdns::Strength strength;  // the default class
  // What the refused sender's admin reads when this signal decides: {name} is the client's host
  // name, {ttl} the TTL the signal's reason names (" (300 s)"), both optional.
  std::string_view words;
};

// Every declared signal (pointers into the sources' own tables).
std::span<const SignalSpec* const> signal_catalog();
const SignalSpec* find_signal(std::string_view name);  // nullptr when no source declares it
std::string signal_names();                            // "ip-in-name, ip-in-name-bare, ..."

// A configuration's weight for each declared signal: its default unless a setting changes it
// (later settings win).
class Weights {
 public:
  Weights() : Weights(std::vector<config::WeightSetting>{}) {}
  explicit Weights(const std::vector<config::WeightSetting>& settings);
  int of(const SignalSpec& spec) const;                      // `spec` is a catalog entry (found by address)
  int of(std::string_view name) const;                       // 0 for a name no source declares
  const rdns::NameWeights& names() const { return names_; }  // the name checks' share (rdns)

 private:
  std::vector<int> weights_;  // by catalog position
  rdns::NameWeights names_;
};

// Each declared signal's class under a configuration's settings (later settings win); names no
// source declares (a rule's "rule:NAME") are primary.
class Classes {
 public:
  Classes() : Classes(std::vector<config::ClassSetting>{}) {}
  explicit Classes(const std::vector<config::ClassSetting>& settings);
  rdns::Strength of(std::string_view signal) const;

 private:
  std::vector<bool> supporting_;  // by catalog position
};

// "SIGNAL=N" and "SIGNAL=primary|supporting", SIGNAL one the catalog holds; nullopt with *error.
std::optional<config::WeightSetting> parse_weight_setting(std::string_view text, std::string* error);
std::optional<config::ClassSetting> parse_class_setting(std::string_view text, std::string* error);
std::vector<config::WeightSetting> default_weight_settings();  // one per declared signal
std::vector<config::ClassSetting> default_class_settings();

// The name checks' weights, from the name source's declarations (policy/sources/name.cpp).
rdns::NameWeights name_check_weights(const Weights& weights);

}  // namespace dyn::policy
