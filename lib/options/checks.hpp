// What the config reader checks once every option is parsed, and where each value was read (so
// that a setting refused then still names its file:line). Used by options.cpp only.
#pragma once

#include "config/config.hpp"

#include <map>
#include <set>
#include <string>
#include <utility>

namespace dyn::config {

// Where each value came from, so that a setting refused after parsing names its file:line.
class Locations {
 public:
  // Records where `option = value` was read; the option's first line also stands for it alone.
  void add(const std::string& option, const std::string& value, const std::string& where) {
    at_.emplace(std::pair{option, std::string()}, where);
    at_.emplace(std::pair{option, value}, where);
  }
  // "file:line" for a value from the config file; "" for the command line and defaults (a value
  // given on the command line replaces the file's).
  std::string at(const std::string& option, const std::string& value = {}) const {
    const auto it = at_.find({option, value});
    return it == at_.end() || from_cli_.count(option) ? std::string() : it->second;
  }
  // A value for the option was read from the file.
  bool has_value(const std::string& option) const {
    const auto it = at_.lower_bound({option, std::string()});
    return it != at_.end() && it->first.first == option && std::next(it) != at_.end() &&
           std::next(it)->first.first == option;
  }
  // The same as a message prefix: "file:line: " or "".
  std::string operator()(const std::string& option, const std::string& value = {}) const {
    const auto where = at(option, value);
    return where.empty() ? where : where + ": ";
  }
  std::set<std::string> from_cli_;
  std::set<std::string> cleared;  // repeatable options the file set to nothing ("dnsbl =")

 private:
  std::map<std::pair<std::string, std::string>, std::string> at_;
};

// Settings that are each valid but wrong together (a threshold no weights reach, a dns-timeout
// longer than the MTA waits, ...). Throws Error naming file:line.
void check_consistency(const Config& c, const Locations& where);
// Each --local-zone must be the zone of a --dnsbl list: a local zone nobody asks is a typo.
void check_local_zones(const Config& c, const Locations& where);
// Each --dnsbl-name names a --dnsbl zone and gives it its public name.
void apply_dnsbl_names(Config& c, const Locations& where);
// Each --action-for must name something this configuration has (kept under the list's shown name).
void check_action_keys(Config& c, const Locations& where);

}  // namespace dyn::config
