#!/bin/sh
# Install Debian's chromium for the browser tests (tests/browser/), once.
# Idempotent: quick when /usr/bin/chromium is already there. Needs root (CI is root).
set -eu
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "install-browser: /usr/bin/chromium is missing and we are not root; the browser tests will be skipped" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "install-browser: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
