// The DNS cache with an injected clock: TTL rules (RFC 2308 for negative answers, clamping,
// brief caching of failures), LRU eviction, and a randomized comparison with a simple model.
#include "dns/cache.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <random>

using namespace dyn::dns;
using namespace std::chrono_literals;

namespace {
struct FakeClock {
  Clock::time_point t = Clock::time_point(1000s);
  Cache::Now fn() {
    return [this] { return t; };
  }
};
Answer a_answer(std::vector<std::string> values, std::uint32_t ttl) {
  Answer a;
  a.status = Status::Ok;
  for (auto& v : values) a.records.push_back(Record{RrType::A, ttl, v});
  return a;
}
Answer negative(Status s, std::uint32_t ttl) { return Answer{s, {}, ttl, ""}; }
Question qa(const std::string& n) { return Question{n, RrType::A}; }
}  // namespace

TEST_CASE("cache round-trips A, AAAA, PTR and negative answers", "[cache]") {
  FakeClock clock;
  Cache c(CacheOptions{}, clock.fn());
  c.put(qa("2.0.0.127.zen.test"), a_answer({"127.0.0.2", "127.0.0.10"}, 300));
  c.put(Question{"h.example", RrType::AAAA}, Answer{Status::Ok, {Record{RrType::AAAA, 77, "2001:db8::1"}}, 0, ""});
  c.put(Question{"7.113.0.203.in-addr.arpa", RrType::PTR},
        Answer{Status::Ok, {Record{RrType::PTR, 3600, "dsl-7.pool.example"}}, 0, ""});
  c.put(qa("nx.test"), negative(Status::NxDomain, 900));

  auto a = c.get(qa("2.0.0.127.zen.test"));
  REQUIRE(a);
  CHECK(a->status == Status::Ok);
  REQUIRE(a->records.size() == 2);
  CHECK(a->records[1].value == "127.0.0.10");
  CHECK(a->records[0].ttl == 300);  // the TTL as the server gave it
  CHECK(c.get(Question{"h.example", RrType::AAAA})->records.at(0).value == "2001:db8::1");
  CHECK(c.get(Question{"7.113.0.203.in-addr.arpa", RrType::PTR})->records.at(0).value == "dsl-7.pool.example");
  CHECK(c.get(qa("nx.test"))->status == Status::NxDomain);
  CHECK_FALSE(c.get(Question{"2.0.0.127.zen.test", RrType::TXT}));  // type is part of the key
  CHECK_FALSE(c.get(qa("other.test")));
}

TEST_CASE("lifetimes: TTLs clamped to [min, max], negative TTL from the SOA, failures briefly", "[cache]") {
  FakeClock clock;
  CacheOptions o;
  o.min_ttl = 60s;
  o.max_ttl = 3600s;
  o.error_ttl = 5s;
  Cache c(o, clock.fn());
  struct Case {
    Answer a;
    std::chrono::seconds want;
  };
  const Case cases[] = {
      {a_answer({"127.0.0.2"}, 300), 300s},         {a_answer({"127.0.0.2"}, 10), 60s},
      {a_answer({"127.0.0.2"}, 86400), 3600s},      {a_answer({"127.0.0.2", "127.0.0.3"}, 300), 300s},
      {negative(Status::NxDomain, 900), 900s},      {negative(Status::NoData, 0), 60s},
      {negative(Status::NxDomain, 999999), 3600s},  {Answer::failure(Status::Timeout, "t"), 5s},
      {Answer::failure(Status::ServFail, "s"), 5s},
  };
  for (const auto& k : cases) CHECK(c.lifetime(k.a) == k.want);
}

TEST_CASE("entries expire with the injected clock", "[cache]") {
  FakeClock clock;
  Cache c(CacheOptions{}, clock.fn());
  c.put(qa("a.test"), a_answer({"127.0.0.2"}, 300));
  c.put(qa("fail.test"), Answer::failure(Status::ServFail, "x"));
  clock.t += 4s;
  CHECK(c.get(qa("fail.test")));
  clock.t += 2s;
  CHECK_FALSE(c.get(qa("fail.test")));  // a dead list is retried after error_ttl
  clock.t += 293s;
  CHECK(c.get(qa("a.test")));
  clock.t += 2s;
  CHECK_FALSE(c.get(qa("a.test")));
  CHECK(c.stats().expired == 2);
  CHECK(c.stats().size == 0);
}

TEST_CASE("at capacity, an entry used since it was stored outlives one that was not", "[cache]") {
  FakeClock clock;
  CacheOptions o;
  o.capacity = 3;
  o.shards = 1;
  Cache c(o, clock.fn());
  for (const char* n : {"a.test", "b.test", "c.test"}) c.put(qa(n), a_answer({"127.0.0.2"}, 300));
  CHECK(c.get(qa("a.test")));  // a is now the most recent; b the least
  c.put(qa("d.test"), a_answer({"127.0.0.2"}, 300));
  CHECK_FALSE(c.get(qa("b.test")));
  CHECK(c.get(qa("a.test")));
  CHECK(c.get(qa("c.test")));
  CHECK(c.get(qa("d.test")));
  CHECK(c.stats().evictions == 1);
  CHECK(c.stats().size == 3);
}

TEST_CASE("a replaced entry takes the new answer and lifetime", "[cache]") {
  FakeClock clock;
  Cache c(CacheOptions{}, clock.fn());
  c.put(qa("a.test"), Answer::failure(Status::Timeout, "t"));
  c.put(qa("a.test"), a_answer({"127.0.0.11"}, 600));
  clock.t += 100s;
  auto a = c.get(qa("a.test"));
  REQUIRE(a);
  CHECK(a->records.at(0).value == "127.0.0.11");
  CHECK(c.stats().size == 1);
}

TEST_CASE("randomized operations agree with a simple second-chance (CLOCK) model", "[cache]") {
  // Small capacity and many names collide in the index, exercising backward-shift deletion. The
  // model: 40 frames filled in order; a hit or a replacement marks an entry used; at capacity the
  // hand clears used marks until it finds an unused entry, whose frame the new entry takes.
  FakeClock clock;
  CacheOptions o;
  o.capacity = 40;
  o.shards = 1;
  Cache c(o, clock.fn());
  struct Entry {
    std::string value;
    bool used = false;
    std::size_t frame = 0;
  };
  std::map<std::string, Entry> model;
  std::vector<std::string> frames;  // the name in each frame
  std::size_t hand = 0;
  std::mt19937 rng(12345);
  long evictions = 0;
  for (int step = 0; step < 20000; ++step) {
    const std::string name = "n" + std::to_string(rng() % 120) + ".test";
    if (rng() % 2) {
      const std::string value = "127.0.0." + std::to_string(rng() % 250 + 1);
      c.put(qa(name), a_answer({value}, 300));
      if (auto it = model.find(name); it != model.end()) {
        it->second.value = value;
        it->second.used = true;
        continue;
      }
      std::size_t frame = frames.size();
      if (model.size() == 40) {
        for (;; hand = (hand + 1) % frames.size()) {
          Entry& e = model.at(frames[hand]);
          if (!e.used) break;
          e.used = false;
        }
        frame = hand;
        hand = (hand + 1) % frames.size();
        model.erase(frames[frame]);
        ++evictions;
      } else {
        frames.emplace_back();
      }
      frames[frame] = name;
      model[name] = Entry{value, false, frame};
    } else {
      auto got = c.get(qa(name));
      auto it = model.find(name);
      REQUIRE(got.has_value() == (it != model.end()));
      if (got) {
        REQUIRE(got->records.at(0).value == it->second.value);
        it->second.used = true;
      }
    }
  }
  CHECK(evictions > 1000);
  CHECK(c.stats().evictions == static_cast<std::uint64_t>(evictions));
  CHECK(c.stats().size == model.size());
}

TEST_CASE("names the cache cannot hold are passed over, not stored wrongly", "[cache]") {
  FakeClock clock;
  Cache c(CacheOptions{}, clock.fn());
  c.put(qa(std::string(300, 'a')), a_answer({"127.0.0.2"}, 300));
  CHECK_FALSE(c.get(qa(std::string(300, 'a'))));
  c.put(qa("bad.test"), a_answer({"not-an-address"}, 300));
  CHECK_FALSE(c.get(qa("bad.test")));
}

TEST_CASE("an answer the cache cannot hold removes the older answer to the same question", "[cache]") {
  // Found by the fuzzer: a PTR name over 255 bytes was not stored, and the stale one was served.
  FakeClock clock;
  Cache c(CacheOptions{}, clock.fn());
  const Question q{"7.113.0.203.in-addr.arpa", RrType::PTR};
  c.put(q, Answer{Status::Ok, {Record{RrType::PTR, 60, "old.example"}}, 0, ""});
  c.put(q, Answer{Status::Ok, {Record{RrType::PTR, 60, std::string(300, 'x')}}, 0, ""});
  CHECK_FALSE(c.get(q));
}

TEST_CASE("a prefetch is only a hint: any name, stored or not, and what get returns is unchanged", "[cache]") {
  FakeClock clock;
  Cache c(CacheOptions{1000, 60s, 3600s, 5s, 4}, clock.fn());
  c.put(qa("2.0.0.127.zen.test"), a_answer({"127.0.0.2"}, 300));
  for (const auto& name : {std::string("2.0.0.127.zen.test"), std::string("absent.test"), std::string(),
                           std::string(300, 'a'), std::string("MiXeD.Test.")})
    c.prefetch(qa(name));
  const auto a = c.get(qa("2.0.0.127.zen.test"));
  REQUIRE(a);
  CHECK(a->records.at(0).value == "127.0.0.2");
  CHECK_FALSE(c.get(qa("absent.test")));
  CHECK(c.stats().size == 1);
}

TEST_CASE("get with the hash its prefetch returned finds what get alone finds", "[cache]") {
  FakeClock clock;
  Cache c(CacheOptions{1000, 60s, 3600s, 5s, 4}, clock.fn());
  for (int i = 0; i < 200; ++i)
    c.put(qa(std::to_string(i) + ".0.0.127.zen.test"), a_answer({"127.0.0." + std::to_string(i % 250)}, 300));
  for (int i = 0; i < 200; ++i) {
    const auto q = qa(std::to_string(i) + ".0.0.127.zen.test");
    const auto hinted = c.get(q, c.prefetch(q));
    REQUIRE(hinted);
    CHECK(hinted->records.at(0).value == c.get(q)->records.at(0).value);
  }
  const auto absent = qa("absent.test"), too_long = qa(std::string(300, 'a'));
  CHECK_FALSE(c.get(absent, c.prefetch(absent)));
  CHECK_FALSE(c.get(too_long, c.prefetch(too_long)));
  clock.t += 301s;  // expiry is checked as before
  const auto q = qa("7.0.0.127.zen.test");
  CHECK_FALSE(c.get(q, c.prefetch(q)));
}
