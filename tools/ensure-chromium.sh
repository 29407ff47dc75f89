#!/usr/bin/env bash
# The lead-view browser test drives the system's Chromium (playwright-core downloads no browser).
# On a machine without it, install Debian's chromium when we can (CI runs as root); otherwise say how.
set -euo pipefail
chromium="${AVISO_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "ensure-chromium: $chromium missing; installing Debian's chromium (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "ensure-chromium: no Chromium at $chromium and no root to install it: run 'sudo apt-get install chromium' or set AVISO_CHROMIUM; the browser test will fail until then" >&2
