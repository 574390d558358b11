// Dataset: one rbldnsd dataset (TYPE:FILE[,FILE...]) loaded into memory, immutable once built.
// Its answers are rbldnsd's for the same files: the same entries listed, the same A values and
// the same TXT texts (test/integration/localzone_diff.sh asks both).
//
// Every kind is stored as sorted keys with a parallel array, searched with SortedKeys:
//  - ip4tset: the addresses themselves (2 bytes each past 65,536 of them), one value for all;
//  - ip4set, ip4trie: the address space cut into intervals, each with its value group (none =
//    not listed). ip4set first splits ranges at octet boundaries as rbldnsd does, so that its
//    rule holds: the most specific of the /32, /24, /16 or /8 levels that has an entry decides,
//    an exclusion there wins, and several values there are all answered. ip4trie: the longest
//    prefix decides;
//  - ip6trie: as ip4trie, over 128-bit keys; ip6tset: sorted /64s and sorted /128 exclusions.
#pragma once

#include "localzone/syntax.hpp"
#include "net/ip_address.hpp"

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dyn::localzone {

__extension__ typedef unsigned __int128 U128;  // an IPv6 address as one number

enum class Kind { Ip4Set, Ip4TSet, Ip4Trie, Ip6Trie, Ip6TSet };
std::optional<Kind> parse_kind(std::string_view text);
std::string_view to_string(Kind kind);

// A file that cannot be used: the message names file:line (or the file) and what is wrong.
struct LoadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One file's text, as read: its name (for messages) and its contents.
struct FileText {
  std::string name;
  std::string text;
};

class SortedKeys;
class Builder;

// A dataset read in chunks: begin_file, feed (any split, lines may span chunks), end_file for
// each file, then finish. Throws LoadError as Dataset::parse does. A file is never held whole:
// loading costs the data's memory, not also its text's.
class DatasetReader {
 public:
  DatasetReader(Kind kind, std::vector<std::string>* warnings, std::size_t expected_bytes);
  ~DatasetReader();
  void begin_file(std::string name);
  void feed(std::string_view chunk);
  void end_file();
  std::shared_ptr<const class Dataset> finish();

 private:
  std::unique_ptr<Builder> b_;
};

class Dataset {
 public:
  static constexpr std::uint32_t kDefaultTtl = 2100;  // rbldnsd's default (35 minutes)

  // Parses the files as one dataset. Throws LoadError at the first bad line ("file:line: ...");
  // lines rbldnsd ignores with a warning (a duplicate trie prefix, a range over $MAXRANGE4, an
  // unknown $ line) are ignored here too and described in `warnings`.
  static std::shared_ptr<const Dataset> parse(Kind kind, const std::vector<FileText>& files,
                                              std::vector<std::string>* warnings);
  ~Dataset();

  Kind kind() const { return kind_; }
  // The values listing `ip` (indexes into value()); empty when not listed, or when `ip` is of
  // the other family.
  std::span<const std::uint32_t> lookup(const net::IpAddress& ip) const;
  const Value& value(std::uint32_t id) const { return values_[id]; }
  // The TXT text of `v` for `ip` ($ substitutions, the $= base template), or nullopt: no TXT.
  std::optional<std::string> txt(const Value& v, const net::IpAddress& ip) const;

  // $TIMESTAMP's expiry: past it, the data is not used (its zone answers SERVFAIL: unknown).
  bool expired(std::time_t now) const { return expires_ && now > *expires_; }
  std::optional<std::time_t> expires() const { return expires_; }

  std::uint32_t ttl() const { return ttl_; }
  std::uint32_t negative_ttl() const { return negative_ttl_; }
  std::size_t entries() const { return entries_; }  // listed entries and exclusions, as loaded
  std::size_t memory_bytes() const;

 private:
  Dataset() = default;
  friend class Builder;

  Kind kind_ = Kind::Ip4Set;
  std::vector<Value> values_;
  std::uint32_t ttl_ = kDefaultTtl;
  std::uint32_t negative_ttl_ = kDefaultTtl;
  std::size_t entries_ = 0;
  std::string subst_[10];
  bool has_subst_[10] = {};
  std::optional<std::string> base_;  // $= template
  std::optional<std::time_t> expires_;

  std::unique_ptr<SortedKeys> keys4_;       // ip4tset: addresses; ip4set/ip4trie: interval starts
  std::vector<std::uint32_t> group_of_;     // per interval: its group (0: not listed)
  std::vector<U128> starts6_;               // ip6trie: interval starts
  std::vector<std::uint32_t> group_begin_;  // group g's values: group_values_[group_begin_[g] .. [g+1])
  std::vector<std::uint32_t> group_values_;
  std::vector<std::uint64_t> nets6_;  // ip6tset: listed /64s
  std::vector<U128> excluded6_;       // ip6tset: excluded /128s
};

}  // namespace dyn::localzone
