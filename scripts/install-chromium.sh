#!/usr/bin/env bash
# Makes sure a headless-capable Chromium is on this machine and prints its
# path on standard output (one line). Uses the one already installed when
# there is one (quick: no package manager is asked); otherwise installs
# Debian's `chromium` package with apt-get (needs root, as CI runs).
#
#   CHROMIUM=$(scripts/install-chromium.sh)
#
# Set CHROMIUM to a browser binary to use that one instead.
set -euo pipefail

find_chromium() {
  if [ -n "${CHROMIUM:-}" ] && [ -x "$CHROMIUM" ]; then
    echo "$CHROMIUM"
    return 0
  fi
  local name
  for name in chromium chromium-browser google-chrome-stable google-chrome; do
    if command -v "$name" >/dev/null 2>&1; then
      command -v "$name"
      return 0
    fi
  done
  return 1
}

if path=$(find_chromium); then
  echo "$path"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: no chromium found and no apt-get to install it; set CHROMIUM" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install-chromium: no chromium found; installing it needs root (or sudo)" >&2
    exit 1
  fi
fi
echo "install-chromium: installing Debian's chromium package" >&2
export DEBIAN_FRONTEND=noninteractive
# The package lists may be missing or old on a fresh machine: refresh them
# when the first try cannot find the package.
if ! $sudo apt-get install -y -q --no-install-recommends chromium >&2; then
  $sudo apt-get update -q >&2
  $sudo apt-get install -y -q --no-install-recommends chromium >&2
fi
if path=$(find_chromium); then
  echo "$path"
else
  echo "install-chromium: chromium was installed but is not on PATH" >&2
  exit 1
fi
