#!/usr/bin/env bash
# The browser tests drive Debian's chromium (Playwright's own browser download
# cannot work offline). Install it when missing; with CI=true a failure is fatal,
# otherwise the browser tests will say what is missing.
set -uo pipefail
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] && exit 0
echo "==> installing Debian chromium for the browser tests"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
if [ -x "$CHROMIUM" ]; then exit 0; fi
if [ "${CI:-}" = "true" ]; then
  echo "chromium could not be installed (need root and apt-get); browser tests cannot run" >&2
  exit 1
fi
echo "WARNING: chromium is not installed ($CHROMIUM); install it (apt-get install chromium fonts-noto-cjk) to run the browser tests" >&2
exit 0
