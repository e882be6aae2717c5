#!/usr/bin/env bash
# Runs the test suite on linux-aarch64 (glibc) under qemu-user, with the arm64 Deno.
#
#   bash scripts/run_aarch64.sh                          # every test in tests/
#   bash scripts/run_aarch64.sh tests/inet_test.ts       # some tests (args go to `deno test`)
#   bash scripts/run_aarch64.sh --check-only             # set up, print Deno.build and the platform
#
# Needs a Debian/Ubuntu x86_64 host, root (apt-get) and the npm registry. Idempotent: installs
# only what is missing:
#   - qemu-user-static and the arm64 glibc runtime (libc6-arm64-cross, libgcc-s1-arm64-cross,
#     which live in the sysroot /usr/aarch64-linux-gnu), and the cross compiler
#     (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross) for the test that re-runs the generator;
#   - the arm64 Deno, the npm package @deno/linux-arm64-glibc at the version of the repo's
#     `deno` devDependency, unpacked into ${XDG_CACHE_HOME:-~/.cache}/socket-aarch64/ (never
#     added to package.json);
#   - a binfmt_misc entry for aarch64 ELF files (qemu's own, from /usr/lib/binfmt.d), so that
#     the arm64 Deno the tests spawn as a child (process.execPath) runs under qemu too. Without
#     it (no binfmt_misc in a container) those few tests fail with "Exec format error"; the
#     rest still runs. Children that are host programs (python3, the oracle; sh; unshare) run
#     natively either way: they only talk to the port over sockets, pipes and files.
#
# The tests run as `qemu-aarch64-static deno test -A tests/` with QEMU_LD_PREFIX pointing at the
# sysroot (inherited by arm64 children started through binfmt). Python's answers come from the
# host's x86_64 python3: equal to aarch64 for every socket constant, but not for struct layouts
# that differ by architecture (struct stat), which constants_test compares through ctypes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SYSROOT=/usr/aarch64-linux-gnu
QEMU=qemu-aarch64-static
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/socket-aarch64"

if [[ "$(uname -m)" != "x86_64" || ! -f /etc/debian_version ]]; then
  echo "run_aarch64: needs a Debian/Ubuntu x86_64 host" >&2
  exit 1
fi

# 1. Debian packages.
need=""
for p in qemu-user-static libc6-arm64-cross libgcc-s1-arm64-cross gcc-aarch64-linux-gnu \
  libc6-dev-arm64-cross; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
done
if [[ -n "$need" ]]; then
  echo "run_aarch64: installing$need" >&2
  apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >&2
fi

# 2. The arm64 Deno, same version as the repo's.
version="$(node -p 'require(process.argv[1]).devDependencies.deno' "$ROOT/package.json")"
DENO="$CACHE/deno-$version/deno"
if [[ ! -x "$DENO" ]]; then
  echo "run_aarch64: fetching @deno/linux-arm64-glibc@$version" >&2
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "@deno/linux-arm64-glibc@$version" >/dev/null)
  mkdir -p "$CACHE/deno-$version"
  tar -xzf "$tmp"/deno-linux-arm64-glibc-*.tgz -C "$tmp"
  install -m 0755 "$tmp/package/deno" "$DENO"
  rm -rf "$tmp"
fi

# 3. binfmt_misc, for arm64 children (best effort).
BINFMT=/proc/sys/fs/binfmt_misc
if [[ ! -e $BINFMT/register ]]; then
  mount -t binfmt_misc binfmt_misc $BINFMT 2>/dev/null || true
fi
if [[ -e $BINFMT/register && ! -e $BINFMT/qemu-aarch64 ]]; then
  cat /usr/lib/binfmt.d/qemu-aarch64.conf >$BINFMT/register 2>/dev/null || true
fi
if [[ -e $BINFMT/qemu-aarch64 ]] && grep -q enabled $BINFMT/qemu-aarch64; then
  echo "run_aarch64: binfmt_misc runs aarch64 children under qemu" >&2
else
  echo "run_aarch64: warning: no binfmt_misc entry for aarch64; tests that spawn" \
    "the arm64 deno as a child will fail with 'Exec format error'" >&2
fi

# 4. Run.
export QEMU_LD_PREFIX="$SYSROOT"
export DENO_DIR="$CACHE/deno_dir" # the arm64 Deno's own cache
export DENO_NO_UPDATE_CHECK=1
export SOCKET_TEST_UNDER_QEMU=1 # lets a test skip what qemu-user does not emulate
# Every Deno (the suite and the children it starts) runs ~10-20x slower under qemu-user: the
# tests' upper limits and children's time limits are multiplied by this (tests/helpers/timing.ts).
export SOCKET_TEST_SLOWDOWN="${SOCKET_TEST_SLOWDOWN:-10}"
# For the test that re-runs scripts/gen_constants.ts: it must target aarch64, as the table does.
if command -v aarch64-linux-gnu-gcc >/dev/null && [[ -e $SYSROOT/include/stdio.h ]]; then
  export CC=aarch64-linux-gnu-gcc RUNNER="$QEMU -L $SYSROOT"
else
  echo "run_aarch64: note: gcc-aarch64-linux-gnu/libc6-dev-arm64-cross missing; the" \
    "generator test will compile for the host and fail (SKIP_GEN_CONSTANTS_TEST=1 skips it)" >&2
fi
cd "$ROOT"
if [[ "${1:-}" == "--check-only" ]]; then
  exec "$QEMU" "$DENO" eval --quiet \
    'import { platformId } from "./ffi/platform.ts";
     import { table } from "./constants/mod.ts";
     console.log(Deno.build.target, Deno.build.arch, platformId, table.platform,
       JSON.stringify(table.layouts.epoll_event));'
fi
if [[ $# -eq 0 ]]; then set -- tests/; fi
# In a private, loopback-only network namespace, as `deno task test` (scripts/netns.sh).
exec sh scripts/netns.sh "$QEMU" "$DENO" test -A "$@"
