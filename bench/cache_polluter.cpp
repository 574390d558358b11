// cache_polluter: a neighbour that keeps the CPU's caches cold. It writes one byte in every 64 of
// MB megabytes, round and round, until killed. Run at the lowest priority on the same CPU as a
// benchmark's processes, it runs whenever they wait, so each of their stages starts with its data
// out of the caches (bench/warm_path.sh's POLLUTE_MB).
//   cache_polluter [MB]     (default 64)
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  const long mb = argc > 1 ? std::atol(argv[1]) : 64;
  if (mb <= 0) {
    std::fprintf(stderr, "usage: cache_polluter [MB]  (MB > 0)\n");
    return 2;
  }
  std::vector<unsigned char> memory(static_cast<std::size_t>(mb) << 20);
  volatile unsigned char* p = memory.data();  // volatile: every write is made
  for (;;)
    for (std::size_t i = 0; i < memory.size(); i += 64) p[i] = static_cast<unsigned char>(p[i] + 1);
}
