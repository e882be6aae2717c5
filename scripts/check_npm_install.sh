#!/bin/sh
# Checks the npm package as a user gets it: packs npm/ (built by scripts/build_npm.ts),
# installs the tarball into a fresh temporary project with `npm install` (koffi comes
# from the npm registry, so this needs network access), and there:
#   - runs an echo round trip from ESM (the blocking API over TCP, the asyncio API and
#     the streams over a socketpair), and a round trip from require() (CommonJS);
#   - type-checks a program importing the package and its subpaths under every
#     moduleResolution: node10 (TypeScript 5 from the registry), node16, nodenext (ESM
#     and CommonJS) and bundler.
# It runs them with `node`, with every Node binary in NODE_BINS (space-separated;
# require() is skipped on Node before 20.19 and 22.12), and with `bun` when on PATH.
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
cat >echo.mjs <<END_ESM
import * as socket from "$name";
import { sock_recv, sock_sendall } from "$name/asyncio";
import { recv_chunks, socketStreams } from "$name/streams";

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
if (got !== "hello async") throw new Error("async echo: got " + JSON.stringify(got));

// streams: a write, the end, for await
const writer = socketStreams(a).writable.getWriter();
await writer.write(new TextEncoder().encode("hello streams"));
await writer.close();
let streamed = "";
for await (const chunk of recv_chunks(b)) streamed += new TextDecoder().decode(chunk);
b.close();
if (streamed !== "hello streams") throw new Error("streams: got " + JSON.stringify(streamed));
console.log("esm ok:", tcp, "/", got, "/", streamed);
END_ESM

cat >echo.cjs <<END_CJS
const socket = require("$name");
const { sock_recv } = require("$name/asyncio");
const [a, b] = socket.socketpair();
a.sendall(new TextEncoder().encode("hello require"));
const got = new TextDecoder().decode(b.recv(100));
a.close();
b.close();
if (got !== "hello require" || typeof sock_recv !== "function") throw new Error("require: " + got);
console.log("require ok:", got);
END_CJS

cat >types.ts <<END_TS
import * as socket from "$name";
import { sock_recv } from "$name/asyncio";
import { enableNetPermissionChecks } from "$name/permissions";
import { socketStreams } from "$name/streams";
const [a, b] = socket.socketpair();
const pending: Promise<Uint8Array> = sock_recv(b, 1);
const family: number = socket.AF_INET;
// @ts-expect-error: the types are real, not any
const wrong: string = socket.AF_INET;
export { a, enableNetPermissionChecks, family, pending, socketStreams, wrong };
END_TS
cp types.ts types.mts
cp types.ts types.cts

# TypeScript 5: version 7 removed moduleResolution node10, which old projects still use.
echo "npm install typescript@5 @types/node (for the tsc checks) ..."
npm install --no-audit --no-fund --loglevel=error --save-dev typescript@5 @types/node
tsc_check() { # module moduleResolution files...
  module=$1
  resolution=$2
  shift 2
  files=$(printf '"%s",' "$@")
  printf '{ "compilerOptions": { "module": "%s", "moduleResolution": "%s", "strict": true,
    "noEmit": true, "target": "es2022", "types": ["node"] }, "files": [%s] }\n' \
    "$module" "$resolution" "${files%,}" >tsconfig.json
  ./node_modules/.bin/tsc -p tsconfig.json
  echo "tsc $(./node_modules/.bin/tsc --version), moduleResolution $resolution: ok"
}
tsc_check commonjs node10 types.ts
tsc_check node16 node16 types.mts
tsc_check nodenext nodenext types.mts types.cts
tsc_check esnext bundler types.ts

can_require() { # a Node binary: 20.19+, 22.12+, 23+
  "$1" -e 'const [a, b] = process.versions.node.split(".").map(Number);
    process.exit(a >= 23 || (a === 22 && b >= 12) || (a === 20 && b >= 19) ? 0 : 1)'
}
for node in node ${NODE_BINS:-}; do
  echo "node $("$node" --version):"
  "$node" echo.mjs
  if can_require "$node"; then "$node" echo.cjs; else echo "require(): not on this Node"; fi
done
if command -v bun >/dev/null 2>&1; then
  echo "bun $(bun --version):"
  bun echo.mjs
  bun echo.cjs
fi
echo "npm install check: ok"
