// The fuzz targets' invariant check: a broken one names itself, then aborts (libFuzzer saves the
// input that broke it).
#pragma once

#include <cstdio>
#include <cstdlib>

#define require(condition)                                                                    \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "invariant broken: %s (%s:%d)\n", #condition, __FILE__, __LINE__); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (0)
