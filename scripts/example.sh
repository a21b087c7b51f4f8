#!/usr/bin/env bash
# The main job (README): install what is needed, build examples/hello, and boot it on Xen in the
# test host when this machine can run one, otherwise on the node target (scripts/example.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
exec node --import tsx scripts/example.ts
