#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (Playwright's own browser download cannot work here).
# Exit 0 when Chromium is on PATH, installing it first where we can (root and apt-get);
# otherwise say once why the browser tests will be skipped, and exit 1.
set -u
command -v chromium >/dev/null 2>&1 && exit 0
if [ "${FITKART_SKIP_BROWSER:-}" = "1" ]; then
    exit 1
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's Chromium for the browser tests (once, about a minute)..."
    if apt-get update -qq >/dev/null 2>&1 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 &&
        command -v chromium >/dev/null 2>&1; then
        exit 0
    fi
    echo "Could not install Chromium with apt-get." >&2
fi
echo "Browser tests will be skipped: Chromium is not installed and this user cannot install" \
    "it. To run them: sudo apt-get install chromium, then make test again." >&2
exit 1
