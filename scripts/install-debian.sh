#!/bin/sh
# Install the Debian packages some tests need, once:
#     sh scripts/install-debian.sh WHAT BINARY PACKAGE...
# e.g. install-debian.sh browser /usr/bin/chromium chromium fonts-dejavu-core.
# Idempotent: quick when BINARY is already there. Needs root (CI is root);
# without it, says so, and the WHAT tests skip with that reason.
set -eu
what=$1 binary=$2
shift 2
if [ -x "$binary" ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "install-debian: $binary is missing and we are not root; the $what tests will be skipped" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "$@" >/dev/null
echo "install-debian: installed $* for the $what tests"
