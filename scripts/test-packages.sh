#!/usr/bin/env bash
# Install the Debian packages the tests use beyond Python: Chromium and ChromeDriver for the real-browser
# tests, poppler-utils (pdftotext, pdffonts) for reading back the printed PDFs, and a CJK font so that the
# browser's screenshots show Chinese (the PDFs embed their own vendored font). Only what is missing.
set -eu
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v pdftotext >/dev/null && command -v pdffonts >/dev/null || need+=(poppler-utils)
[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || need+=(fonts-wqy-zenhei)
[ ${#need[@]} -eq 0 ] && exit 0
echo "Installing ${need[*]} (Debian packages)"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
