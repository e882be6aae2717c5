#!/bin/sh
# Checks the npm package as a user gets it: packs npm/ (built by scripts/build_npm.ts),
# installs the tarball into a fresh temporary project with `npm install` (koffi comes
# from the npm registry, so this needs network access), and runs an echo round trip
# there with `node`: the blocking API over TCP, and the asyncio API over a socketpair.
# With `bun` on PATH the same script also runs under Bun.
#
#   deno run -A scripts/build_npm.ts --no-test   # once, or after changes
#   sh scripts/check_npm_install.sh              # prints "npm install check: ok"
#
# Not run by the test suite (it needs the registry). KEEP=1 keeps the temporary folder.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -f "$root/npm/package.json" ]; then
  echo "npm/package.json missing: run \`deno run -A scripts/build_npm.ts --no-test\` first" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/socket-npm-check.XXXXXX")
if [ "${KEEP:-}" = 1 ]; then
  echo "keeping $work"
else
  trap 'rm -rf "$work"' EXIT
fi

echo "packing npm/ ..."
tarball=$(cd "$root/npm" && npm pack --silent --pack-destination "$work")
tarball="$work/$(echo "$tarball" | tail -n 1)"

mkdir "$work/app"
cd "$work/app"
printf '{ "name": "socket-npm-check", "version": "1.0.0", "private": true, "type": "module" }\n' \
  >package.json
echo "npm install $(basename "$tarball") ..."
npm install --no-audit --no-fund --loglevel=error "$tarball"

name=$(node -p "require('$root/npm/package.json').name")
cat >echo.mjs <<EOF
import * as socket from "$name";
import { sock_recv, sock_sendall } from "$name/asyncio";

// blocking API: a TCP echo round trip on loopback
const srv = socket.create_server(["127.0.0.1", 0]);
const cli = socket.create_connection(srv.getsockname(), 5);
const [conn] = srv.accept();
cli.sendall(new TextEncoder().encode("hello over tcp"));
conn.sendall(conn.recv(1024));
const tcp = new TextDecoder().decode(cli.recv(1024));
for (const s of [cli, conn, srv]) s.close();
if (tcp !== "hello over tcp") throw new Error("tcp echo: got " + JSON.stringify(tcp));

// asyncio API: an echo over a non-blocking socketpair (the reactor's off-thread wait)
const [a, b] = socket.socketpair();
a.setblocking(false);
b.setblocking(false);
const pending = sock_recv(b, 1024);
setTimeout(() => void sock_sendall(a, new TextEncoder().encode("hello async")), 50);
const got = new TextDecoder().decode(await pending);
a.close();
b.close();
if (got !== "hello async") throw new Error("async echo: got " + JSON.stringify(got));
console.log("echo ok:", tcp, "/", got);
EOF

echo "node $(node --version):"
node echo.mjs
if command -v bun >/dev/null 2>&1; then
  echo "bun $(bun --version):"
  bun echo.mjs
fi
echo "npm install check: ok"
