#!/bin/sh
# Browser tests drive Debian's Chromium (Playwright's own download does not work offline).
# Install it when missing and we are allowed to; otherwise say how, and let the tests skip.
CHROMIUM="${KLA_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium (Debian package) for the browser tests …"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    exit $?
fi
echo "warning: $CHROMIUM not found; browser tests will be skipped." \
     "Install it with: sudo apt-get install -y chromium" >&2
exit 0
