#!/bin/bash
# Usage: check.sh CXX LAYER_DIR... (the include path of the config library: its folder and those
# it uses). config/config.hpp must compile with it; a policy header (policy uses config, so it sits
# above) must not be found. Both are checked, so the test fails if the layers were flattened
# into one include path as much as if config stopped compiling on its own.
set -u
cxx=$1; shift
flags=(-std=c++20 -fsyntax-only -x c++)
for d in "$@"; do flags+=(-I "$d"); done
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# Boost and fmt come from the system include path.
echo '#include "config/config.hpp"' > "$work/down.cpp"
echo '#include "policy/policy.hpp"' > "$work/up.cpp"
if ! "$cxx" "${flags[@]}" "$work/down.cpp" 2> "$work/down.err"; then
  echo "FAIL: config/config.hpp does not compile with config's own include path:"; head -5 "$work/down.err"; exit 1
fi
echo "ok: config/config.hpp compiles with config's include path ($*)"
if "$cxx" "${flags[@]}" "$work/up.cpp" 2> "$work/up.err"; then
  echo "FAIL: policy/policy.hpp was found from config's include path: the layers are not enforced"; exit 1
fi
if ! grep -q "policy/policy.hpp: No such file" "$work/up.err"; then
  echo "FAIL: including policy/policy.hpp failed for another reason:"; head -5 "$work/up.err"; exit 1
fi
echo "ok: policy/policy.hpp is not reachable from config (No such file)"
