// A guard in front of libmilter's packet reader: every macro packet is checked before
// libmilter parses it, and one that would make smfi_getsymval() read past its array is cut to
// its complete name/value pairs (or, with none, ends that milter connection).
#pragma once

#include <cstdint>

namespace dyn::milter {

// True when libmilter's reads go through the guard (the executable's mi_rd_cmd interposes on
// libmilter's own through the PLT); checked at start, and a warning is logged when false.
bool protocol_guard_active();

// Macro packets repaired or refused since start.
std::uint64_t malformed_macro_packets();

}  // namespace dyn::milter
