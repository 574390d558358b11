#include "util/random.hpp"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <pthread.h>

namespace dyn::util {

namespace {

struct Pool {
  unsigned char bytes[512];
  std::size_t left = 0;  // the unused bytes are the last `left` ones
};

thread_local Pool pool;

// In a child, only the thread that called fork() exists: emptying its buffer is enough.
void empty_after_fork() { pool.left = 0; }

}  // namespace

void random_bytes(void* out, std::size_t size) {
  static std::once_flag registered;
  std::call_once(registered, [] { ::pthread_atfork(nullptr, nullptr, empty_after_fork); });
  auto* to = static_cast<unsigned char*>(out);
  while (size > 0) {
    if (pool.left == 0) {
      ::arc4random_buf(pool.bytes, sizeof pool.bytes);
      pool.left = sizeof pool.bytes;
    }
    const std::size_t n = size < pool.left ? size : pool.left;
    std::memcpy(to, pool.bytes + sizeof pool.bytes - pool.left, n);
    pool.left -= n;
    to += n;
    size -= n;
  }
}

std::uint16_t random_u16() {
  std::uint16_t v;
  random_bytes(&v, sizeof v);
  return v;
}

}  // namespace dyn::util
