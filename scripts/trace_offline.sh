#!/usr/bin/env bash
# Shows that a test run sends nothing off the machine. Runs the command under
# `strace -f` (every process and thread it starts), recording each connect, sendto,
# sendmsg and sendmmsg with its destination and result, then lists the calls whose
# destination was not loopback. Exits 1 if one of them went through: only loopback
# traffic, and calls refused by the kernel (ENETUNREACH in the loopback-only namespace),
# may appear.
#
#   bash scripts/trace_offline.sh                       # the Deno suite, as `deno task test`
#   bash scripts/trace_offline.sh tests/dns_test.ts     # some test files, the same way
#   bash scripts/trace_offline.sh --no-netns tests/resolve_test.ts   # without scripts/netns.sh:
#                                                       # shows what the namespace prevents
#   bash scripts/trace_offline.sh -- npx deno task test:all   # any command (it wraps itself)
#
# Addresses that a test routes to its own loopback inside a nested namespace of its own
# (reliability_test.ts: 10.99.0.0/24, a black hole on lo) count as loopback. Needs strace.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
wrap=(sh scripts/netns.sh)
if [[ "${1:-}" == "--no-netns" ]]; then
  wrap=(env SOCKET_TEST_NETNS=0)
  shift
fi
deno="$(command -v deno || echo node_modules/.bin/deno)"
if [[ "${1:-}" == "--" ]]; then
  shift
  run=("$@")
else
  if [[ $# -eq 0 ]]; then set -- tests/; fi
  run=("${wrap[@]}" "$deno" test -A "$@")
fi
command -v strace >/dev/null || {
  echo "trace_offline: strace is not installed" >&2
  exit 2
}
log="$(mktemp "${TMPDIR:-/tmp}/socket-trace-XXXXXX")"
trap 'rm -f "$log"' EXIT
status=0
strace -f -qq --seccomp-bpf -e trace=connect,sendto,sendmsg,sendmmsg -e signal=none \
  -s 0 -o "$log" "${run[@]}" || status=$?
echo "trace_offline: the tests exited with status $status; $(wc -l <"$log") traced calls" >&2

python3 - "$log" <<'EOF'
import ipaddress, re, sys

LOCAL_ROUTED = [ipaddress.ip_network("10.99.0.0/24")]  # reliability_test's nested namespace

def local(addr: str) -> bool:
    ip = ipaddress.ip_address(addr)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_unspecified or any(ip in n for n in LOCAL_ROUTED)

pending = {}  # (pid, syscall) -> the start of a call another thread interrupted
calls = []
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"(\d+) (?:<\.\.\. (\w+) resumed>)?(.*)", line.rstrip("\n"))
    if not m:
        continue
    pid, resumed, rest = m.groups()
    if resumed:
        rest = pending.pop((pid, resumed), "") + rest
    elif rest.endswith("<unfinished ...>"):
        name = rest.split("(", 1)[0]
        pending[(pid, name)] = rest[: -len("<unfinished ...>")]
        continue
    addrs = re.findall(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)"', rest)
    result = rest.rsplit("= ", 1)[-1] if "= " in rest else "?"
    for a4, a6 in addrs:
        calls.append((rest.split("(", 1)[0].strip(), a4 or a6, result))

off = [(c, a, r) for c, a, r in calls if not local(a)]
sent = [(c, a, r) for c, a, r in off
        if not r.startswith("-1") or "EINPROGRESS" in r]
print(f"trace_offline: {len(calls)} calls to IP addresses, {len(off)} of them off loopback, "
      f"{len(sent)} of those went through")
seen = {}
for c, a, r in off:
    key = (c, a, r.split(" (")[0])
    seen[key] = seen.get(key, 0) + 1
for (c, a, r), n in sorted(seen.items()):
    print(f"  {n:5} x {c} to {a}: {r}")
sys.exit(1 if sent else 0)
EOF
exit "$status"
