#!/bin/sh
# Install Debian's Virtuoso for the remote-store tests (tests/test_remote.py), once.
# Only virtuoso-opensource-7-bin: the server binary (virtuoso-t) and isql-vt.
# That package has no init script, so nothing starts a system-wide Virtuoso;
# the tests start a private one of their own (scripts/virtuoso-serve.sh).
# Idempotent: quick when virtuoso-t is already there. Needs root (CI is root).
set -eu
if [ -x /usr/bin/virtuoso-t ] && [ -x /usr/bin/isql-vt ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "install-virtuoso: /usr/bin/virtuoso-t is missing and we are not root; the Virtuoso tests will be skipped" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends virtuoso-opensource-7-bin >/dev/null
echo "install-virtuoso: installed $(/usr/bin/virtuoso-t -? 2>&1 | head -n 2 | tail -n 1 || echo virtuoso-t)"
