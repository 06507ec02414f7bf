# cpack makes hlswarm_VERSION_ARCH.deb: named and versioned after project(),
# depending on the libtorrent and FFmpeg libraries the programs link (read
# off them by dpkg-shlibdeps), holding exactly the programs, man pages and
# completions at Debian's paths; its programs run once unpacked.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/files.sh"

run 0 cpack --config "$build/CPackConfig.cmake" -G DEB -B "$T/package"
debs=("$T"/package/*.deb)
[ ${#debs[@]} = 1 ] && [ -f "${debs[0]}" ] || fail "cpack made ${#debs[@]} .deb files: ${debs[*]}"
deb=${debs[0]}
version=$(project_version)
expect_eq "${deb##*/}" "hlswarm_${version}_$(dpkg --print-architecture).deb" "package file name"

field() { dpkg-deb -f "$deb" "$1"; }
expect_eq "$(field Package)" hlswarm "Package"
expect_eq "$(field Version)" "$version" "Version"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
[ -n "$(field Description)" ] || fail "no Description"
depends=$(field Depends)
note "Depends: $depends"
for library in 'libtorrent-rasterbar[0-9.]+' 'libavformat[0-9]+' 'libavcodec[0-9]+' \
               'libavutil[0-9]+' 'libsqlite3-0' 'libssl3' 'libstdc\+\+6' 'libc6'; do
  grep -Eq "(^|, )$library( |,|$)" <<<"$depends" || fail "Depends lacks $library: $depends"
done

# Only regular files count: dpkg-deb -c also lists the folders.
contents=$(dpkg-deb -c "$deb" | awk '$1 ~ /^-/ { sub(/^\.\//, "", $6); print $6 }' | LC_ALL=C sort)
expect_same_files "the package" "$(expected_files)" "$contents"

# Unpacked, the stripped programs still run.
dpkg-deb -x "$deb" "$T/unpacked"
for program in $(programs); do
  run 0 "$T/unpacked/usr/bin/$program" --version
  expect_out "^$program \(hlswarm\) $version\$"
  file "$T/unpacked/usr/bin/$program" | grep -q ', stripped' || fail "$program is not stripped"
done
