// Local zones (--local-zone ZONE:TYPE:FILE[,FILE...]): DNSBL zones answered in-process from
// rbldnsd-format data files, e.g. a Spamhaus data feed taken by rsync. A --dnsbl list whose zone
// is local is asked exactly as before; its questions are answered from memory instead of by a
// DNS server, in rbldnsd's manner: several datasets of one zone answer together (zen = sbl + xbl
// + pbl), a listed address gets their A records (and TXT texts), others NXDOMAIN.
#pragma once

#include "dns/querier.hpp"
#include "localzone/dataset.hpp"
#include "net/ip_address.hpp"

#include <atomic>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dyn::localzone {

// One --local-zone value.
struct Spec {
  std::string zone;  // canonical
  Kind kind = Kind::Ip4Set;
  std::vector<std::string> files;
  static std::optional<Spec> parse(std::string_view text, std::string* why);
  std::string to_string() const;
  bool operator==(const Spec&) const = default;
};

// What a file was when read: a change in any of these means "read it again".
struct FileStamp {
  std::string path;
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  std::timespec mtime{};
  bool operator==(const FileStamp& o) const;
};

// What a load may take: the most bytes a dataset's files may hold together
// (--local-zone-max-bytes), and how much a changed dataset may shrink against the one in use
// (--local-zone-max-shrink, percent; 100: any).
struct Limits {
  std::uint64_t max_bytes = 1ull << 30;
  int max_shrink = 50;
};

// An address in reserved 240.0.0.0/4, new at each call: no list may list it.
net::IpAddress dnsbl_reserved_address();

// One generation of local data: every zone with its datasets. Immutable; shared by lookups.
class ZoneSet {
 public:
  struct Loaded {
    Spec spec;
    std::vector<FileStamp> stamps;
    std::shared_ptr<const Dataset> data;
  };

  // Loads every spec's files, reading them in chunks (never whole). Data whose files are
  // unchanged since `previous` loaded them is shared, not read again; changed data is checked
  // against what `previous` held (check_change: shrink and test points). Throws LoadError
  // ("file:line: ...") for a file that cannot be used, or a change refused; `warnings` gets the
  // lines ignored as rbldnsd ignores them.
  static std::shared_ptr<const ZoneSet> load(const std::vector<Spec>& specs, const ZoneSet* previous,
                                             std::vector<std::string>* warnings, const Limits& limits = {});

  // The answer for a question inside a local zone; nullopt when its name is in none.
  std::optional<dns::Answer> answer(const dns::Question& question) const;

  // A file of some dataset no longer matches its stamp (changed, replaced or gone).
  bool changed_on_disk() const;
  const std::vector<Loaded>& datasets() const { return loaded_; }
  const std::vector<Spec>& specs() const { return specs_; }
  bool empty() const { return loaded_.empty(); }

 private:
  std::vector<Spec> specs_;
  std::vector<Loaded> loaded_;
};

// The current ZoneSet, replaced whole (a reload, a changed file) while lookups go on.
class LocalZones {
 public:
  std::shared_ptr<const ZoneSet> current() const;
  void replace(std::shared_ptr<const ZoneSet> next);
  // Whether a zone is loaded: without one (as usual), a lookup takes neither the lock nor a
  // reference to the set.
  bool any() const { return any_.load(std::memory_order_acquire); }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const ZoneSet> current_;
  std::atomic<bool> any_{false};
};

// A Querier that answers local zones' questions at once and hands every other one on.
class LocalQuerier : public dns::Querier {
 public:
  LocalQuerier(const LocalZones& zones, dns::Querier& upstream) : zones_(zones), upstream_(upstream) {}
  void async_query(const dns::Question& question, dns::Deadline deadline, Callback done) override;
  std::optional<dns::Answer> answer_now(const dns::Question& question) override;  // a local zone's, else upstream's
  void answer_known(std::span<const dns::Question> questions, std::span<dns::Answer> answers,
                    std::span<std::uint8_t> known) override;  // local zones' first, then upstream's

 private:
  // The set when it has a zone, else null (no lock taken when none is loaded).
  std::shared_ptr<const ZoneSet> zones_now() const;
  static std::optional<dns::Answer> local_answer(const ZoneSet* set, const dns::Question& question);
  const LocalZones& zones_;
  dns::Querier& upstream_;
};

}  // namespace dyn::localzone
