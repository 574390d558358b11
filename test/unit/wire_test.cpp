// The DNS wire codec on hand-built packets: well-formed replies, CNAME chains, and the malformed
// ones a hostile or broken server may send (each must be refused, never crash).
#include "dns/wire.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

using namespace dyn::dns;
using Bytes = std::vector<std::uint8_t>;

namespace {

void u16(Bytes& b, unsigned v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
void u32(Bytes& b, std::uint32_t v) {
  u16(b, v >> 16);
  u16(b, v & 0xffff);
}
void name(Bytes& b, const std::string& n) {
  std::size_t start = 0;
  while (start < n.size()) {
    auto dot = n.find('.', start);
    if (dot == std::string::npos) dot = n.size();
    b.push_back(static_cast<std::uint8_t>(dot - start));
    b.insert(b.end(), n.begin() + static_cast<long>(start), n.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  b.push_back(0);
}
// Header with QR=1, RD, RA and the given rcode.
Bytes header(unsigned id, unsigned qd, unsigned an, unsigned ns = 0, unsigned rcode = 0) {
  Bytes b;
  u16(b, id);
  u16(b, 0x8180 | rcode);
  u16(b, qd);
  u16(b, an);
  u16(b, ns);
  u16(b, 0);
  return b;
}
void question(Bytes& b, const std::string& n, unsigned type) {
  name(b, n);
  u16(b, type);
  u16(b, 1);
}
void a_record(Bytes& b, const std::string& owner, std::uint32_t ttl, std::array<std::uint8_t, 4> ip) {
  name(b, owner);
  u16(b, 1);
  u16(b, 1);
  u32(b, ttl);
  u16(b, 4);
  b.insert(b.end(), ip.begin(), ip.end());
}
void cname_record(Bytes& b, const std::string& owner, const std::string& target) {
  name(b, owner);
  u16(b, 5);
  u16(b, 1);
  u32(b, 60);
  Bytes t;
  name(t, target);
  u16(b, static_cast<unsigned>(t.size()));
  b.insert(b.end(), t.begin(), t.end());
}
std::optional<wire::Reply> decode(const Bytes& b, std::string* why = nullptr) {
  return wire::decode_reply(b.data(), b.size(), why);
}

}  // namespace

TEST_CASE("a query encodes and is not mistaken for a reply", "[wire]") {
  auto q = wire::encode_query(0x1234, Question{"2.0.0.127.bl.test", RrType::A});
  REQUIRE(q.size() > 12);
  CHECK(q[0] == 0x12);
  CHECK(q[1] == 0x34);
  std::string why;
  CHECK_FALSE(wire::decode_reply(q.data(), q.size(), &why));
  CHECK(why.find("QR=0") != std::string::npos);
  CHECK(wire::encode_query(1, Question{std::string(300, 'a'), RrType::A}).empty());
  CHECK(wire::encode_query(1, Question{std::string(70, 'a') + ".test", RrType::A}).empty());  // label > 63
}

TEST_CASE("an A reply decodes with ID, question, values and TTL", "[wire]") {
  Bytes b = header(77, 1, 2);
  question(b, "2.0.0.127.bl.test", 1);
  a_record(b, "2.0.0.127.bl.test", 3600, {127, 0, 0, 2});
  a_record(b, "2.0.0.127.BL.test", 3600, {127, 0, 0, 10});
  auto r = decode(b);
  REQUIRE(r);
  CHECK(r->id == 77);
  CHECK(r->question == Question{"2.0.0.127.bl.test", RrType::A});
  CHECK(r->answer.status == Status::Ok);
  REQUIRE(r->answer.records.size() == 2);
  CHECK(r->answer.records[0].value == "127.0.0.2");
  CHECK(r->answer.records[1].value == "127.0.0.10");
  CHECK(r->answer.records[0].ttl == 3600);
}

TEST_CASE("records for other names are not taken, a CNAME chain is followed", "[wire]") {
  Bytes b = header(1, 1, 3);
  question(b, "q.test", 1);
  a_record(b, "unrelated.test", 60, {127, 0, 0, 2});
  cname_record(b, "q.test", "target.test");
  a_record(b, "target.test", 60, {127, 0, 0, 4});
  auto r = decode(b);
  REQUIRE(r);
  REQUIRE(r->answer.records.size() == 1);
  CHECK(r->answer.records[0].value == "127.0.0.4");
}

TEST_CASE("a CNAME loop ends as NoData", "[wire]") {
  Bytes b = header(1, 1, 2);
  question(b, "a.test", 1);
  cname_record(b, "a.test", "b.test");
  cname_record(b, "b.test", "a.test");
  auto r = decode(b);
  REQUIRE(r);
  CHECK(r->answer.status == Status::NoData);
}

TEST_CASE("rcodes map to statuses", "[wire]") {
  struct Case {
    unsigned rcode;
    Status want;
  };
  for (auto c :
       {Case{3, Status::NxDomain}, Case{2, Status::ServFail}, Case{5, Status::Refused}, Case{4, Status::ServFail}}) {
    Bytes b = header(9, 1, 0, 0, c.rcode);
    question(b, "x.test", 1);
    auto r = decode(b);
    REQUIRE(r);
    CHECK(r->answer.status == c.want);
  }
}

TEST_CASE("malformed packets are refused with a reason, never decoded", "[wire]") {
  std::vector<std::pair<const char*, Bytes>> bad;
  bad.push_back({"empty", {}});
  bad.push_back({"short header", Bytes(5, 0)});
  {
    Bytes b = header(1, 0, 0);
    bad.push_back({"no question", b});
  }
  {
    Bytes b = header(1, 2, 0);
    question(b, "a.test", 1);
    question(b, "b.test", 1);
    bad.push_back({"two questions", b});
  }
  {
    Bytes b = header(1, 1, 1);
    question(b, "a.test", 1);
    a_record(b, "a.test", 60, {127, 0, 0, 2});
    b.resize(b.size() - 3);
    bad.push_back({"truncated record", b});
  }
  {
    Bytes b = header(1, 1, 0);
    b.push_back(0xC0);  // compression pointer to itself
    b.push_back(12);
    u16(b, 1);
    u16(b, 1);
    bad.push_back({"compression loop", b});
  }
  {
    Bytes b = header(1, 1, 0);
    b.push_back(0xC0);  // pointer past the end
    b.push_back(0xFF);
    u16(b, 1);
    u16(b, 1);
    bad.push_back({"pointer out of range", b});
  }
  {
    Bytes b = header(1, 1, 1);
    question(b, "a.test", 1);
    name(b, "a.test");
    u16(b, 1);
    u16(b, 1);
    u32(b, 60);
    u16(b, 2);  // A record with 2-byte rdata
    b.push_back(127);
    b.push_back(0);
    bad.push_back({"A rdata of the wrong length", b});
  }
  for (const auto& [what, bytes] : bad) {
    INFO(what);
    std::string why;
    CHECK_FALSE(decode(bytes, &why));
    CHECK_FALSE(why.empty());
  }
}

TEST_CASE("answer records of the wrong type or class are refused, not read as no data", "[wire]") {
  {
    Bytes b = header(1, 1, 1);
    question(b, "2.0.0.127.bl.test", 1);
    name(b, "2.0.0.127.bl.test");
    u16(b, 16);
    u16(b, 1);
    u32(b, 60);
    u16(b, 4);  // TXT for an A question
    b.push_back(3);
    b.push_back('a');
    b.push_back('b');
    b.push_back('c');
    std::string why;
    CHECK_FALSE(decode(b, &why));
    CHECK(why.find("type 16") != std::string::npos);
  }
  {
    Bytes b = header(1, 1, 1);
    question(b, "2.0.0.127.bl.test", 1);
    name(b, "2.0.0.127.bl.test");
    u16(b, 1);
    u16(b, 3);
    u32(b, 60);
    u16(b, 4);  // class CH
    b.push_back(127);
    b.push_back(0);
    b.push_back(0);
    b.push_back(2);
    std::string why;
    CHECK_FALSE(decode(b, &why));
    CHECK(why.find("class") != std::string::npos);
  }
}

TEST_CASE("a question of class CH is refused", "[wire]") {
  Bytes b = header(1, 1, 0);
  name(b, "version.bind");
  u16(b, 16);
  u16(b, 3);
  std::string why;
  CHECK_FALSE(decode(b, &why));
}
