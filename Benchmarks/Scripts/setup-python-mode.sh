#!/bin/sh
# Installs Python mode (PyPI mode-streaming 0.7.1) into Benchmarks/.build/mode-venv for mode-compare.
# Usage (from the repository root): sh Benchmarks/Scripts/setup-python-mode.sh
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
python3 -m venv "$here/.build/mode-venv"
"$here/.build/mode-venv/bin/pip" install --quiet mode-streaming==0.7.1
"$here/.build/mode-venv/bin/python" -c 'import mode; print("python mode ready:", mode.__file__)'
