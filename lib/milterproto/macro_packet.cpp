#include "milterproto/macro_packet.hpp"

namespace dyn::milterproto {

MacroPacket check_macro_packet(std::string_view packet) {
  MacroPacket out;
  if (packet.empty()) return out;
  out.keep = 1;  // the stage byte
  std::size_t pos = 1;
  while (pos < packet.size()) {
    const auto nul = packet.find('\0', pos);
    if (nul == std::string_view::npos) {
      out.trailing = true;
      break;
    }
    ++out.strings;
    pos = nul + 1;
    if (out.strings % 2 == 0) out.keep = pos;  // a name and its value, both terminated
  }
  return out;
}

}  // namespace dyn::milterproto
