#include "dns/cache.hpp"
#include "net/ip_address.hpp"

#include <arpa/inet.h>
#include <sys/mman.h>
#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <string_view>

namespace dyn::dns {

namespace {

constexpr std::uint32_t kNoFrame = 0xffffffffu;

// Blob layout: [u32 expires][u32 frame][u8 name_len][name][u16 type][u8 status][u8 count] then per
// record [u32 ttl][u8 len][value]; A and AAAA values are 4 or 16 network-order bytes, others
// text. `expires` is in seconds since the cache's epoch; `frame` is the entry's place on the
// clock (see Shard). The key is name_len, name and type.
constexpr std::size_t kHeader = 8;
const std::uint8_t* key_of(const std::uint8_t* blob) { return blob + kHeader; }
std::size_t key_size(const std::uint8_t* key) { return 1u + key[0] + 2u; }
std::uint32_t load32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
void store32(std::uint8_t* p, std::uint32_t v) { std::memcpy(p, &v, 4); }

bool binary_type(RrType t) { return t == RrType::A || t == RrType::AAAA; }

// Encodes the lookup key into buf (at least 258 bytes); returns its length, 0 if the name is too long.
std::size_t encode_key(const Question& q, std::uint8_t* buf) {
  if (q.name.size() > 255) return 0;
  buf[0] = static_cast<std::uint8_t>(q.name.size());
  std::memcpy(buf + 1, q.name.data(), q.name.size());
  const auto t = static_cast<std::uint16_t>(q.type);
  buf[1 + q.name.size()] = static_cast<std::uint8_t>(t >> 8);
  buf[2 + q.name.size()] = static_cast<std::uint8_t>(t);
  return q.name.size() + 3;
}

std::uint64_t hash_key(const std::uint8_t* key, std::size_t len) {
  return std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char*>(key), len));
}

// nullptr when the answer cannot be stored compactly (a value over 255 bytes, too many records).
std::uint8_t* encode_blob(const std::uint8_t* key, std::size_t klen, const Answer& a, RrType type,
                          std::uint32_t expires) {
  if (a.records.size() > 255) return nullptr;
  std::size_t size = kHeader + klen + 2;
  for (const auto& r : a.records) {
    if (r.value.size() > 255) return nullptr;
    size += 5 + (binary_type(type) ? (type == RrType::A ? 4 : 16) : r.value.size());
  }
  auto* blob = static_cast<std::uint8_t*>(std::malloc(size));
  if (!blob) return nullptr;
  store32(blob, expires);
  store32(blob + 4, kNoFrame);
  std::memcpy(blob + kHeader, key, klen);
  std::uint8_t* p = blob + kHeader + klen;
  *p++ = static_cast<std::uint8_t>(a.status);
  *p++ = static_cast<std::uint8_t>(a.records.size());
  for (const auto& r : a.records) {
    std::memcpy(p, &r.ttl, 4);
    p += 4;
    if (binary_type(type)) {
      const int af = type == RrType::A ? AF_INET : AF_INET6;
      const std::uint8_t len = type == RrType::A ? 4 : 16;
      if (inet_pton(af, r.value.c_str(), p + 1) != 1) {
        std::free(blob);
        return nullptr;
      }
      *p = len;
      p += 1 + len;
    } else {
      *p++ = static_cast<std::uint8_t>(r.value.size());
      std::memcpy(p, r.value.data(), r.value.size());
      p += r.value.size();
    }
  }
  return blob;
}

Answer decode_blob(const std::uint8_t* blob) {
  const std::uint8_t* key = key_of(blob);
  const std::size_t klen = key_size(key);
  const auto type = static_cast<RrType>((key[klen - 2] << 8) | key[klen - 1]);
  const std::uint8_t* p = key + klen;
  Answer a;
  a.status = static_cast<Status>(*p++);
  const std::size_t count = *p++;
  a.records.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    Record r;
    r.type = type;
    std::memcpy(&r.ttl, p, 4);
    p += 4;
    const std::size_t len = *p++;
    if (type == RrType::A) {
      net::format_ipv4(p, r.value);
    } else if (type == RrType::AAAA) {
      char text[INET6_ADDRSTRLEN];
      inet_ntop(AF_INET6, p, text, sizeof text);
      r.value = text;
    } else {
      r.value.assign(reinterpret_cast<const char*>(p), len);
    }
    p += len;
    a.records.push_back(std::move(r));
  }
  if (a.status != Status::Ok && a.status != Status::NoData && a.status != Status::NxDomain) a.detail = "cached failure";
  return a;
}

// Zeroed memory for every shard's index and clock, in one mapping: pages become resident only
// when touched, and the mapping is aligned to and padded to whole 2 MB pages and asked for huge
// pages (MADV_HUGEPAGE; this system's THP setting is "madvise"), so that a hit does not also pay
// a TLB miss (a nested page walk on a VM) for the index slot it reads.
constexpr std::size_t kHugePage = std::size_t(2) << 20;

struct Arena {
  void* base = nullptr;
  std::size_t bytes = 0;
};

Arena huge_alloc(std::size_t wanted) {
  if (wanted < kHugePage / 2) {  // a small cache (tests, tools): plain pages, no 2 MB to zero
    void* p = ::mmap(nullptr, wanted, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return Arena{p, wanted};
  }
  const std::size_t bytes = (wanted + kHugePage - 1) / kHugePage * kHugePage;
  void* p = ::mmap(nullptr, bytes + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
  if (aligned > start) ::munmap(p, aligned - start);
  if (const std::size_t tail = start + bytes + kHugePage - (aligned + bytes); tail > 0)
    ::munmap(reinterpret_cast<void*>(aligned + bytes), tail);
#ifdef MADV_HUGEPAGE
  ::madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
#endif
  return Arena{reinterpret_cast<void*>(aligned), bytes};
}

}  // namespace

Clock::time_point Cache::coarse_now() {
  // Expiry is kept in whole seconds: the coarse clock (no TSC read) is precise enough and
  // shares CLOCK_MONOTONIC's epoch with steady_clock on Linux.
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return Clock::time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}

// One shard: an open-addressing index (linear probing, half full at most) whose slots hold the
// entry's blob pointer, with bit 0 set when the entry was used since the clock hand last passed
// it (0 = empty slot); and the clock: `capacity` frames, each an entry's blob or empty.
// Eviction is CLOCK (second chance), an approximation of least-recently-used that a hit pays for
// with one bit in the slot it has read anyway, instead of relinking a list through two other
// entries: at capacity the hand moves over the frames, clearing the bit of each used entry, and
// evicts the first entry not used since its last pass; the new entry takes that frame.
// Guarded by `mutex`.
struct Cache::Shard {
  static constexpr std::uintptr_t kUsed = 1;  // blobs from malloc are at least 2-aligned

  // The index's and the clock's size in bytes for a shard of this capacity.
  static std::size_t slots_for(std::size_t cap) {
    std::size_t slots = 16;
    while (slots < std::max<std::size_t>(cap, 1) * 2) slots <<= 1;
    return slots;
  }
  static std::size_t bytes_for(std::size_t cap) {
    return (slots_for(cap) + std::max<std::size_t>(cap, 1)) * sizeof(std::uintptr_t);
  }

  // `memory`: bytes_for(cap) zeroed bytes, which the cache owns.
  Shard(std::size_t cap, void* memory) : capacity(std::max<std::size_t>(cap, 1)) {
    mask = slots_for(cap) - 1;
    table = static_cast<std::uintptr_t*>(memory);
    frames = reinterpret_cast<std::uint8_t**>(table + mask + 1);
  }
  ~Shard() {
    for (std::size_t i = 0; i < used_frames; ++i) std::free(frames[i]);
  }

  static std::uint8_t* blob_of(std::uintptr_t slot) { return reinterpret_cast<std::uint8_t*>(slot & ~kUsed); }

  std::mutex mutex;
  std::size_t capacity;
  std::size_t mask = 0;
  std::uintptr_t* table = nullptr;
  std::uint8_t** frames = nullptr;  // capacity frames, zeroed; the first used_frames have been used
  std::size_t used_frames = 0;
  std::vector<std::uint32_t> free_frames;  // emptied frames below used_frames
  std::size_t hand = 0;
  std::size_t count = 0;
  Stats stats;

  // The slot holding this key, or the empty slot where it would go.
  std::size_t find_slot(const std::uint8_t* key, std::size_t klen, std::uint64_t hash) const {
    for (std::size_t s = hash & mask;; s = (s + 1) & mask) {
      const std::uintptr_t v = table[s];
      if (v == 0) return s;
      const std::uint8_t* other = key_of(blob_of(v));
      if (key_size(other) == klen && std::memcmp(other, key, klen) == 0) return s;
    }
  }
  std::size_t slot_of(const std::uint8_t* blob) const {
    const std::uint8_t* key = key_of(blob);
    const std::size_t klen = key_size(key);
    return find_slot(key, klen, hash_key(key, klen));
  }

  // Removes the entry in slot s and frees its blob and frame (backward-shift deletion keeps
  // probe chains intact).
  void erase_slot(std::size_t s) {
    std::uint8_t* blob = blob_of(table[s]);
    const std::uint32_t frame = load32(blob + 4);
    frames[frame] = nullptr;
    free_frames.push_back(frame);
    std::free(blob);
    --count;
    table[s] = 0;
    for (std::size_t j = (s + 1) & mask; table[j] != 0; j = (j + 1) & mask) {
      const std::uint8_t* key = key_of(blob_of(table[j]));
      const std::size_t ideal = hash_key(key, key_size(key)) & mask;
      // Move j back to s unless its ideal slot lies cyclically in (s, j].
      const bool stays = s <= j ? (s < ideal && ideal <= j) : (s < ideal || ideal <= j);
      if (!stays) {
        table[s] = table[j];
        table[j] = 0;
        s = j;
      }
    }
  }

  // At capacity: moves the hand to the first entry not used since its last pass and evicts it.
  void evict_one() {
    for (;;) {
      const std::size_t f = hand;
      hand = hand + 1 == used_frames ? 0 : hand + 1;
      if (frames[f] == nullptr) continue;
      const std::size_t s = slot_of(frames[f]);
      if (table[s] & kUsed) {
        table[s] &= ~kUsed;  // a second chance
        continue;
      }
      erase_slot(s);
      return;
    }
  }

  // A frame for a new entry: an emptied one, else the next never used.
  std::uint32_t take_frame() {
    if (!free_frames.empty()) {
      const std::uint32_t f = free_frames.back();
      free_frames.pop_back();
      return f;
    }
    return static_cast<std::uint32_t>(used_frames++);
  }
};

Cache::Cache(CacheOptions options, Now now) : options_(options), now_(std::move(now)), epoch_(now_()) {
  std::size_t n = 1;
  while (n < options_.shards) n <<= 1;
  const std::size_t per_shard = (options_.capacity + n - 1) / n;
  const std::size_t each = Shard::bytes_for(per_shard);  // a multiple of 8: the next shard's index stays aligned
  const Arena arena = huge_alloc(each * n);
  arena_ = arena.base;
  arena_bytes_ = arena.bytes;
  for (std::size_t i = 0; i < n; ++i)
    shards_.push_back(std::make_unique<Shard>(per_shard, static_cast<std::uint8_t*>(arena_) + i * each));
}

Cache::~Cache() {
  shards_.clear();  // their blobs first, then the memory of their indexes
  ::munmap(arena_, arena_bytes_);
}

std::chrono::seconds Cache::lifetime(const Answer& a) const {
  using std::chrono::seconds;
  switch (a.status) {
    case Status::Ok: {
      std::uint32_t ttl = UINT32_MAX;
      for (const auto& r : a.records) ttl = std::min(ttl, r.ttl);
      return std::clamp(seconds(ttl), options_.min_ttl, options_.max_ttl);
    }
    case Status::NoData:
    case Status::NxDomain: return std::clamp(seconds(a.negative_ttl), options_.min_ttl, options_.max_ttl);
    case Status::ServFail:
    case Status::Refused:
    case Status::Timeout:
    case Status::Malformed:
    case Status::NetworkError: return options_.error_ttl;
  }
  return options_.error_ttl;
}

std::optional<Answer> Cache::get(const Question& q) {
  std::uint8_t key[260];
  const std::size_t klen = encode_key(q, key);
  return klen == 0 ? std::nullopt : find(key, klen, hash_key(key, klen));
}

std::optional<Answer> Cache::get(const Question& q, std::uint64_t hash) {
  std::uint8_t key[260];
  const std::size_t klen = encode_key(q, key);
  return klen == 0 ? std::nullopt : find(key, klen, hash);
}

std::optional<Answer> Cache::find(const std::uint8_t* key, std::size_t klen, std::uint64_t hash) {
  Shard& sh = *shards_[(hash >> 56) & (shards_.size() - 1)];
  const auto now_s =
      static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(now_() - epoch_).count());
  std::lock_guard lock(sh.mutex);
  const std::size_t s = sh.find_slot(key, klen, hash);
  if (sh.table[s] == 0) {
    ++sh.stats.misses;
    return std::nullopt;
  }
  const std::uint8_t* blob = Shard::blob_of(sh.table[s]);
  if (load32(blob) <= now_s) {
    sh.erase_slot(s);
    ++sh.stats.expired;
    ++sh.stats.misses;
    return std::nullopt;
  }
  ++sh.stats.hits;
  sh.table[s] |= Shard::kUsed;
  return decode_blob(blob);
}

std::uint64_t Cache::prefetch(const Question& q) const {
  std::uint8_t key[260];
  const std::size_t klen = encode_key(q, key);
  if (klen == 0) return 0;  // never stored: get() finds nothing whatever the hash
  const std::uint64_t hash = hash_key(key, klen);
  // A shard's table and mask are fixed when it is made: reading them needs no lock.
  const Shard& sh = *shards_[(hash >> 56) & (shards_.size() - 1)];
  __builtin_prefetch(&sh.table[hash & sh.mask]);
  return hash;
}

void Cache::put(const Question& q, const Answer& a) {
  std::uint8_t key[260];
  const std::size_t klen = encode_key(q, key);
  if (klen == 0) return;
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now_() - epoch_).count();
  const auto expires = static_cast<std::uint32_t>(std::min<long long>(now_s + lifetime(a).count(), UINT32_MAX));
  std::uint8_t* blob = encode_blob(key, klen, a, q.type, expires);
  const std::uint64_t hash = hash_key(key, klen);
  Shard& sh = *shards_[(hash >> 56) & (shards_.size() - 1)];
  std::lock_guard lock(sh.mutex);
  std::size_t s = sh.find_slot(key, klen, hash);
  if (!blob) {  // not storable: an older answer for this question must not outlive it
    if (sh.table[s] != 0) sh.erase_slot(s);
    return;
  }
  if (sh.table[s] != 0) {  // replace in place: same frame, counted as used
    std::uint8_t* old = Shard::blob_of(sh.table[s]);
    const std::uint32_t frame = load32(old + 4);
    store32(blob + 4, frame);
    sh.frames[frame] = blob;
    std::free(old);
    sh.table[s] = reinterpret_cast<std::uintptr_t>(blob) | Shard::kUsed;
    return;
  }
  if (sh.count >= sh.capacity) {
    sh.evict_one();
    ++sh.stats.evictions;
    s = sh.find_slot(key, klen, hash);  // the shift may have moved the free slot
  }
  const std::uint32_t frame = sh.take_frame();
  store32(blob + 4, frame);
  sh.frames[frame] = blob;
  sh.table[s] = reinterpret_cast<std::uintptr_t>(blob);
  ++sh.count;
  ++sh.stats.insertions;
}

bool Cache::erase(const Question& q) {
  std::uint8_t key[260];
  const std::size_t klen = encode_key(q, key);
  if (klen == 0) return false;
  const std::uint64_t hash = hash_key(key, klen);
  Shard& sh = *shards_[(hash >> 56) & (shards_.size() - 1)];
  std::lock_guard lock(sh.mutex);
  const std::size_t s = sh.find_slot(key, klen, hash);
  if (sh.table[s] == 0) return false;
  sh.erase_slot(s);
  return true;
}

Cache::Stats Cache::stats() const {
  Stats total;
  for (const auto& sh : shards_) {
    std::lock_guard lock(sh->mutex);
    total.hits += sh->stats.hits;
    total.misses += sh->stats.misses;
    total.insertions += sh->stats.insertions;
    total.evictions += sh->stats.evictions;
    total.expired += sh->stats.expired;
    total.size += sh->count;
  }
  return total;
}

}  // namespace dyn::dns
