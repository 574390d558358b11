#include "localzone/keeper.hpp"

#include "dnsbl/zone_spec.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <sys/stat.h>

namespace dyn::localzone {

namespace {

void report(const ZoneSet& set, const ZoneSet* before, double seconds) {
  for (const auto& l : set.datasets()) {
    const bool shared = before && std::any_of(before->datasets().begin(), before->datasets().end(),
                                              [&](const ZoneSet::Loaded& b) { return b.data == l.data; });
    if (shared) continue;
    log::notice("local zone {}: {} loaded: {} entries, {:.1f} MB in memory ({:.2f} s for this load)",
                dnsbl::safe_zone(l.spec.zone), l.spec.to_string().substr(l.spec.zone.size() + 1), l.data->entries(),
                static_cast<double>(l.data->memory_bytes()) / 1e6, seconds);
  }
}

// Every file's identity, size and time, as one string: what "the files as they are now" means.
std::string files_state(const std::vector<Spec>& specs) {
  std::string out;
  for (const auto& spec : specs)
    for (const auto& path : spec.files) {
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) {
        out += path + ":gone;";
        continue;
      }
      out += fmt::format("{}:{}:{}:{}:{}.{};", path, st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec,
                         st.st_mtim.tv_nsec);
    }
  return out;
}

}  // namespace

std::shared_ptr<const ZoneSet> Keeper::prepare(const std::vector<Spec>& specs, const Limits& limits) {
  limits_ = limits;
  const auto before = zones_.current();
  std::vector<std::string> warnings;
  const auto start = std::chrono::steady_clock::now();
  auto set = ZoneSet::load(specs, before.get(), &warnings, limits);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const auto& w : warnings) log::warning("local zone data {}", w);
  report(*set, before.get(), seconds);
  return set;
}

bool Keeper::check_files() {
  const auto now = zones_.current();
  if (!now || now->empty() || !now->changed_on_disk()) return false;
  const std::string state = files_state(now->specs());
  if (state == failed_files_) return false;  // already tried and logged
  try {
    install(prepare(now->specs(), limits_));
    failed_files_.clear();
    return true;
  } catch (const LoadError& e) {
    log::warning("local zone data changed but cannot be used, keeping the old data: {}", e.what());
    failed_files_ = state;
    ++failed_loads_;
    return false;
  }
}

}  // namespace dyn::localzone
