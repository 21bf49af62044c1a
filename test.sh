#!/usr/bin/env bash
# Set up (first time only) and run the whole test suite, then the linters and the type checker.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
.venv/bin/python -m pytest "$@"
.venv/bin/ruff check memorybot bot adapters memory state bench tests
.venv/bin/mypy
