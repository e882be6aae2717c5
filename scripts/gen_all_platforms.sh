#!/usr/bin/env bash
# Regenerates every Linux constants table this machine can produce, then names.ts.
#
#   bash scripts/gen_all_platforms.sh            # install what is missing, generate all
#   bash scripts/gen_all_platforms.sh --no-install
#
# Runs on Debian/Ubuntu x86_64 as root (apt-get for what is missing; idempotent).
# Writes constants/linux_x86_64_gnu.ts, linux_x86_64_musl.ts, linux_aarch64_gnu.ts,
# linux_aarch64_musl.ts and constants/names.ts (the host table goes last, so names.ts
# is regenerated from all four). darwin_* tables are generated on a Mac with plain
# `deno run -A scripts/gen_constants.ts`.
#
# How each target is compiled:
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

gen linux_aarch64_gnu "aarch64-linux-gnu-gcc" "qemu-aarch64-static -L /usr/aarch64-linux-gnu"
gen linux_aarch64_musl \
  "aarch64-linux-gnu-gcc -specs /usr/lib/aarch64-linux-musl/musl-gcc.specs -isystem $KH/aarch64" \
  "qemu-aarch64-static"
gen linux_x86_64_musl "musl-gcc -isystem $KH/x86_64"
gen linux_x86_64_gnu "cc"
