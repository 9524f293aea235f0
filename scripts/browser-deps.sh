#!/usr/bin/env bash
# What the browser tests (tests/browser) need beside Rust: Debian's chromium, its
# chromedriver and a Chinese font, installed with apt-get when missing, and axe-core (the
# accessibility checker injected into every page), installed from the lockfile in
# tests/browser/ when it is not there yet. Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[browser-deps] %s\n' "$*" >&2; }

# --- chromium + chromedriver, and a Chinese font ---------------------------------
# Without a CJK font every Chinese character renders as an empty box: screenshots are
# unreadable and text measures differently from a real user's. fonts-noto-cjk is the font
# Debian's own desktop uses.
packages=()
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  log "chromium and chromedriver present ($(/usr/bin/chromium --version 2>/dev/null || echo '?'))"
else
  packages+=(chromium chromium-driver)
fi
if command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null | head -n 1)" ]; then
  log "a Chinese font is present ($(fc-match "sans-serif:lang=zh-cn" family 2>/dev/null || echo ?))"
else
  packages+=(fonts-noto-cjk)
fi
if [ "${#packages[@]}" -gt 0 ]; then
  sudo=()
  if [ "$(id -u)" != 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      log "missing: ${packages[*]}. Install them (Debian: apt-get install ${packages[*]}) or run this script as root."
      exit 1
    fi
    sudo=(sudo)
  fi
  log "apt-get update"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  log "installing ${packages[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  log "installed ${packages[*]}"
fi

# --- axe-core ---------------------------------------------------------------
# Pinned to one exact version in tests/browser/package.json and package-lock.json, so every
# run checks pages against the same rules.
if [ -f tests/browser/node_modules/axe-core/axe.min.js ]; then
  log "axe-core present ($(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' tests/browser/node_modules/axe-core/package.json | head -n 1))"
else
  if ! command -v npm >/dev/null 2>&1; then
    log "npm is missing. Install it (Debian: apt-get install npm) to fetch axe-core."
    exit 1
  fi
  log "npm ci --prefix tests/browser (axe-core)"
  npm ci --prefix tests/browser --no-audit --no-fund
fi
