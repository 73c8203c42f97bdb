#!/usr/bin/env bash
# Statelessness, checked on the system calls: the release CLI and the C example analyse the
# samples under strace, and the analysis must
#   * open no file for writing (O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, creat),
#   * rename, unlink, truncate or create no file or directory, and
#   * create no socket (so it connects nowhere);
# and every file it opens must be on the allow-list below (the inputs, the ONNX Runtime
# library, system libraries, locale data, /proc and /sys). Traces are kept in target/strace/.
#
#   scripts/test-strace.sh
#
# Needs strace: installed with apt-get when missing and running as root (CI); otherwise the
# script fails with a message saying so. Builds what it runs (cargo build --release of the CLI
# and the C library; gcc for the example), exactly like scripts/test-c.sh does.
set -euo pipefail

cd "$(dirname "$0")/.."
root="$(pwd)"
# The library loads ONNX Runtime only from an explicit path, ORT_DYLIB_PATH, beside itself or
# through the system loader: point it at the copy `make ort` fetched (a value already set wins).
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-$root/.cache/onnxruntime/libonnxruntime.so.${ORT_VERSION:-1.31.1}}"
out="$root/target/strace"
mkdir -p "$out"

if ! command -v strace >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing strace (apt-get)"
    apt-get install -y strace >/dev/null || { apt-get update >/dev/null && apt-get install -y strace >/dev/null; }
  fi
  if ! command -v strace >/dev/null; then
    echo "test-strace: strace is not installed and cannot be installed here (needs root and apt-get)." >&2
    echo "Install it (e.g. 'sudo apt-get install strace') and run again." >&2
    exit 1
  fi
fi

./scripts/fetch-ort.sh >/dev/null
echo "==> cargo build --release (CLI, C library)"
cargo build --release --locked -p ozinstant-cli -p ozinstant-ffi
cc="${CC:-gcc}"
"$cc" -Wall -Wextra -Werror -std=c11 -O2 -Iinclude examples/c/analyze.c -o "$out/analyze" \
  -L"$root/target/release" -lozinstant -Wl,-rpath,"$root/target/release"

# Every call that opens, creates, renames or removes a path, every socket call, and the write
# side of file-system changes. (`-e trace=%file` would include stat/access calls, which read
# metadata only and are allowed anywhere.)
syscalls="open,openat,openat2,creat,truncate,ftruncate,rename,renameat,renameat2,unlink,unlinkat"
syscalls="$syscalls,mkdir,mkdirat,rmdir,link,linkat,symlink,symlinkat,mknod,mknodat,chmod,fchmodat"
syscalls="$syscalls,socket,socketpair,connect,bind,listen,accept,accept4,sendto,sendmsg"

ort_lib="$(readlink -f .cache/onnxruntime/libonnxruntime.so.* 2>/dev/null | head -n 1)"
ort_dir="$(dirname "$ort_lib")"

# Allowed files (extended regular expressions on the path as opened), and why:
allowed=(
  "^$root/samples/"             # the inputs named on the command line
  "^samples/"                   #   (as given, relative to the repository root)
  "^$root/target/release/"      # the C example's libozinstant.so (rpath) and the CLI itself
  "^$ort_dir/"                  # ONNX Runtime (.cache/onnxruntime/, dlopen'ed)
  "^/etc/ld\\.so\\."            # the dynamic loader's cache and preload list
  "^(/usr)?/lib(32|64|x32)?/"   # system libraries (libc, libstdc++, libgcc_s, libm, ...)
  "^/usr/lib/locale/"           # locale data (ONNX Runtime's C++ runtime, glibc)
  "^/usr/share/locale/"         #   and message catalogues
  "^/etc/localtime$"            # time zone, for glibc's localtime (ORT's log timestamps)
  "^/usr/share/zoneinfo/"       #   and the zone files it points to
  "^/proc/"                     # read-only introspection: CPU count, cgroup limits, maps
  "^/sys/"                      # CPU topology, cgroup quotas, PCI device classes (ORT device discovery)
  "^/dev/(null|urandom|random)$" # entropy for the request ids (getrandom's fallback)
  "^$out/analyze$"              # the C example binary
)
allow_re="$(IFS='|'; echo "${allowed[*]}")"

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# run NAME COMMAND...: runs the command under strace from an empty HOME and checks the trace.
run() {
  local name="$1"
  shift
  local trace="$out/$name.trace"
  local home
  home="$(mktemp -d)"
  echo "==> strace: $name"
  if ! HOME="$home" strace -f -qq -s 256 -e trace="$syscalls" -o "$trace" "$@" >"$out/$name.stdout" 2>"$out/$name.stderr"; then
    fail "$name exited with an error: $(tail -n 3 "$out/$name.stderr")"
  fi
  if [ -n "$(find "$home" -mindepth 1 | head -n 1)" ]; then
    fail "$name wrote under HOME: $(find "$home" -mindepth 1 | head -n 5)"
  fi
  rm -rf "$home"

  # Successful opens for writing, or creating (a failed attempt changes nothing, but is still
  # reported: nothing should even try).
  local writes
  writes="$(grep -E '\b(open|openat|openat2)\(' "$trace" | grep -E 'O_WRONLY|O_RDWR|O_CREAT|O_TRUNC' || true)"
  [ -z "$writes" ] || fail "$name opened files for writing:"$'\n'"$writes"
  local changes
  changes="$(grep -E '\b(creat|truncate|ftruncate|rename|renameat2?|unlink|unlinkat|mkdir|mkdirat|rmdir|link|linkat|symlink|symlinkat|mknod|mknodat|chmod|fchmodat)\(' "$trace" || true)"
  [ -z "$changes" ] || fail "$name changed the file system:"$'\n'"$changes"
  local sockets
  sockets="$(grep -E '\b(socket|socketpair|connect|bind|listen|accept4?|sendto|sendmsg)\(' "$trace" || true)"
  [ -z "$sockets" ] || fail "$name used sockets:"$'\n'"$sockets"

  # Every path opened successfully (result >= 0), de-duplicated.
  local opened="$out/$name.opened"
  grep -E '\b(open|openat|openat2)\(' "$trace" | grep -vE '= -1 ' |
    sed -E 's/^[0-9]+ +//; s/^[a-z0-9]+\((AT_FDCWD, )?"([^"]*)".*/\2/' | sort -u >"$opened"
  local unexpected
  unexpected="$(grep -vE "$allow_re" "$opened" || true)"
  [ -z "$unexpected" ] || fail "$name opened files outside the allow-list:"$'\n'"$unexpected"
  # The inputs were read.
  grep -q "minivision_live_image_T1.jpg" "$opened" || fail "$name: the input was not opened (trace broken?)"
  grep -q "libonnxruntime" "$opened" || fail "$name: ONNX Runtime was not opened (trace broken?)"
  echo "    $(wc -l <"$opened") files opened, all allowed; no write, no socket ($trace)"
}

samples=(samples/minivision_live_image_T1.jpg samples/minivision_spoof_print_image_F1.jpg samples/skimage_live_astronaut.png)
run cli ./target/release/ozinstant analyze "${samples[@]}" --format jsonl --no-progress
grep -q '"resolution":"SUCCESS"' "$out/cli.stdout" || fail "cli: no SUCCESS verdict in its output"
run c-example "$out/analyze" "${samples[@]}"
grep -q "minivision_live_image_T1.jpg: SUCCESS" "$out/c-example.stdout" || fail "c-example: no SUCCESS verdict"

if [ "$failures" -ne 0 ]; then
  echo "test-strace: $failures failure(s)" >&2
  exit 1
fi
echo "test-strace: passed"
