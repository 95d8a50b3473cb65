#!/bin/sh
# Install the Debian packages some tests need, once:
#     sh scripts/install-debian.sh WHAT BINARY PACKAGE...
# e.g. install-debian.sh browser /usr/bin/chromium chromium fonts-dejavu-core.
# Idempotent: quick when BINARY is already there. Needs root (CI is root);
# without it, says so, and the WHAT tests skip with that reason.
# Another apt-get or dpkg at work (unattended upgrades, a second make test) is
# waited for, up to LOCK_WAIT seconds (default 600), instead of failing.
# (APT_GET and LOCK_POLL are for tests/test_install.py, which fakes apt-get.)
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
wait=${LOCK_WAIT:-600}
poll=${LOCK_POLL:-5}  # whole seconds
# apt's own lock timeout: apt-get install waits for dpkg's lock with it ...
apt="${APT_GET:-apt-get} -q -o DPkg::Lock::Timeout=$wait"
# ... but apt-get update (apt 2.6) does not wait for the lists lock: retry while another holds it
waited=0
while ! out=$($apt update 2>&1); do
    case $out in
    *"Could not get lock"* | *"Unable to lock"*)
        if [ "$waited" -ge "$wait" ]; then
            echo "$out" >&2
            echo "install-debian: another apt-get held the apt lists lock for $wait s; try again later" >&2
            exit 1
        fi
        if [ "$waited" = 0 ]; then
            echo "install-debian: waiting for another apt-get or dpkg to finish ..." >&2
        fi
        sleep "$poll"
        waited=$((waited + poll))
        ;;
    *)
        echo "$out" >&2
        exit 1
        ;;
    esac
done
$apt install -y --no-install-recommends "$@" >/dev/null
echo "install-debian: installed $* for the $what tests"
