// The milter protocol's macro packet (SMFIC_MACRO, 'D'): a stage byte, then NUL-terminated
// strings that alternate name, value. libmilter stores them as an argv and smfi_getsymval()
// steps through it two entries at a time, so a packet with an odd number of strings, or a
// last string without its NUL, makes it read past the array (a crash from one packet; no MTA
// sends such a packet, but any client of the milter socket can). This is the pure check; the
// daemon applies it to every packet before libmilter parses it (milter/protocol_guard.cpp).
#pragma once

#include <cstddef>
#include <string_view>

namespace dyn::milterproto {

struct MacroPacket {
  std::size_t keep = 0;     // bytes to keep: the stage byte and every complete name/value pair
  std::size_t strings = 0;  // NUL-terminated strings found after the stage byte
  bool trailing = false;    // bytes after the last NUL (an unterminated string)
  // The packet is safe as it is: an even number of strings and nothing after the last NUL.
  bool intact() const { return strings % 2 == 0 && !trailing; }
};

// `packet` is the command's data after the command byte: stage byte + strings. An empty packet
// keeps 0 bytes.
MacroPacket check_macro_packet(std::string_view packet);

}  // namespace dyn::milterproto
