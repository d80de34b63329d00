#!/usr/bin/env bash
# Install what JavaScript rendering needs, outside the project's own virtualenv:
#   - Debian's Qt5 WebKit/WebEngine, Xvfb and python3-venv (Splash 3.5 runs on them);
#   - Debian's chromium (Playwright drives it; no browser is downloaded);
#   - a separate venv for Splash, made from Debian's /usr/bin/python3 with
#     --system-site-packages so that Debian's PyQt5 is visible, with splash==3.5.
# Splash then runs as:  "$SPLASH_VENV/bin/python" -m newsbot.runtime.splash_server --port 8050
# (from the checkout, or with the checkout on PYTHONPATH); see the README section "Rendering
# JavaScript pages" and deploy/newsbot-splash.service.
#
# Usage: deploy/install-splash.sh [SPLASH_VENV]   (default: <checkout>/.venv-splash, git-ignored)
# Needs root (apt-get). Idempotent: a second run installs nothing new. About 60-90 s on a
# fresh Debian 12 machine, almost all of it unpacking the ~130 Debian packages.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-${NEWSBOT_SPLASH_VENV:-$here/.venv-splash}}

debs=(python3-pyqt5 python3-pyqt5.qtwebkit python3-pyqt5.qtwebengine python3-venv xvfb chromium)
missing=()
for pkg in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "install-splash: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq -o DPkg::Lock::Timeout=600
    apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's Python, not the first python3 on PATH: only it sees Debian's PyQt5.
if [ ! -x "$venv/bin/python" ]; then
    echo "install-splash: creating $venv"
    /usr/bin/python3 -m venv --system-site-packages "$venv"
fi
# lupa: Splash needs its Lua 5.2 runtime (lupa.lua52), which the launcher selects.
"$venv/bin/pip" install -q --disable-pip-version-check 'splash==3.5' qt5reactor lupa
"$venv/bin/python" -c 'import PyQt5.QtWebKit, PyQt5.QtWebEngineWidgets, lupa.lua52, splash' \
    || { echo "install-splash: Splash's venv at $venv cannot import its Qt/Lua parts" >&2; exit 1; }
echo "install-splash: Splash 3.5 ready in $venv; chromium at $(command -v chromium)"
