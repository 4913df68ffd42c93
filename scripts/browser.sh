#!/usr/bin/env bash
# Install Debian's Chromium and ChromeDriver for the real-browser tests when they are missing.
set -eu
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then exit 0; fi
echo "Installing chromium and chromium-driver (Debian packages)"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
