#!/bin/sh
# What `make app` and `make test` need from the system besides Python packages, checked before
# anything is installed, with the exact command that adds what is missing (Debian and Ubuntu).
#   scripts/check_system.sh app    Python 3.11+ with venv; Pango for the PDF report (a warning)
#   scripts/check_system.sh test   the same, plus poppler (PDF pages rendered) and Chromium
#                                  (browser tests): missing ones stop `make test`
# Exit 0 when everything needed is there, 1 otherwise. `make system-deps` installs the packages.
set -u
PY="${PY:-python3}"
need="${1:-test}"
missing=""
fatal=0

have_lib() {  # a shared library the dynamic linker will find
  { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q "$1" && return 0
  ls /usr/lib/*/"$1"* /usr/lib/"$1"* /usr/lib64/"$1"* >/dev/null 2>&1
}

if ! command -v "$PY" >/dev/null 2>&1; then
  echo "missing: $PY (Python 3.11 or newer)"; missing="$missing python3"; fatal=1
elif ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "missing: Python 3.11 or newer ($PY is $("$PY" -c 'import platform; print(platform.python_version())'));" \
       "install a newer Python and run make PY=/path/to/python3.11"
  fatal=1
elif ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  echo "missing: Python's venv module (Debian packages it apart)"; missing="$missing python3-venv"; fatal=1
fi

if ! have_lib libpangoft2-1.0.so; then
  echo "missing: Pango (WeasyPrint needs it to write PDF reports)"
  missing="$missing libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
  [ "$need" = test ] && fatal=1
fi
if [ "$need" = test ]; then
  command -v pdftoppm >/dev/null 2>&1 || {
    echo "missing: pdftoppm (poppler; the PDF tests render pages)"; missing="$missing poppler-utils"; fatal=1; }
  if [ -z "${FUNDSIM_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1 \
      && ! command -v chromium-browser >/dev/null 2>&1; then
    echo "missing: Chromium (the browser tests drive it)"; missing="$missing chromium"; fatal=1
  fi
fi

if [ -n "$missing" ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo "
  echo "install with:  ${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends$missing"
  echo "(or: make system-deps)"
fi
if [ "$fatal" -ne 0 ]; then
  exit 1
fi
[ -n "$missing" ] && echo "continuing: the app runs without these, but its PDF download will not work"
exit 0
