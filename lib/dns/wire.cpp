// The one file of the project that includes ldns (architecture: ldns for packets only; its
// resolver calls block, so transport and timing are ours). Every ldns handle is wrapped at first touch.
#include "dns/wire.hpp"

#include <ldns/ldns.h>

#include <cstdlib>
#include <memory>

namespace dyn::dns::wire {

namespace {

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct RdfFree {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
struct CharFree {
  void operator()(char* s) const { std::free(s); }
};
struct ByteFree {
  void operator()(std::uint8_t* b) const { std::free(b); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktFree>;
using RdfPtr = std::unique_ptr<ldns_rdf, RdfFree>;

std::string rdf_text(const ldns_rdf* rdf) {
  if (rdf == nullptr) return {};
  std::unique_ptr<char, CharFree> s(ldns_rdf2str(rdf));
  return s ? std::string(s.get()) : std::string();
}

bool known_type(ldns_rr_type t) {
  switch (t) {
    case LDNS_RR_TYPE_A:
    case LDNS_RR_TYPE_NS:
    case LDNS_RR_TYPE_CNAME:
    case LDNS_RR_TYPE_SOA:
    case LDNS_RR_TYPE_PTR:
    case LDNS_RR_TYPE_MX:
    case LDNS_RR_TYPE_TXT:
    case LDNS_RR_TYPE_AAAA: return true;
    default: return false;
  }
}

// The value of an answer record in presentation form; empty when its rdata is unusable.
std::string record_value(const ldns_rr* rr, RrType type) {
  if (ldns_rr_rd_count(rr) < 1) return {};
  switch (type) {
    case RrType::A:
    case RrType::AAAA: return rdf_text(ldns_rr_rdf(rr, 0));
    case RrType::TXT: {  // its character-strings, joined, as they are (callers sanitise before showing)
      std::string text;
      for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
        const ldns_rdf* rdf = ldns_rr_rdf(rr, i);
        const std::size_t size = ldns_rdf_size(rdf);
        if (size == 0) continue;
        const std::uint8_t* data = ldns_rdf_data(rdf);
        text.append(reinterpret_cast<const char*>(data + 1), std::min<std::size_t>(data[0], size - 1));
      }
      return text;
    }
    case RrType::CNAME:
    case RrType::PTR:
    case RrType::NS: return canonical_name(rdf_text(ldns_rr_rdf(rr, 0)));
    case RrType::MX: {  // the exchange; "." for a null MX (RFC 7505: the domain takes no mail)
      if (ldns_rr_rd_count(rr) < 2) return {};
      const auto name = canonical_name(rdf_text(ldns_rr_rdf(rr, 1)));
      return name.empty() ? std::string(".") : name;
    }
    case RrType::SOA: return canonical_name(rdf_text(ldns_rr_rdf(rr, 0)));
  }
  return {};
}

constexpr int kMaxCnameChain = 8;

// RFC 2308 section 5: the negative TTL is the lesser of the SOA record's TTL and its MINIMUM field.
std::uint32_t negative_ttl(const ldns_pkt* pkt) {
  const ldns_rr_list* auth = ldns_pkt_authority(pkt);
  for (size_t i = 0; auth && i < ldns_rr_list_rr_count(auth); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(auth, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA || ldns_rr_rd_count(rr) < 7) continue;
    const std::uint32_t minimum = ldns_rdf2native_int32(ldns_rr_rdf(rr, 6));
    return std::min(minimum, ldns_rr_ttl(rr));
  }
  return 0;
}

}  // namespace

std::vector<std::uint8_t> encode_query(std::uint16_t id, const Question& question) {
  if (question.name.size() > 253) return {};
  // The empty canonical name is the root zone (asked by the resolver sanity probe).
  ldns_rdf* name = ldns_dname_new_frm_str(question.name.empty() ? "." : question.name.c_str());
  if (name == nullptr) return {};
  // ldns_pkt_query_new takes ownership of name.
  PktPtr pkt(ldns_pkt_query_new(name, static_cast<ldns_rr_type>(question.type), LDNS_RR_CLASS_IN, LDNS_RD));
  if (!pkt) return {};
  ldns_pkt_set_id(pkt.get(), id);
  ldns_pkt_set_edns_udp_size(pkt.get(), 1232);
  std::uint8_t* raw = nullptr;
  size_t size = 0;
  if (ldns_pkt2wire(&raw, pkt.get(), &size) != LDNS_STATUS_OK) return {};
  std::unique_ptr<std::uint8_t, ByteFree> owned(raw);
  return std::vector<std::uint8_t>(raw, raw + size);
}

std::optional<Reply> decode_reply(const std::uint8_t* data, std::size_t size, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<Reply> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  if (data == nullptr || size < 12) return fail("short packet");
  ldns_pkt* raw = nullptr;
  const ldns_status st = ldns_wire2pkt(&raw, data, size);
  PktPtr pkt(raw);
  if (st != LDNS_STATUS_OK || !pkt) return fail(std::string("undecodable packet: ") + ldns_get_errorstr_by_id(st));
  if (!ldns_pkt_qr(pkt.get())) return fail("not a response (QR=0)");
  const ldns_rr_list* qs = ldns_pkt_question(pkt.get());
  if (ldns_pkt_qdcount(pkt.get()) != 1 || !qs || ldns_rr_list_rr_count(qs) != 1)
    return fail("response does not carry exactly one question");
  const ldns_rr* q = ldns_rr_list_rr(qs, 0);
  if (ldns_rr_get_class(q) != LDNS_RR_CLASS_IN) return fail("question class is not IN");

  Reply reply;
  reply.id = ldns_pkt_id(pkt.get());
  reply.truncated = ldns_pkt_tc(pkt.get());
  reply.question.name = canonical_name(rdf_text(ldns_rr_owner(q)));
  reply.question.type = static_cast<RrType>(ldns_rr_get_type(q));
  if (!known_type(ldns_rr_get_type(q))) return fail("question of a type never asked");

  Answer& answer = reply.answer;
  switch (ldns_pkt_get_rcode(pkt.get())) {
    case LDNS_RCODE_NOERROR: break;
    case LDNS_RCODE_NXDOMAIN:
      answer.status = Status::NxDomain;
      answer.negative_ttl = negative_ttl(pkt.get());
      return reply;
    case LDNS_RCODE_SERVFAIL: answer = Answer::failure(Status::ServFail, "SERVFAIL"); return reply;
    case LDNS_RCODE_REFUSED: answer = Answer::failure(Status::Refused, "REFUSED"); return reply;
    default:
      answer = Answer::failure(Status::ServFail, "rcode " + std::to_string(ldns_pkt_get_rcode(pkt.get())));
      return reply;
  }

  answer.authoritative = ldns_pkt_aa(pkt.get());
  // Collect records of the asked type owned by the question name, following a CNAME chain
  // (a bounded number of steps, so a CNAME loop ends as NoData rather than spinning).
  const ldns_rr_list* an = ldns_pkt_answer(pkt.get());
  const size_t count = an ? ldns_rr_list_rr_count(an) : 0;
  std::string owner = reply.question.name;
  for (int step = 0; step <= kMaxCnameChain; ++step) {
    std::string next;
    for (size_t i = 0; i < count; ++i) {
      const ldns_rr* rr = ldns_rr_list_rr(an, i);
      if (canonical_name(rdf_text(ldns_rr_owner(rr))) != owner) continue;
      const auto type = ldns_rr_get_type(rr);
      // A record for the asked name (or its alias) of another class, or of a type that is
      // neither the asked one nor an alias, is no answer to our question: refuse the reply.
      if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) return fail("answer record of class other than IN");
      if (type != static_cast<ldns_rr_type>(reply.question.type) && type != LDNS_RR_TYPE_CNAME &&
          type != LDNS_RR_TYPE_RRSIG)
        return fail("answer record of type " + std::to_string(type) + " for a question of type " +
                    std::string(to_string(reply.question.type)));
      if (type == static_cast<ldns_rr_type>(reply.question.type)) {
        std::string value = record_value(rr, reply.question.type);
        if (value.empty()) return fail("answer record with unusable rdata");
        answer.records.push_back(Record{reply.question.type, ldns_rr_ttl(rr), std::move(value)});
      } else if (type == LDNS_RR_TYPE_CNAME && next.empty()) {
        next = record_value(rr, RrType::CNAME);
      }
    }
    if (!answer.records.empty() || next.empty()) break;
    owner = next;
  }
  answer.status = answer.records.empty() ? Status::NoData : Status::Ok;
  if (answer.status == Status::NoData) answer.negative_ttl = negative_ttl(pkt.get());
  return reply;
}

std::vector<std::uint8_t> frame_for_tcp(const std::vector<std::uint8_t>& message) {
  if (message.empty() || message.size() > 0xffff) return {};
  std::vector<std::uint8_t> out{static_cast<std::uint8_t>(message.size() >> 8),
                                static_cast<std::uint8_t>(message.size())};
  out.insert(out.end(), message.begin(), message.end());
  return out;
}

std::optional<std::span<const std::uint8_t>> first_framed_message(std::span<const std::uint8_t> received) {
  if (received.size() < 2) return std::nullopt;
  const std::size_t length = (std::size_t{received[0]} << 8) | received[1];
  if (received.size() - 2 < length) return std::nullopt;
  return received.subspan(2, length);
}

}  // namespace dyn::dns::wire
