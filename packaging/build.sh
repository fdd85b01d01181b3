#!/bin/sh
# Build the one-folder desktop bundle with PyInstaller (Linux and macOS; on Windows run the last
# command by hand). Output: $DIST/composer-app/ (and "$DIST/Composer Assistant.app" on macOS).
#
#   packaging/build.sh [--release] [--with-music21-corpus]
#
# --release refuses to build without the model in resources/models/default and the harmonizer in resources/models/harmonizer.
# Environment: PYTHON (default .venv/bin/python), DIST (default dist), WORK (default build/pyinstaller),
# ALLOW_UNLOCKED=1 (build from an environment that is not requirements.lock's).
set -eu
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
DIST=${DIST:-dist}
WORK=${WORK:-build/pyinstaller}

if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
    echo "PyInstaller is not installed: $PY -m pip install -e '.[package]'" >&2
    exit 1
fi
# The bundle is built from the locked versions (requirements.lock; `make setup` installs them).
# ALLOW_UNLOCKED=1 builds from whatever is installed (macOS and Windows, which the lock does not cover).
if [ "${ALLOW_UNLOCKED:-0}" != 1 ] && ! "$PY" packaging/lock.py --check; then
    echo "The environment differs from requirements.lock (above): make setup, or ALLOW_UNLOCKED=1." >&2
    exit 1
fi
"$PY" - <<'PYEOF'
import torch
if torch.version.cuda:
    print(f"note: torch {torch.__version__} is a CUDA build; the bundle will be gigabytes bigger.\n"
          "      For a CPU bundle: pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu")
PYEOF

start=$(date +%s)
if [ $# -gt 0 ]; then
    "$PY" -m PyInstaller --noconfirm --clean --distpath "$DIST" --workpath "$WORK" packaging/composer-app.spec -- "$@"
else
    "$PY" -m PyInstaller --noconfirm --clean --distpath "$DIST" --workpath "$WORK" packaging/composer-app.spec
fi
echo "Built $DIST/composer-app in $(( $(date +%s) - start )) s, $(du -sh "$DIST/composer-app" | cut -f1)."
echo "Try it: $DIST/composer-app/composer-app --version; $DIST/composer-app/composer-app-gui"
