// cache_polluter: a neighbour that keeps the CPU's caches cold. It writes one byte in every 64 of
// MB megabytes, round and round, until killed. Run at the lowest priority on the same CPU as a
// benchmark's processes, it runs whenever they wait, so each of their stages starts with its data
// out of the caches (bench/warm_path.sh's POLLUTE_MB).
// With "huge", its memory is asked for in 2 MB pages (MADV_HUGEPAGE): it then evicts as many cache
// lines but only a few dozen TLB entries, which tells the two kinds of cold apart.
//   cache_polluter [MB [huge]]     (default 64)
#include <sys/mman.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  const long mb = argc > 1 ? std::atol(argv[1]) : 64;
  const bool huge = argc > 2 && std::strcmp(argv[2], "huge") == 0;
  if (mb <= 0 || (argc > 2 && !huge)) {
    std::fprintf(stderr, "usage: cache_polluter [MB [huge]]  (MB > 0)\n");
    return 2;
  }
  constexpr std::size_t kHugePage = std::size_t{2} << 20;
  const std::size_t size =
      ((static_cast<std::size_t>(mb) << 20) + kHugePage - 1) & ~(kHugePage - 1);  // whole 2 MB pages
  auto* memory = static_cast<unsigned char*>(std::aligned_alloc(kHugePage, size));
  if (memory == nullptr) {
    std::perror("cache_polluter: aligned_alloc");
    return 1;
  }
  if (huge && ::madvise(memory, size, MADV_HUGEPAGE) != 0) std::perror("cache_polluter: madvise(MADV_HUGEPAGE)");
  std::memset(memory, 1, size);
  volatile unsigned char* p = memory;  // volatile: every write is made
  for (;;)
    for (std::size_t i = 0; i < size; i += 64) p[i] = static_cast<unsigned char>(p[i] + 1);
}
