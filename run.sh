#!/usr/bin/env bash
# Set up (first time only) and run memorybot: the console chat unless Slack or Discord settings are present.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
exec .venv/bin/memorybot "${@:-run}"
