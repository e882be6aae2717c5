#!/bin/sh
# Runs a command (the test suite) where nothing it sends can leave the machine: in a private
# network namespace whose only interface is loopback, and a private mount namespace whose
# /etc/hosts (a copy of the machine's), /etc/resolv.conf (a nameserver on 127.0.0.1, where
# nothing listens unless a test puts a DNS server there) and /etc/nsswitch.conf (hosts from
# files, then that nameserver) are the suite's own. Names not in /etc/hosts fail at once,
# on loopback, instead of reaching the machine's resolver.
#
#   sh scripts/netns.sh CMD [ARGS...]
#
# As root: unshare -mn. Otherwise unshare -rmn (a user namespace mapping us to root inside).
# Where no namespace can be made (no unshare, as on macOS; unshare refused; no `ip`), says
# so on stderr and runs CMD as before. Inside, SOCKET_TEST_NETNS=1: tests/offline_test.ts
# checks the isolation, and a nested call runs CMD directly. SOCKET_TEST_NETNS=0 in the
# environment opts out.
set -eu

if [ $# -eq 0 ]; then
  echo "usage: sh scripts/netns.sh CMD [ARGS...]" >&2
  exit 2
fi
case "${SOCKET_TEST_NETNS:-}" in
  1 | 0) exec "$@" ;;
esac
# macOS (and any system without util-linux's unshare) has no network namespaces: the
# tests run directly, in the machine's network, and offline_test.ts skips.
if ! command -v unshare >/dev/null 2>&1; then
  echo "netns.sh: no network namespaces here ($(uname -s) has no unshare); running the" \
    "tests directly in the machine's network (names not in /etc/hosts go to its resolver)" >&2
  SOCKET_TEST_NETNS=0 exec "$@"
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/socket-netns-XXXXXX")"
trap 'rm -rf "$dir"' EXIT
cp /etc/hosts "$dir/hosts" 2>/dev/null || printf '127.0.0.1 localhost\n' >"$dir/hosts"
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$dir/resolv.conf"
# The machine's nsswitch.conf with hosts from files and DNS only: modules such as resolve
# (systemd-resolved) or mdns would ask a daemon outside the namespace over a Unix socket.
if [ -f /etc/nsswitch.conf ]; then
  sed 's/^hosts:.*/hosts: files dns/' /etc/nsswitch.conf >"$dir/nsswitch.conf"
fi

# Run inside the new namespaces, before CMD. nscd, if any, would resolve outside: hide it.
setup='set -e
ip link set lo up
mount --bind "$0/hosts" /etc/hosts
if [ -e /etc/resolv.conf ]; then mount --bind "$0/resolv.conf" /etc/resolv.conf; fi
if [ -f "$0/nsswitch.conf" ]; then mount --bind "$0/nsswitch.conf" /etc/nsswitch.conf; fi
for d in /run/nscd /var/run/nscd; do
  if [ -d "$d" ]; then mount -t tmpfs none "$d"; fi
done'

if [ "$(id -u)" = 0 ]; then flags=-mn; else flags=-rmn; fi
if ! why="$(unshare "$flags" sh -c "$setup" "$dir" 2>&1)"; then
  echo "netns.sh: no private network namespace here (unshare $flags: ${why:-failed});" \
    "running the tests in the machine's network, as before" >&2
  SOCKET_TEST_NETNS=0 "$@"
  exit $?
fi
status=0
SOCKET_TEST_NETNS=1 unshare "$flags" sh -c "$setup
exec \"\$@\"" "$dir" "$@" || status=$?
exit $status
