// Random bytes for DNS query ids and incident ids, from the kernel's CSPRNG (arc4random_buf),
// fetched 512 bytes at a time per thread: glibc 2.36 makes one getrandom system call per
// arc4random call, and a cold burst asks for one id per DNS query. No byte is handed out twice;
// a child process (fork) starts with an empty buffer, so it never repeats its parent's bytes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dyn::util {

// Fills `out` with `size` random bytes.
void random_bytes(void* out, std::size_t size);

// A uniformly random 16-bit value (a DNS query id).
std::uint16_t random_u16();

}  // namespace dyn::util
