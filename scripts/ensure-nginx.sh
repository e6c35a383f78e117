#!/usr/bin/env bash
# The production topology (scripts/run-prod.sh) and its tests run Debian's nginx. Install it when
# missing (root + apt-get); with CI=true a failure is fatal, otherwise run-prod.sh says what is missing.
# Only the package is installed: the project runs nginx as its own process on its own config, the
# system's nginx service is neither enabled nor started by this script.
set -uo pipefail
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] && exit 0
echo "==> installing Debian nginx for the production topology"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  # policy-rc.d 101: the package's scripts must not start the system service (port 80)
  made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -qq nginx >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq nginx >/dev/null; }; }
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
fi
if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then exit 0; fi
if [ "${CI:-}" = "true" ]; then
  echo "nginx could not be installed (need root and apt-get); the production topology tests cannot run" >&2
  exit 1
fi
echo "WARNING: nginx is not installed; install it (apt-get install nginx) for make run-prod and make test-faults" >&2
exit 0
