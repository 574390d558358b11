// Checks of single option values that need more than their type's parser: file paths, the
// milter socket spec, syslog facilities, and the bounds the MTA's timeouts put on durations.
#pragma once

#include <chrono>
#include <istream>
#include <map>
#include <memory>
#include <string>

namespace dyn::config {

inline constexpr std::chrono::milliseconds kMaxDnsTimeout{30'000};
inline constexpr std::chrono::milliseconds kMinProbeInterval{10'000};

// Why `path` cannot be read as a file ("it is a directory"), or empty.
std::string not_a_file(const std::string& path);
// Files given as text by path, read instead of the disk: tests and the fuzz targets load whole
// configurations without writing files. Paths it does not hold come from the disk.
using FileTexts = std::map<std::string, std::string>;
// `path` opened for reading (from `texts` when it holds it), or null with `why` set.
std::unique_ptr<std::istream> open_file(const std::string& path, const FileTexts* texts, std::string& why);
// What is wrong with a milter socket spec as libmilter reads it, or empty.
std::string socket_spec_error(const std::string& spec);
bool syslog_facility_known(const std::string& facility);

}  // namespace dyn::config
