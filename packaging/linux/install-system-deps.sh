#!/bin/sh
# Install the Debian/Ubuntu packages named in $APT when we can (root or sudo); otherwise print the
# exact command. Other systems: see the README.
set -e
[ -n "$APT" ] || exit 0
command -v dpkg-query >/dev/null 2>&1 || { echo "Not a Debian/Ubuntu system: install the equivalents of: $APT (see README)"; exit 0; }
missing=""
for p in $APT; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; else
    echo "Missing system packages. Please run:"
    echo "  sudo apt-get update && sudo apt-get install -y$missing"
    exit 1
fi
echo "Installing system packages:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
