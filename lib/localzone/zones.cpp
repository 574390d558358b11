#include "localzone/zones.hpp"

#include "net/ip_address.hpp"
#include "util/byte_size.hpp"
#include "util/random.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace dyn::localzone {

namespace {

bool name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'; }

// The address a name's labels spell in reverse: "4.3.2.1" (1.2.3.4) or 32 nibbles; nullopt else.
std::optional<net::IpAddress> address_of(std::string_view labels) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const auto dot = labels.find('.', start);
    parts.push_back(labels.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() == 4) {
    std::uint8_t b[4];
    for (int i = 0; i < 4; ++i) {
      const auto p = parts[static_cast<std::size_t>(3 - i)];
      if (p.empty() || p.size() > 3) return std::nullopt;
      unsigned v = 0;
      for (char c : p) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<unsigned>(c - '0');
      }
      if (v > 255) return std::nullopt;
      b[i] = static_cast<std::uint8_t>(v);
    }
    return net::IpAddress::v4(b[0], b[1], b[2], b[3]);
  }
  if (parts.size() == 32) {
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < 32; ++i) {
      const auto p = parts[31 - i];
      if (p.size() != 1) return std::nullopt;
      const char c = p[0];
      const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (v < 0) return std::nullopt;
      bytes[i / 2] = static_cast<std::uint8_t>(bytes[i / 2] | (i % 2 ? v : v << 4));
    }
    return net::IpAddress::v6(bytes);
  }
  return std::nullopt;
}

FileStamp stamp_of(const std::string& path, const struct stat& st) {
  FileStamp s;
  s.path = path;
  s.device = st.st_dev;
  s.inode = st.st_ino;
  s.size = st.st_size;
  s.mtime = st.st_mtim;
  return s;
}

// Every file of the dataset is still as it was read.
bool unchanged(const ZoneSet::Loaded& l) {
  for (const auto& s : l.stamps) {
    struct stat st {};
    if (::stat(s.path.c_str(), &st) != 0 || !(stamp_of(s.path, st) == s)) return false;
  }
  return true;
}

}  // namespace

bool FileStamp::operator==(const FileStamp& o) const {
  return path == o.path && device == o.device && inode == o.inode && size == o.size && mtime.tv_sec == o.mtime.tv_sec &&
         mtime.tv_nsec == o.mtime.tv_nsec;
}

std::optional<Spec> Spec::parse(std::string_view text, std::string* why) {
  auto fail = [&](const char* what) -> std::optional<Spec> {
    if (why) *why = what;
    return std::nullopt;
  };
  const auto c1 = text.find(':');
  const auto c2 = c1 == std::string_view::npos ? c1 : text.find(':', c1 + 1);
  if (c2 == std::string_view::npos)
    return fail("want ZONE:TYPE:FILE[,FILE...], e.g. zen.spamhaus.org:ip4set:/var/lib/rbldnsd/sbl");
  Spec s;
  std::string zone(text.substr(0, c1));
  while (!zone.empty() && zone.back() == '.') zone.pop_back();
  for (auto& c : zone) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (zone.empty() || zone.size() > 253 || zone.front() == '.' || zone.find("..") != std::string::npos ||
      !std::all_of(zone.begin(), zone.end(), name_char))
    return fail("the zone is not a DNS name");
  s.zone = zone;
  const auto kind = parse_kind(text.substr(c1 + 1, c2 - c1 - 1));
  if (!kind) return fail("TYPE must be ip4set, ip4tset, ip4trie, ip6trie or ip6tset");
  s.kind = *kind;
  std::string_view files = text.substr(c2 + 1);
  for (;;) {
    const auto comma = files.find(',');
    const auto f = files.substr(0, comma);
    if (f.empty()) return fail("an empty file name");
    s.files.emplace_back(f);
    if (comma == std::string_view::npos) break;
    files.remove_prefix(comma + 1);
  }
  return s;
}

std::string Spec::to_string() const {
  std::string out = zone + ":" + std::string(localzone::to_string(kind)) + ":";
  for (std::size_t i = 0; i < files.size(); ++i) out += (i ? "," : "") + files[i];
  return out;
}

namespace {

constexpr std::size_t kChunk = 1 << 20;  // read 1 MiB at a time: a file is never held whole

bool lists(const Dataset& d, const char* address) { return !d.lookup(*net::IpAddress::parse(address)).empty(); }

// A dataset's files read and parsed in one pass, chunk by chunk, each file checked unchanged
// while it was read (else read again, up to 3 times) and their total bounded by `limits`.
std::shared_ptr<const Dataset> read_dataset(const Spec& spec, const Limits& limits, std::vector<FileStamp>& stamps,
                                            std::vector<std::string>* warnings) {
  const auto zone = spec.zone;
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::vector<struct stat> before(spec.files.size());
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < spec.files.size(); ++i) {
      const auto& path = spec.files[i];
      if (::stat(path.c_str(), &before[i]) != 0)
        throw LoadError(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
      if (!S_ISREG(before[i].st_mode)) throw LoadError(fmt::format("{}: not a regular file", path));
      total += static_cast<std::uint64_t>(before[i].st_size);
    }
    auto too_big = [&](std::uint64_t bytes) {
      return LoadError(fmt::format("{}: {} byte{} of data, more than --local-zone-max-bytes {}", spec.to_string(),
                                   bytes, bytes == 1 ? "" : "s", util::ByteSize{limits.max_bytes}.to_string()));
    };
    if (total > limits.max_bytes) throw too_big(total);
    std::vector<std::string> attempt_warnings;
    DatasetReader reader(spec.kind, warnings ? &attempt_warnings : nullptr, static_cast<std::size_t>(total));
    std::vector<char> chunk(std::min<std::uint64_t>(kChunk, total + 1));
    std::uint64_t read_total = 0;
    bool stable = true;
    stamps.clear();
    for (std::size_t i = 0; i < spec.files.size() && stable; ++i) {
      const auto& path = spec.files[i];
      std::ifstream in(path, std::ios::binary);
      if (!in) throw LoadError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
      reader.begin_file(path);
      std::uint64_t read_file = 0;
      while (in) {
        in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        const auto n = static_cast<std::size_t>(in.gcount());
        if (n == 0) break;
        read_file += n;
        read_total += n;
        if (read_total > limits.max_bytes) throw too_big(read_total);  // it grew past the bound while read
        reader.feed(std::string_view(chunk.data(), n));
      }
      reader.end_file();
      struct stat after {};
      const bool same = ::stat(path.c_str(), &after) == 0 && stamp_of(path, before[i]) == stamp_of(path, after) &&
                        read_file == static_cast<std::uint64_t>(before[i].st_size);
      if (!same) stable = false;  // changed while read: read the dataset again
      stamps.push_back(stamp_of(path, before[i]));
    }
    if (!stable) continue;
    auto data = reader.finish();
    if (warnings) warnings->insert(warnings->end(), attempt_warnings.begin(), attempt_warnings.end());
    return data;
  }
  throw LoadError(fmt::format("{}: kept changing while it was read (3 tries); the old data stays", spec.to_string()));
}

// A changed dataset against the one in use: refused (the old data stays) when it shrank by more
// than the bound or to nothing, or when it fails test points the old data passed or that no
// list may fail (127.0.0.1 and reserved space listed: it lists everything).
void check_change(const Spec& spec, const Dataset& now, const Dataset& before, const Limits& limits) {
  const auto old_n = before.entries(), new_n = now.entries();
  const std::string what = spec.to_string();
  if (old_n > 0 && limits.max_shrink < 100 &&
      (new_n == 0 || new_n * 100 < old_n * static_cast<std::size_t>(100 - limits.max_shrink)))
    throw LoadError(
        fmt::format("{}: {} entries where {} were loaded: it shrank by more than "
                    "--local-zone-max-shrink {}% (a truncated or emptied file?)",
                    what, new_n, old_n, limits.max_shrink));
  if (now.kind() == Kind::Ip6Trie || now.kind() == Kind::Ip6TSet) return;  // the test points are IPv4
  if (lists(now, "127.0.0.1"))
    throw LoadError(fmt::format("{}: lists 127.0.0.1 (RFC 5782: never listed), so it lists everything", what));
  const auto reserved = dnsbl_reserved_address();
  if (!now.lookup(reserved).empty())
    throw LoadError(fmt::format("{}: lists {}, reserved space no list can list", what, reserved.to_string()));
  if (lists(before, "127.0.0.2") && !lists(now, "127.0.0.2"))
    throw LoadError(fmt::format("{}: no longer lists the test point 127.0.0.2 (RFC 5782), which it did", what));
}

}  // namespace

net::IpAddress dnsbl_reserved_address() {
  unsigned char b[3];
  util::random_bytes(b, sizeof b);
  return *net::IpAddress::parse(fmt::format("{}.{}.{}.{}", 240 + (b[0] % 16), b[1], b[2], 1 + (b[0] >> 4)));
}

std::shared_ptr<const ZoneSet> ZoneSet::load(const std::vector<Spec>& specs, const ZoneSet* previous,
                                             std::vector<std::string>* warnings, const Limits& limits) {
  auto set = std::make_shared<ZoneSet>();
  set->specs_ = specs;
  for (const auto& spec : specs) {
    const Loaded* old = nullptr;  // the same spec's data in use, if any
    if (previous)
      for (const auto& l : previous->loaded_)
        if (l.spec == spec) old = &l;
    if (old && unchanged(*old)) {  // its files as they were: share the data
      set->loaded_.push_back(*old);
      continue;
    }
    Loaded l;
    l.spec = spec;
    l.data = read_dataset(spec, limits, l.stamps, warnings);
    if (old) check_change(spec, *l.data, *old->data, limits);
    set->loaded_.push_back(std::move(l));
  }
  return set;
}

bool ZoneSet::changed_on_disk() const { return !std::all_of(loaded_.begin(), loaded_.end(), unchanged); }

std::optional<dns::Answer> ZoneSet::answer(const dns::Question& question) const {
  const std::string& name = question.name;
  std::string_view zone;  // the longest local zone holding the name
  for (const auto& l : loaded_) {
    const auto& z = l.spec.zone;
    if (z.size() > zone.size() && dns::at_or_under(name, z)) zone = z;
  }
  if (zone.empty()) return std::nullopt;
  dns::Answer a;
  a.authoritative = true;
  a.status = dns::Status::NxDomain;
  a.origin = fmt::format("local zone {}", zone);
  std::uint32_t negative = UINT32_MAX;
  for (const auto& l : loaded_)
    if (l.spec.zone == zone) negative = std::min(negative, l.data->negative_ttl());
  a.negative_ttl = negative;
  if (name.size() == zone.size()) {  // the apex exists, with nothing we answer
    a.status = dns::Status::NoData;
    return a;
  }
  for (const auto& l : loaded_)
    if (l.spec.zone == zone && l.data->expired(std::time(nullptr))) {  // a stale feed is not evidence
      a.status = dns::Status::ServFail;
      a.detail = fmt::format("{} data expired ($TIMESTAMP)", localzone::to_string(l.spec.kind));
      return a;
    }
  const auto ip = address_of(std::string_view(name).substr(0, name.size() - zone.size() - 1));
  if (!ip) return a;
  std::string from;
  for (const auto& l : loaded_) {
    if (l.spec.zone != zone) continue;
    const auto ids = l.data->lookup(*ip);
    if (ids.empty()) continue;
    a.status = dns::Status::Ok;
    from += (from.empty() ? "" : ", ") + std::string(localzone::to_string(l.spec.kind)) + ":" + l.spec.files.front() +
            (l.spec.files.size() > 1 ? ",..." : "");
    for (const auto id : ids) {
      const Value& v = l.data->value(id);
      dns::Record r;
      r.ttl = l.data->ttl();
      if (question.type == dns::RrType::A) {
        r.type = dns::RrType::A;
        r.value = fmt::format("{}.{}.{}.{}", v.a >> 24, (v.a >> 16) & 255, (v.a >> 8) & 255, v.a & 255);
      } else if (question.type == dns::RrType::TXT) {
        auto text = l.data->txt(v, *ip);
        if (!text) continue;
        r.type = dns::RrType::TXT;
        r.value = std::move(*text);
      } else {
        continue;
      }
      if (std::none_of(a.records.begin(), a.records.end(), [&](const dns::Record& x) { return x.value == r.value; }))
        a.records.push_back(std::move(r));
    }
  }
  if (a.status == dns::Status::Ok) {
    a.origin += " (" + from + ")";
    if (a.records.empty()) a.status = dns::Status::NoData;
  }
  return a;
}

std::shared_ptr<const ZoneSet> LocalZones::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

void LocalZones::replace(std::shared_ptr<const ZoneSet> next) {
  std::lock_guard lock(mutex_);
  current_.swap(next);
  any_.store(current_ && !current_->empty(), std::memory_order_release);
  // the old set (in `next`) is released here or by the last lookup still holding it
}

std::shared_ptr<const ZoneSet> LocalQuerier::zones_now() const {
  if (!zones_.any()) return nullptr;
  auto set = zones_.current();
  return set && !set->empty() ? set : nullptr;
}

std::optional<dns::Answer> LocalQuerier::local_answer(const ZoneSet* set, const dns::Question& question) {
  if (set == nullptr) return std::nullopt;
  if (dns::is_canonical(question.name)) return set->answer(question);
  return set->answer(dns::Question{dns::canonical_name(question.name), question.type});
}

std::optional<dns::Answer> LocalQuerier::answer_now(const dns::Question& question) {
  if (auto a = local_answer(zones_now().get(), question)) return a;
  return upstream_.answer_now(question);
}

// One look at the current set for the whole batch (none at all when no zone is loaded).
void LocalQuerier::answer_known(std::span<const dns::Question> questions, std::span<dns::Answer> answers,
                                std::span<std::uint8_t> known) {
  if (const auto set = zones_now())
    dns::fill_known(questions, answers, known,
                    [&set](const dns::Question& q, std::size_t) { return local_answer(set.get(), q); });
  upstream_.answer_known(questions, answers, known);
}

void LocalQuerier::async_query(const dns::Question& question, dns::Deadline deadline, Callback done) {
  if (auto a = local_answer(zones_now().get(), question)) {
    done(std::move(*a));
    return;
  }
  upstream_.async_query(question, deadline, std::move(done));
}

}  // namespace dyn::localzone
