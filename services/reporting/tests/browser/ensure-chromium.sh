#!/usr/bin/env bash
# Install Debian's chromium and chromedriver for the reporting dashboard's browser test, if missing.
# Idempotent: does nothing when both are present. Needs root (apt-get); never downloads a browser build
# of its own. Called from `make test` before pytest.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && [ -x /usr/bin/chromedriver ]; then
  echo "chromium: $(chromium --version 2>/dev/null | head -n1)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium: not installed and no apt-get; the browser test will be skipped" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "chromium: not installed and not root; the browser test will be skipped" >&2
    exit 0
  fi
fi
echo "chromium: installing Debian's chromium and chromium-driver"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
echo "chromium: $(chromium --version 2>/dev/null | head -n1)"
