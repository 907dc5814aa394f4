#!/usr/bin/env bash
# Check (and, as root with apt, install) the system packages dxcommunity needs outside Python.
#
# Usage: scripts/system_deps.sh run|test
#   run   Python >= 3.11 with venv, Pango (WeasyPrint renders the DX推進計画書 PDF), a Japanese font
#   test  the same, plus Chromium at /usr/bin/chromium (end-to-end tests) and pdftotext (PDF tests)
#
# Everything present: prints nothing and makes no apt call. Something missing: as root with apt-get,
# installs the Debian packages; otherwise names the missing packages, prints the command and exits 1.
# Environment: DXC_NO_INSTALL=1 reports instead of installing even as root.
set -euo pipefail

mode="${1:-run}"
case "$mode" in
run | test) ;;
*)
    echo "usage: $0 run|test" >&2
    exit 2
    ;;
esac

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"

missing=()  # Debian package names
reasons=()  # one line per package: what it is for

need() { # need <package> <reason>
    local pkg
    for pkg in "${missing[@]+"${missing[@]}"}"; do
        [ "$pkg" = "$1" ] && return 0
    done
    missing+=("$1")
    reasons+=("  $1: $2")
}

# Python 3.11 or newer; nothing else works without it, so stop here.
if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "error: $PYTHON not found. dxcommunity needs Python 3.11 or newer (Debian 12: apt-get install python3)." >&2
    exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "error: dxcommunity needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version 2>&1)." >&2
    echo "       Install a newer Python or run: make $mode PYTHON=/path/to/python3.11" >&2
    exit 1
fi

# The virtual environment needs ensurepip, which Debian ships separately (python3-venv).
if [ ! -x "$VENV/bin/python" ] && ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    need python3-venv "creates the virtual environment in $VENV (python3 -m venv)"
fi

# WeasyPrint loads Pango through ctypes; find_library asks ldconfig, so this works without root.
if ! "$PYTHON" -c 'import ctypes.util, sys; sys.exit(not ctypes.util.find_library("pango-1.0"))'; then
    need libpango-1.0-0 "Pango, used by WeasyPrint to render PDFs"
fi
if ! "$PYTHON" -c 'import ctypes.util, sys; sys.exit(not ctypes.util.find_library("pangoft2-1.0"))'; then
    need libpangoft2-1.0-0 "Pango's FreeType backend, used by WeasyPrint"
fi

# A Japanese font: without one, every Japanese character in a PDF is a missing-glyph box.
if command -v fc-list >/dev/null 2>&1; then
    if [ -z "$(fc-list :lang=ja family 2>/dev/null | head -n 1)" ]; then
        need fonts-noto-cjk "a Japanese font (Noto Sans/Serif CJK JP) for the PDFs"
    fi
else
    need fontconfig "fc-list/fc-cache, to find and index fonts"
    need fonts-noto-cjk "a Japanese font (Noto Sans/Serif CJK JP) for the PDFs"
fi

if [ "$mode" = test ]; then
    if [ ! -x /usr/bin/chromium ]; then
        need chromium "headless Chromium at /usr/bin/chromium for the end-to-end tests (Playwright)"
    fi
    if ! command -v pdftotext >/dev/null 2>&1; then
        need poppler-utils "pdftotext, used by the tests to read generated PDFs"
    fi
fi

can_install=0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ "${DXC_NO_INSTALL:-0}" != 1 ]; then
    can_install=1
fi

# gettext (msgfmt) compiles the English translations. Optional: installed where we can install,
# otherwise only suggested (make prints a note), and the UI stays Japanese-only.
optional=()
if ! command -v msgfmt >/dev/null 2>&1; then
    if [ "$can_install" = 1 ]; then
        need gettext "msgfmt, to compile the English translations"
    elif [ "${DXC_RECHECK:-0}" != 1 ]; then
        optional+=(gettext)
    fi
fi

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "Missing system packages for 'make $mode':"
printf '%s\n' "${reasons[@]}"

if [ "${DXC_RECHECK:-0}" = 1 ]; then
    exit 1
fi
if [ "$can_install" = 0 ]; then
    echo
    if command -v apt-get >/dev/null 2>&1; then
        echo "Install them (Debian/Ubuntu) and run 'make $mode' again:"
        echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]} ${optional[*]-}"
    else
        echo "Install the equivalents of these Debian packages with your system's package manager:"
        echo "  ${missing[*]}"
    fi
    exit 1
fi

echo "Installing them with apt-get (running as root) ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if command -v fc-cache >/dev/null 2>&1; then
    fc-cache -f >/dev/null 2>&1 || true
fi

# Check again: a package name that exists but does not provide what we look for must not pass silently.
if DXC_NO_INSTALL=1 DXC_RECHECK=1 "$0" "$mode"; then
    echo "System packages installed: ${missing[*]}"
else
    echo "error: apt-get install ran, but the packages above are still not usable." >&2
    exit 1
fi
