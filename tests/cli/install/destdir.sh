# `cmake --install --prefix /usr` into a DESTDIR puts exactly the programs,
# their man pages and their completions where Debian's tools look, and
# nothing else (no test helper); the installed programs run, man finds the
# pages and bash-completion loads the installed completions.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/files.sh"

root=$T/root
DESTDIR=$root run 0 cmake --install "$build" --prefix /usr
installed=$(cd "$root" && find . -type f -o -type l | sed 's|^\./||' | LC_ALL=C sort)
expect_same_files "the install" "$(expected_files)" "$installed"

version=$(project_version)
[ -n "$version" ] || fail "no CMAKE_PROJECT_VERSION in $build/CMakeCache.txt"
for program in $(programs); do
  run 0 "$root/usr/bin/$program" --version
  expect_out "^$program \(hlswarm\) $version\$"
  run 0 "$root/usr/bin/$program" --help
  expect_out "--version"
done

# man, with only the DESTDIR on its path, finds and renders each page.
export MANPATH=$root/usr/share/man MANPAGER=cat MANWIDTH=80
run 0 man -w seg-split
expect_eq "$(cat "$T/out")" "$root/usr/share/man/man1/seg-split.1" "man -w seg-split"
run 0 man -w 7 hlswarm
expect_eq "$(cat "$T/out")" "$root/usr/share/man/man7/hlswarm.7" "man -w 7 hlswarm"
for program in $(programs); do
  run 0 man "$program"
  expect_out "^SYNOPSIS"
done

# bash-completion loads a program's completion on first use from
# $XDG_DATA_DIRS/bash-completion/completions, as it loads a package's from
# /usr/share; each installed completion then completes an option.
complete_options() { # PROGRAM: what "PROGRAM --" completes to, and where it came from
  XDG_DATA_DIRS=$root/usr/share bash -c '
    . /usr/share/bash-completion/bash_completion
    __load_completion "$1" || { echo "no completion for $1 found" >&2; exit 1; }
    function=$(complete -p "$1" | sed -n "s/.* -F \([^ ]*\) .*/\1/p")
    shopt -s extdebug
    declare -F "$function" >&2   # "name line file": the file it was loaded from
    COMP_WORDS=("$1" --); COMP_CWORD=1
    COMP_LINE="$1 --"; COMP_POINT=${#COMP_LINE}
    "$function" "$1" -- "$1"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$1"
}
for program in $(programs); do
  run 0 complete_options "$program"
  expect_err " $root/usr/share/bash-completion/completions/$program\$"
  expect_out "^--help\$"
done
