#!/usr/bin/env bash
# Compiled vs eager MLP training (W3) for Nabla and PyTorch, measured in one run (docs/PERFORMANCE.md).
# Needs a release build (make release) and, for the PyTorch lines, python3 with torch.
set -u
cd "$(dirname "$0")/.."
BENCH=../shared/bench
for round in $(seq "${ROUNDS:-1}"); do
    echo "# round $round"
    .build/release/nabla bench mlp --epochs 3 --json | grep epoch_seconds
    .build/release/nabla bench mlp --epochs 3 --json --compiled | grep epoch_seconds
    python3 "$BENCH/w3_mlp.py" --framework torch --mode eager --epochs 3 2>/dev/null | grep '^{' \
        | python3 -c 'import json,sys; r=json.load(sys.stdin); print(json.dumps({"framework":"torch","mode":"eager","steady_epoch_s_median":r["steady_epoch_s_median"],"foreign_cpu":r["noise"]["foreign_cpu"]}))'
    python3 "$BENCH/w3_mlp.py" --framework torch --mode compile --epochs 3 2>/dev/null | grep '^{' \
        | python3 -c 'import json,sys; r=json.load(sys.stdin); print(json.dumps({"framework":"torch","mode":"compile","steady_epoch_s_median":r["steady_epoch_s_median"],"first_epoch_s":r["first_epoch_s"],"foreign_cpu":r["noise"]["foreign_cpu"]}))'
done
