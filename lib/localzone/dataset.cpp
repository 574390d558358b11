#include "localzone/dataset.hpp"

#include "localzone/flatten.hpp"
#include "localzone/sorted_keys.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_map>

namespace dyn::localzone {

std::optional<Kind> parse_kind(std::string_view text) {
  if (text == "ip4set") return Kind::Ip4Set;
  if (text == "ip4tset") return Kind::Ip4TSet;
  if (text == "ip4trie") return Kind::Ip4Trie;
  if (text == "ip6trie") return Kind::Ip6Trie;
  if (text == "ip6tset") return Kind::Ip6TSet;
  return std::nullopt;
}

std::string_view to_string(Kind kind) {
  switch (kind) {
    case Kind::Ip4Set: return "ip4set";
    case Kind::Ip4TSet: return "ip4tset";
    case Kind::Ip4Trie: return "ip4trie";
    case Kind::Ip6Trie: return "ip6trie";
    case Kind::Ip6TSet: return "ip6tset";
  }
  return "?";
}

namespace {

std::uint32_t key4(const net::IpAddress& ip) {
  const auto& b = ip.bytes();
  return std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
}

U128 key6(const std::array<std::uint8_t, 16>& b) {
  U128 k = 0;
  for (auto byte : b) k = k << 8 | byte;
  return k;
}

U128 mask6(int bits) { return bits == 0 ? 0 : ~U128{0} << (128 - bits); }

// Sorts 32-bit keys in two passes of 16 bits (10 million keys in a fraction of std::sort's time).
void radix_sort(std::vector<std::uint32_t>& keys) {
  std::vector<std::uint32_t> tmp(keys.size());
  for (int shift : {0, 16}) {
    std::vector<std::size_t> count(65537, 0);
    for (auto k : keys) ++count[((k >> shift) & 0xffff) + 1];
    for (std::size_t i = 1; i < count.size(); ++i) count[i] += count[i - 1];
    for (auto k : keys) tmp[count[(k >> shift) & 0xffff]++] = k;
    keys.swap(tmp);
  }
}

}  // namespace

// Reads the lines of a dataset's files and builds the Dataset.
class Builder {
 public:
  Builder(Kind kind, std::vector<std::string>* warnings) : warnings_(warnings) {
    d_.reset(new Dataset());
    d_->kind_ = kind;
  }

  std::shared_ptr<const Dataset> run(const std::vector<FileText>& files) {
    std::size_t bytes = 0;
    for (const auto& f : files) bytes += f.text.size();
    expect(bytes);
    for (const auto& f : files) {
      begin_file(f.name);
      feed(f.text);
      end_file();
    }
    return done();
  }

  // The streaming steps (DatasetReader): the files' text arrives in chunks of any size.
  void expect(std::size_t bytes) {  // room for about one entry per 12 bytes of text: no regrowth
    if (d_->kind_ == Kind::Ip4TSet) tset4_.reserve(bytes / 12);
  }
  void begin_file(std::string name) {
    file_ = std::move(name);
    line_ = 0;
    pending_.clear();
    scope_ = Value{};  // a default line holds to the end of its file
    scope_id_.reset();
  }
  void feed(std::string_view chunk) {
    // A line cut by the chunk's end waits in pending_ for the rest of it.
    if (!pending_.empty()) {
      const auto nl = chunk.find('\n');
      if (nl == std::string_view::npos) {
        pending_.append(chunk);
        return;
      }
      pending_.append(chunk.substr(0, nl));
      chunk.remove_prefix(nl + 1);
      const std::string line = std::move(pending_);
      pending_.clear();
      read_line(line);
    }
    while (!chunk.empty()) {
      const auto nl = chunk.find('\n');
      if (nl == std::string_view::npos) {
        pending_.assign(chunk);
        return;
      }
      read_line(chunk.substr(0, nl));
      chunk.remove_prefix(nl + 1);
    }
  }
  void end_file() {
    if (!pending_.empty()) {
      const std::string line = std::move(pending_);
      pending_.clear();
      read_line(line);
    }
  }
  std::shared_ptr<const Dataset> done() {
    finish();
    return std::move(d_);
  }

 private:
  // An ip4set/ip4trie/ip6trie entry as read: its range, value (0: an exclusion, else id + 1), line.
  struct Entry4 {
    std::uint32_t first, last;
    std::uint32_t value;
    std::uint8_t level;  // ip4set: 0 = /32, 1 = /24, 2 = /16, 3 = /8; ip4trie: the prefix length
  };
  struct Entry6 {
    U128 first, last;
    std::uint32_t value;
    std::uint8_t bits;
  };

  [[noreturn]] void fail(const std::string& why) const { throw LoadError(fmt::format("{}:{}: {}", file_, line_, why)); }
  void warn(const std::string& why) {
    if (warnings_) warnings_->push_back(fmt::format("{}:{}: {}", file_, line_, why));
  }

  std::uint32_t intern(const Value& v) {
    std::string key = fmt::format("{}:{}:", v.a, v.has_txt ? 1 : 0) + v.txt;
    auto [it, fresh] = value_ids_.try_emplace(std::move(key), static_cast<std::uint32_t>(d_->values_.size()));
    if (fresh) d_->values_.push_back(v);
    return it->second;
  }

  void read_line(std::string_view line) {
    ++line_;
    if (line.find('\0') != std::string_view::npos) fail("a NUL byte in the line (not a text file?)");
    line = trim(line);
    if (line.empty()) return;
    if (line[0] == '$' || (line.size() > 1 && line[0] == '#' && line[1] == '$')) {
      special(line.substr(line[0] == '$' ? 1 : 2));
      return;
    }
    if (is_comment(line[0])) return;
    entry(line);
  }

  void special(std::string_view s) {
    auto word_is = [&](std::string_view w) {
      if (s.size() <= w.size() || !is_blank(s[w.size()])) return false;
      for (std::size_t i = 0; i < w.size(); ++i)
        if ((s[i] | 0x20) != (w[i] | 0x20)) return false;
      return true;
    };
    auto rest = [&](std::size_t n) { return trim(s.substr(n)); };
    if (!s.empty() && s[0] >= '0' && s[0] <= '9' && s.size() > 1 && is_blank(s[1])) {
      const int n = s[0] - '0';
      if (!d_->has_subst_[n] && !rest(1).empty()) {  // the first assignment holds
        d_->has_subst_[n] = true;
        d_->subst_[n] = std::string(rest(1));
      }
      return;
    }
    if (!s.empty() && s[0] == '=') {
      if (!d_->base_) d_->base_ = std::string(trim(s.substr(1)));
      return;
    }
    if (word_is("TTL")) {
      const auto t = parse_time(rest(3));
      if (!t) fail("invalid $TTL (want a time such as 3600, 35m or 1h)");
      d_->ttl_ = *t ? *t : Dataset::kDefaultTtl;
      ttl_set_ = true;
      return;
    }
    if (word_is("SOA")) {
      if (soa_seen_) return;  // only the first counts
      soa_seen_ = true;
      std::vector<std::string_view> f;
      std::string_view r = rest(3);
      while (!r.empty()) {
        std::size_t n = 0;
        while (n < r.size() && !is_blank(r[n])) ++n;
        f.push_back(r.substr(0, n));
        r = trim(r.substr(n));
      }
      if (f.size() != 8) fail("invalid $SOA (want: ttl origin person serial refresh retry expire minttl)");
      const auto ttl = parse_time(f[0]), minttl = parse_time(f[7]);
      if (!ttl || !minttl) fail("invalid $SOA time");
      soa_negative_ = std::min(*ttl ? *ttl : Dataset::kDefaultTtl, *minttl);
      return;
    }
    if (word_is("NS")) return;  // only for serving the zone to others
    if (word_is("TIMESTAMP")) {
      const std::string_view r = rest(9);
      const auto blank = r.find_first_of(" \t");
      const std::string_view stamp_text = r.substr(0, blank);
      const std::string_view expiry_text = blank == std::string_view::npos ? std::string_view() : trim(r.substr(blank));
      bool given = false;
      const auto stamp = parse_stamp(stamp_text, &given);
      if (given && !stamp) fail("invalid $TIMESTAMP (want yyyy:mm:dd[:hh[:mi[:ss]]] [expiry or +time])");
      if (stamp && *stamp > std::time(nullptr))
        fail("the data's $TIMESTAMP is in the future: refused, as rbldnsd refuses it");
      if (expiry_text.empty()) return;
      std::optional<std::time_t> expires;
      if (expiry_text[0] == '+') {
        const auto rel = parse_time(expiry_text.substr(1));
        if (!rel || !stamp) fail("invalid $TIMESTAMP expiry (+time needs a timestamp before it)");
        expires = *stamp + *rel;
      } else {
        bool expiry_given = false;
        expires = parse_stamp(expiry_text, &expiry_given);
        if (expiry_given && !expires) fail("invalid $TIMESTAMP expiry");
      }
      if (expires && (!d_->expires_ || *expires < *d_->expires_)) d_->expires_ = expires;
      return;
    }
    if (word_is("MAXRANGE4")) {
      std::string_view r = rest(9);
      std::uint64_t size = 0;
      if (!r.empty() && r[0] == '/') {
        const auto bits = parse_time(r.substr(1));  // a plain number
        if (!bits || *bits > 32 || r.find_first_not_of("0123456789", 1) != std::string_view::npos)
          fail("invalid $MAXRANGE4 (want /N or a number of addresses)");
        size = std::uint64_t{1} << (32 - *bits);
      } else {
        if (r.empty() || r.find_first_not_of("0123456789") != std::string_view::npos || r.size() > 10)
          fail("invalid $MAXRANGE4 (want /N or a number of addresses)");
        size = std::stoull(std::string(r));
      }
      if (size && (maxrange4_ == 0 || size < maxrange4_)) maxrange4_ = size;  // may shrink, never grow
      return;
    }
    warn("ignored: unknown or unsupported special entry $" + std::string(s.substr(0, s.find_first_of(" \t"))));
  }

  // The value id of what follows an entry: most entries have none, and take the scope's.
  std::uint32_t value_after(std::string_view rest) {
    rest = trim(rest);
    if (rest.empty() || is_comment(rest[0])) {
      if (!scope_id_) scope_id_ = intern(scope_);
      return *scope_id_;
    }
    std::string why;
    auto v = parse_value(rest, scope_, &why);
    if (!v) fail(why);
    return intern(*v);
  }

  void default_line(std::string_view line) {
    std::string why;
    auto v = parse_value(line, Value{}, &why);
    if (!v) fail(why);
    if (d_->kind_ == Kind::Ip4TSet || d_->kind_ == Kind::Ip6TSet) {
      if (!tset_default_) tset_default_ = *v;  // the first one counts
      return;
    }
    scope_ = *v;
    scope_id_.reset();
  }

  void entry(std::string_view line) {
    const Kind kind = d_->kind_;
    if (line[0] == ':' && !(kind == Kind::Ip6Trie && line.size() > 1 && line[1] == ':')) return default_line(line);
    const bool excluded = line[0] == '!';
    if (excluded) line = trim(line.substr(1));
    ++d_->entries_;
    switch (kind) {
      case Kind::Ip4TSet: {
        if (excluded) fail("ip4tset has no exclusions (use ip4set)");
        const auto a = parse_ip4_address(line);
        if (!a) fail("invalid address (ip4tset wants a whole IPv4 address per line)");
        tset4_.push_back(*a);
        return;
      }
      case Kind::Ip4Set:
      case Kind::Ip4Trie: {
        const bool set = kind == Kind::Ip4Set;
        const auto r = set ? parse_ip4_range(line) : parse_ip4_cidr(line);
        if (!r) fail(set ? "invalid address range" : "invalid address or CIDR");
        if (r->host_bits) fail("invalid range: the address has bits set past the prefix length");
        if (maxrange4_ && std::uint64_t{r->last} - r->first + 1 > maxrange4_) {
          warn(fmt::format("ignored: range of {} addresses is larger than $MAXRANGE4 {}",
                           std::uint64_t{r->last} - r->first + 1, maxrange4_));
          return;
        }
        const std::uint32_t value = excluded ? 0 : value_after(line) + 1;
        if (set) return add_set_range(r->first, r->last, value);
        entries4_.push_back({r->first, r->last, value, static_cast<std::uint8_t>(r->bits)});
        lines_.push_back(line_);
        return;
      }
      case Kind::Ip6Trie: {
        const auto p = parse_ip6_prefix(line, true);
        if (!p) fail("invalid IPv6 address or prefix");
        if (p->host_bits) fail("invalid range: the address has bits set past the prefix length");
        const U128 first = key6(p->bytes);
        const std::uint32_t value = excluded ? 0 : value_after(line) + 1;
        entries6_.push_back({first, first | ~mask6(p->bits), value, static_cast<std::uint8_t>(p->bits)});
        lines_.push_back(line_);
        return;
      }
      case Kind::Ip6TSet: {
        const auto p = parse_ip6_prefix(line, false);
        if (!p) fail("invalid IPv6 address");
        if (p->bits != (excluded ? 128 : 64))
          fail(excluded ? "an ip6tset exclusion is one whole address (/128)"
                        : "an ip6tset entry is a /64 written as four groups, e.g. 2001:db8:1:2");
        const U128 k = key6(p->bytes);
        if (excluded)
          excluded6_.push_back(k);
        else
          nets6_.push_back(static_cast<std::uint64_t>(k >> 64));
        return;
      }
    }
  }

  // ip4set: [first, last] in whole /8, /16, /24 or single-address blocks, largest first, as
  // rbldnsd stores them (a /25 is 128 single addresses: the level decides precedence).
  void add_set_range(std::uint32_t first, std::uint32_t last, std::uint32_t value) {
    std::uint64_t at = first;
    while (at <= last) {
      std::uint8_t level = 3;
      for (; level > 0; --level) {
        const std::uint64_t size = std::uint64_t{1} << (8 * level);
        if (at % size == 0 && at + size - 1 <= last) break;
      }
      const std::uint64_t size = std::uint64_t{1} << (8 * level);
      entries4_.push_back({static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(at + size - 1), value, level});
      at += size;
    }
  }

  // The group for a sorted, duplicate-free list of value ids (group 0 is "not listed").
  std::uint32_t group_of(const std::vector<std::uint32_t>& ids) {
    if (ids.empty()) return 0;
    if (ids.size() == 1) {  // the common case, without the map
      if (single_.size() <= ids[0]) single_.resize(ids[0] + 1, 0);
      if (single_[ids[0]] == 0) {
        d_->group_values_.push_back(ids[0]);
        single_[ids[0]] = static_cast<std::uint32_t>(d_->group_begin_.size() - 1);
        d_->group_begin_.push_back(static_cast<std::uint32_t>(d_->group_values_.size()));
      }
      return single_[ids[0]];
    }
    auto [it, fresh] = groups_.try_emplace(ids, static_cast<std::uint32_t>(d_->group_begin_.size() - 1));
    if (fresh) {
      for (auto id : ids) d_->group_values_.push_back(id);
      d_->group_begin_.push_back(static_cast<std::uint32_t>(d_->group_values_.size()));
    }
    return it->second;
  }

  void finish() {
    Dataset& d = *d_;
    if (ttl_set_ || soa_negative_) d.negative_ttl_ = soa_negative_ ? soa_negative_ : d.ttl_;
    d.group_begin_ = {0, 0};  // group 0: no values
    switch (d.kind_) {
      case Kind::Ip4TSet: {
        d.values_.push_back(tset_default_.value_or(Value{}));
        d.group_values_ = {0};
        d.group_begin_.push_back(1);
        radix_sort(tset4_);
        tset4_.erase(std::unique(tset4_.begin(), tset4_.end()), tset4_.end());
        d.keys4_ = std::make_unique<SortedKeys>(tset4_);
        break;
      }
      case Kind::Ip6TSet: {
        d.values_.push_back(tset_default_.value_or(Value{}));
        d.group_values_ = {0};
        d.group_begin_.push_back(1);
        std::sort(nets6_.begin(), nets6_.end());
        nets6_.erase(std::unique(nets6_.begin(), nets6_.end()), nets6_.end());
        std::sort(excluded6_.begin(), excluded6_.end());
        excluded6_.erase(std::unique(excluded6_.begin(), excluded6_.end()), excluded6_.end());
        d.nets6_ = std::move(nets6_);
        d.excluded6_ = std::move(excluded6_);
        break;
      }
      case Kind::Ip4Set: finish_set4(); break;
      case Kind::Ip4Trie: finish_trie4(); break;
      case Kind::Ip6Trie: finish_trie6(); break;
    }
    if (d.kind_ != Kind::Ip6Trie && d.kind_ != Kind::Ip6TSet && !d.lookup(*net::IpAddress::parse("127.0.0.1")).empty())
      throw LoadError(
          fmt::format("{}: the data lists 127.0.0.1, which no list may list (RFC 5782): refused, as a "
                      "list that answers 'listed' for everything would be",
                      file_));
  }

  void finish_set4() {
    // Each (level, block) with all its values: an exclusion there wins, else every distinct value.
    std::sort(entries4_.begin(), entries4_.end(), [](const Entry4& a, const Entry4& b) {
      return a.level != b.level ? a.level > b.level : a.first != b.first ? a.first < b.first : a.value < b.value;
    });
    std::vector<Span<std::uint64_t>> spans;
    std::vector<std::uint32_t> ids;
    for (std::size_t i = 0; i < entries4_.size();) {
      std::size_t j = i;
      ids.clear();
      const bool excluded = entries4_[i].value == 0;  // exclusions sort first in their block
      for (;
           j < entries4_.size() && entries4_[j].level == entries4_[i].level && entries4_[j].first == entries4_[i].first;
           ++j)
        if (!excluded && (ids.empty() || ids.back() != entries4_[j].value - 1)) ids.push_back(entries4_[j].value - 1);
      spans.push_back({entries4_[i].first, entries4_[i].last, excluded ? 0 : group_of(ids)});
      i = j;
    }
    entries4_ = {};
    build4(spans);
  }

  // Trie entries in address order, the enclosing prefix first, as spans. The same prefix twice:
  // the first line holds (rbldnsd warns and keeps it).
  template <class K, class E>
  std::vector<Span<K>> trie_spans(const std::vector<E>& entries, std::uint8_t E::*bits) {
    std::vector<std::size_t> order(entries.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return entries[a].first != entries[b].first ? entries[a].first < entries[b].first
                                                  : entries[a].*bits < entries[b].*bits;
    });
    std::vector<Span<K>> spans;
    for (std::size_t k = 0; k < order.size(); ++k) {
      const auto& e = entries[order[k]];
      const auto& before = entries[order[k > 0 ? k - 1 : 0]];
      if (k > 0 && e.first == before.first && e.*bits == before.*bits) {
        line_ = lines_[order[k]];
        warn(fmt::format("ignored: a second entry for the same prefix (the first, line {}, holds)",
                         lines_[order[k - 1]]));
        continue;
      }
      spans.push_back({K(e.first), K(e.last), e.value == 0 ? 0 : group_of({e.value - 1})});
    }
    return spans;
  }

  void finish_trie4() {
    auto spans = trie_spans<std::uint64_t>(entries4_, &Entry4::level);
    entries4_ = {};
    build4(spans);
  }

  void build4(std::vector<Span<std::uint64_t>>& spans) {
    std::vector<std::uint64_t> starts;
    flatten<std::uint64_t>(spans, 0xffffffffu, starts, d_->group_of_);
    std::vector<std::uint32_t> keys(starts.begin(), starts.end());
    d_->keys4_ = std::make_unique<SortedKeys>(keys);
  }

  void finish_trie6() {
    auto spans = trie_spans<U128>(entries6_, &Entry6::bits);
    flatten<U128>(spans, ~U128{0}, d_->starts6_, d_->group_of_);
  }

  std::unique_ptr<Dataset> d_;
  std::vector<std::string>* warnings_;
  std::string file_;
  std::string pending_;  // the start of a line whose end is in the next chunk
  std::size_t line_ = 0;
  Value scope_;
  std::optional<std::uint32_t> scope_id_;  // scope_'s value id, once interned
  std::optional<Value> tset_default_;
  bool ttl_set_ = false;
  bool soa_seen_ = false;
  std::uint32_t soa_negative_ = 0;
  std::uint64_t maxrange4_ = 0;
  std::unordered_map<std::string, std::uint32_t> value_ids_;
  std::map<std::vector<std::uint32_t>, std::uint32_t> groups_;
  std::vector<std::uint32_t> single_;  // value id -> its one-value group (0: none yet)
  std::vector<std::uint32_t> tset4_;
  std::vector<Entry4> entries4_;
  std::vector<Entry6> entries6_;
  std::vector<std::size_t> lines_;  // trie entries' line numbers (both families), for the duplicate warning
  std::vector<std::uint64_t> nets6_;
  std::vector<U128> excluded6_;
};

std::shared_ptr<const Dataset> Dataset::parse(Kind kind, const std::vector<FileText>& files,
                                              std::vector<std::string>* warnings) {
  return Builder(kind, warnings).run(files);
}

DatasetReader::DatasetReader(Kind kind, std::vector<std::string>* warnings, std::size_t expected_bytes)
    : b_(std::make_unique<Builder>(kind, warnings)) {
  b_->expect(expected_bytes);
}
DatasetReader::~DatasetReader() = default;
void DatasetReader::begin_file(std::string name) { b_->begin_file(std::move(name)); }
void DatasetReader::feed(std::string_view chunk) { b_->feed(chunk); }
void DatasetReader::end_file() { b_->end_file(); }
std::shared_ptr<const Dataset> DatasetReader::finish() { return b_->done(); }

Dataset::~Dataset() = default;

std::span<const std::uint32_t> Dataset::lookup(const net::IpAddress& ip) const {
  std::uint32_t group = 0;
  switch (kind_) {
    case Kind::Ip4TSet:
      if (ip.is_v4() && keys4_->contains(key4(ip))) group = 1;
      break;
    case Kind::Ip4Set:
    case Kind::Ip4Trie:
      if (ip.is_v4()) {
        const auto p = keys4_->floor(key4(ip));
        if (p != SortedKeys::npos) group = group_of_[p];
      }
      break;
    case Kind::Ip6Trie:
      if (!ip.is_v4()) {
        const auto it = std::upper_bound(starts6_.begin(), starts6_.end(), key6(ip.bytes()));
        if (it != starts6_.begin()) group = group_of_[static_cast<std::size_t>(it - starts6_.begin() - 1)];
      }
      break;
    case Kind::Ip6TSet:
      if (!ip.is_v4()) {
        const U128 k = key6(ip.bytes());
        if (std::binary_search(nets6_.begin(), nets6_.end(), static_cast<std::uint64_t>(k >> 64)) &&
            !std::binary_search(excluded6_.begin(), excluded6_.end(), k))
          group = 1;
      }
      break;
  }
  return {group_values_.data() + group_begin_[group], group_begin_[group + 1] - group_begin_[group]};
}

std::optional<std::string> Dataset::txt(const Value& v, const net::IpAddress& ip) const {
  // The template: the $= base unless the entry's text starts with '=' (then the text, without
  // it); without a base, the entry's text. Inside it, $$ is '$', $N a $N variable (kept as
  // written when there is none), $= the entry's text (the address when it has none), and any
  // other '$' the address.
  const std::string_view entry = v.has_txt ? std::string_view(v.txt) : std::string_view();
  std::string_view tpl;
  if (base_ && (entry.empty() || entry[0] != '=')) {
    tpl = *base_;
  } else {
    if (!v.has_txt) return std::nullopt;
    tpl = entry[0] == '=' ? entry.substr(1) : entry;
  }
  const std::string address = ip.to_string();
  std::string out;
  for (std::size_t i = 0; i < tpl.size(); ++i) {
    if (tpl[i] != '$') {
      out += tpl[i];
      continue;
    }
    const char next = i + 1 < tpl.size() ? tpl[i + 1] : '\0';
    if (next == '$') {
      out += '$';
      ++i;
    } else if (next >= '0' && next <= '9') {
      const int n = next - '0';
      out += has_subst_[n] ? subst_[n] : std::string{'$', next};
      ++i;
    } else if (next == '=') {
      out += entry.empty() ? std::string_view(address) : entry;
      ++i;
    } else {
      out += address;
    }
  }
  if (out.size() > 255) out.resize(255);
  return out;
}

std::size_t Dataset::memory_bytes() const {
  std::size_t n = sizeof(*this) + (keys4_ ? keys4_->memory_bytes() : 0);
  n += group_of_.capacity() * sizeof(std::uint32_t) + starts6_.capacity() * sizeof(U128);
  n += group_begin_.capacity() * sizeof(std::uint32_t) + group_values_.capacity() * sizeof(std::uint32_t);
  n += nets6_.capacity() * sizeof(std::uint64_t) + excluded6_.capacity() * sizeof(U128);
  for (const auto& v : values_) n += sizeof(Value) + (v.txt.capacity() > 15 ? v.txt.capacity() : 0);
  return n;
}

}  // namespace dyn::localzone
