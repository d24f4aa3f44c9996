#!/usr/bin/env bash
# Compiled vs eager training for Nabla (W3 MLP, W6 transformer) and PyTorch, measured in one run,
# eager and compiled back to back in each round (docs/PERFORMANCE.md, "Graph mode").
# Needs a release build (make release) and, for the PyTorch lines, python3 with torch.
#   ROUNDS=3 bash scripts/bench_compiled.sh
#   NABLA=.build-graphrel/release/nabla TORCH=0 TRANSFORMER=0 ROUNDS=5 bash scripts/bench_compiled.sh
# On a machine shared with other work, OMP_WAIT_POLICY=passive keeps the OpenMP threads from spinning
# against other processes (spinning there makes every figure several times slower and very noisy).
set -u
cd "$(dirname "$0")/.."
BENCH=../shared/bench
NABLA=${NABLA:-.build/release/nabla}
value() { grep "\"$1\"" | grep -o '"value":[0-9.e+-]*' | head -1 | cut -d: -f2; }
ratio() { python3 -c "import sys; print(round($1 / $2, 3))"; }
for round in $(seq "${ROUNDS:-1}"); do
    echo "# round $round (load $(cut -d' ' -f1-3 /proc/loadavg))"
    eager=$("$NABLA" bench mlp --epochs 3 --json 2>/dev/null | value epoch_seconds)
    compiled=$("$NABLA" bench mlp --epochs 3 --json --compiled 2>/dev/null | value epoch_seconds)
    echo "{\"workload\":\"mlp\",\"eager_s_per_epoch\":$eager,\"compiled_s_per_epoch\":$compiled,\"speedup\":$(ratio "$eager" "$compiled")}"
    if [ "${TRANSFORMER:-1}" = 1 ]; then
        eager=$("$NABLA" bench transformer --samples 5 --json 2>/dev/null | value train_steps_per_second)
        compiled=$("$NABLA" bench transformer --samples 5 --json --compiled 2>/dev/null | value train_steps_per_second)
        echo "{\"workload\":\"transformer\",\"eager_steps_per_s\":$eager,\"compiled_steps_per_s\":$compiled,\"speedup\":$(ratio "$compiled" "$eager")}"
    fi
    if [ "${TORCH:-1}" = 1 ]; then
        python3 "$BENCH/w3_mlp.py" --framework torch --mode eager --epochs 3 2>/dev/null | grep '^{' \
            | python3 -c 'import json,sys; r=json.load(sys.stdin); print(json.dumps({"framework":"torch","mode":"eager","steady_epoch_s_median":r["steady_epoch_s_median"],"foreign_cpu":r["noise"]["foreign_cpu"]}))'
        python3 "$BENCH/w3_mlp.py" --framework torch --mode compile --epochs 3 2>/dev/null | grep '^{' \
            | python3 -c 'import json,sys; r=json.load(sys.stdin); print(json.dumps({"framework":"torch","mode":"compile","steady_epoch_s_median":r["steady_epoch_s_median"],"first_epoch_s":r["first_epoch_s"],"foreign_cpu":r["noise"]["foreign_cpu"]}))'
    fi
done
