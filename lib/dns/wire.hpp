// DNS wire format: build a query, decode a reply. The only interface to ldns (see wire.cpp).
#pragma once

#include "dns/types.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace dyn::dns::wire {

// A recursive (RD) query with EDNS0 advertising a 1232-byte UDP payload (the DNS flag day 2020
// size that avoids IP fragmentation). Empty when the name cannot be encoded (too long, bad label).
std::vector<std::uint8_t> encode_query(std::uint16_t id, const Question& question);

struct Reply {
  std::uint16_t id = 0;
  bool truncated = false;
  Question question;
  Answer answer;
};

// Decodes a reply. nullopt (with *error set) for anything that is not a well-formed response to
// exactly one IN question: garbage, truncation, a query (QR=0), compression loops, bad rdata.
std::optional<Reply> decode_reply(const std::uint8_t* data, std::size_t size, std::string* error);

// DNS over TCP (RFC 1035 4.2.2, RFC 7766): each message goes after its length in two bytes,
// network order. The framed query; empty when the message is empty or longer than 65,535 bytes.
std::vector<std::uint8_t> frame_for_tcp(const std::vector<std::uint8_t>& message);

// The first message in what has arrived on a TCP connection so far: nullopt while its length or
// any of its bytes are still missing. Bytes after it are not part of it (and are ignored).
std::optional<std::span<const std::uint8_t>> first_framed_message(std::span<const std::uint8_t> received);

}  // namespace dyn::dns::wire
