#!/usr/bin/env bash
# Create .venv/ with the pinned dependency set (idempotent and fast when nothing changed).
# See requirements/README.md for why Rasa is installed this way.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
STAMP=$VENV/.installed

# Settlement certificates embed a CJK TrueType font (bot/certificates/pdf.py);
# Debian's fonts-wqy-zenhei is the default (BOT_CERTIFICATE_FONT overrides it).
FONT=${BOT_CERTIFICATE_FONT:-/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc}
if [ ! -f "$FONT" ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "==> installing the CJK font for settlement certificates (fonts-wqy-zenhei)"
    apt-get install -y -q fonts-wqy-zenhei >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null && apt-get install -y -q fonts-wqy-zenhei >/dev/null; } \
      || echo "warning: could not install fonts-wqy-zenhei; settlement certificates will fail until it is installed" >&2
  else
    echo "warning: $FONT is missing; certificates need it: sudo apt-get install fonts-wqy-zenhei" >&2
  fi
fi
want=$(cat requirements/lock.txt scripts/setup.sh | sha256sum | cut -d' ' -f1)

scripts/ensure-chromium.sh  # for the browser tests; instant when present
scripts/ensure-nginx.sh     # for the production topology (make run-prod, make test-faults)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  exit 0
fi

version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
case "$version" in
  3.10|3.11) ;;
  *) echo "Python 3.10 or 3.11 is required (found $version at $(command -v "$PYTHON"))." >&2; exit 1 ;;
esac

echo "==> creating $VENV with Python $version (first run downloads ~1 GB; later runs are instant)"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade "pip>=23.2"
"$VENV/bin/pip" install --quiet --no-deps --ignore-requires-python rasa==3.6.21 rasa-sdk==3.6.2
"$VENV/bin/pip" install --quiet --no-deps -r requirements/lock.txt
"$VENV/bin/python" -c "import rasa, rasa_sdk, spacy, jieba, sqlalchemy, alembic, opencc, reportlab, pypdf, playwright, pypinyin, kubernetes_validate" \
  || { echo "dependency check failed" >&2; exit 1; }
echo "$want" > "$STAMP"
echo "==> $VENV ready"
