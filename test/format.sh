#!/bin/bash
# Every C++ file is as .clang-format writes it (the house style, applied once to the whole tree).
# Usage: format.sh SOURCE_DIR
set -u
src=$1
fmt=$(command -v clang-format || command -v clang-format-14) || { echo "SKIP: clang-format is not installed"; exit 77; }
cd "$src" || exit 1
mapfile -t files < <(find lib milter tools test bench -name '*.cpp' -o -name '*.hpp' | sort)
if ! "$fmt" --dry-run --Werror "${files[@]}" 2>"${TMPDIR:-/tmp}/format.$$"; then
  head -30 "${TMPDIR:-/tmp}/format.$$"
  echo "FAIL: not formatted; run: clang-format -i \$(git ls-files '*.cpp' '*.hpp')"
  rm -f "${TMPDIR:-/tmp}/format.$$"
  exit 1
fi
rm -f "${TMPDIR:-/tmp}/format.$$"
echo "ok: ${#files[@]} files as .clang-format writes them"
