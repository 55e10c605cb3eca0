#!/usr/bin/env bash
# Install a built kam-xl wheel with micropip in Pyodide (the runtime of xlwings Lite) under Node.js:
#   tests/pyodide/micropip-install.sh dist/kam_xl-*.whl [workbook.xlsx]
# Needs node and npm (the npm package pyodide) and pip (micropip's wheel from PyPI). Pyodide's own packages
# (numpy, pandas, lxml, python-calamine, rich...) are fetched from the Pyodide CDN as in a browser: where the CDN
# cannot be reached, micropip still resolves them from pyodide-lock.json and says "fetch failed" for each.
# Not part of CI (CI reaches only the package registries). Results of the last run: README, "Install".
set -euo pipefail
RELEASE=314.0.8
wheel=$(realpath "$1")
book=${2:+$(realpath "$2")}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --silent "pyodide@$RELEASE"
mkdir wheels
cp "$wheel" wheels/
python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.14 -d wheels micropip
cp "$here/install.mjs" .
node install.mjs wheels ${book:+"$book"} 2>&1 | grep -v "^Loading \|^Loaded \|attempting to load from"
