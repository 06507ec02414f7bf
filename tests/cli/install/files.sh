# What an install must hold, from the source tree (sourced by the install
# tests after lib.sh): every program in tools/, every man page in man/ and
# every completion in completions/, at the paths Debian's tools read. A new
# program, man page or completion is expected without editing this file;
# test helper programs (tests/helpers) are never expected.

top=$(cd "$HLSWARM_TESTS/.." && pwd)
build=$(dirname "$HLSWARM_BIN")

# programs: the names of tools/*/ (one folder per program).
programs() {
  local dir
  for dir in "$top"/tools/*/; do basename "$dir"; done
}

# expected_files: every path an install under /usr holds, sorted, without
# the leading /.
expected_files() {
  local f
  {
    programs | sed 's|^|usr/bin/|'
    for f in "$top"/man/*.1; do echo "usr/share/man/man1/${f##*/}"; done
    for f in "$top"/man/*.7; do echo "usr/share/man/man7/${f##*/}"; done
    for f in "$top"/completions/bash/*; do echo "usr/share/bash-completion/completions/${f##*/}"; done
    for f in "$top"/completions/zsh/_*; do echo "usr/share/zsh/vendor-completions/${f##*/}"; done
    for f in "$top"/completions/fish/*.fish; do echo "usr/share/fish/vendor_completions.d/${f##*/}"; done
  } | LC_ALL=C sort
}

# project_version: the version project() declares, which --version and the
# package carry.
project_version() {
  sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt"
}

# expect_same_files WHAT EXPECTED ACTUAL: the two sorted lists are equal,
# or the test fails showing the difference.
expect_same_files() {
  local difference
  difference=$(diff <(echo "$2") <(echo "$3")) ||
    fail "$1 differs from what the source tree asks for (< missing, > extra):"$'\n'"$difference"
}
