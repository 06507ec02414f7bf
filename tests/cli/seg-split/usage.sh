# The command line: --help and --version succeed, mistakes exit 64.
. "$(dirname "$0")/../lib.sh"

run 0 seg-split --help
for option in --out --duration --name --format --init-name --playlist --start-seq \
              --quiet --progress --config --version; do
  expect_out -- "$option"
done
run 0 seg-split --version
expect_out '^[0-9]+\.[0-9]+\.[0-9]+$'

run 64 seg-split --frobnicate
expect_err "^seg-split: error: .*frobnicate"
run 64 seg-split --format avi
expect_err "format"
run 64 seg-split --name 'seg.ts' -
expect_err "^seg-split: error: --name: 'seg.ts': no %d"
run 64 seg-split --name 'a/%d.ts' -
expect_err "not a path"
run 64 seg-split -d 0 -
run 64 seg-split -d soon -
run 64 seg-split --start-seq -1 -
run 64 seg-split a.ts b.ts
expect_empty_out
run 64 seg-split --format fmp4 --init-name a/init.mp4 -
expect_err "^seg-split: error: --init-name: 'a/init.mp4': a file name"
expect_empty_out
