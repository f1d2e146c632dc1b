#!/usr/bin/env bash
# Installs Debian's Chromium for the web UI tests (test/ui/*.e2e.test.ts drive it with
# playwright-core; no Playwright browser download). Idempotent: does nothing when it is there.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# A font is needed to render text (DejaVu also has the symbols the UI uses).
apt-get install -y chromium fonts-dejavu-core
/usr/bin/chromium --version || true
