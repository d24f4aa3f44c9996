#!/usr/bin/env bash
# Runs Nabla's benchmarks and their PyTorch/library counterparts in one go, for docs/PERFORMANCE.md.
# Needs python3 with torch (pip install torch numpy) and gcc. ROUNDS=2 repeats the whole set.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/bench
swift build -c release >/dev/null
out=${1:-/tmp/nabla-bench}
mkdir -p "$out"
echo "== floor (OpenBLAS per core type, oneDNN) =="
gcc -O2 -march=native -o "$out/w1_floor" "$shared/w1_floor.c" -DWITH_OPENBLAS -DWITH_DNNL \
    $(pkg-config --cflags --libs openblas) -ldnnl -lpthread
for round in $(seq 1 "${ROUNDS:-1}"); do
    echo "-- round $round"
    OPENBLAS_NUM_THREADS=2 "$out/w1_floor" openblas 1024 2048
    OPENBLAS_NUM_THREADS=2 OPENBLAS_CORETYPE=SkylakeX "$out/w1_floor" openblas 1024 2048
    OMP_NUM_THREADS=2 "$out/w1_floor" dnnl 1024 2048
    .build/release/nabla bench matmul --json
    python3 "$shared/w1_matmul.py" --framework torch
    .build/release/nabla bench overhead --json
    .build/release/nabla bench elementwise --json
    python3 "$shared/w2_overhead.py" --framework torch --no-compile
    python3 scripts/bench_torch_elementwise.py
    .build/release/nabla bench mlp --json
    python3 "$shared/w3_mlp.py" --framework torch
    .build/release/nabla bench cnn --json
    python3 "$shared/w4_cnn.py" --framework torch
done
