#!/usr/bin/env bash
# Makes sure a Synapse homeserver is installed for the Matrix adapter's tests: its own
# virtual environment under build/ (Synapse pins many libraries the bot must not share).
# Installed once; a venv whose synapse imports is reused as it is.
set -euo pipefail
VENV="${SYNAPSE_VENV:-build/synapse-venv}"
PYTHON="${PYTHON:-python3}"
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import synapse' 2>/dev/null; then
    exit 0
fi
echo "Installing Synapse into $VENV (once)..."
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet 'matrix-synapse>=1.100,<2'
"$VENV/bin/python" -c 'import synapse; print("Synapse", synapse.__version__, "installed")'
