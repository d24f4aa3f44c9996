#!/usr/bin/env python3
"""PyTorch side of `nabla bench elementwise`: add, mul and exp on 1e6 float32 elements, 2 threads.

../shared/bench/w2_overhead.py measures only `add`; this script measures add, mul and exp the same
way (samples of back-to-back calls >= 0.1 s, 100 ops per call, median) and prints JSON lines in
Nabla's bench format with "framework": "torch". GB/s counts bytes read and written (12 MB for
add/mul, 8 MB for exp).
"""
import json, os, time

os.environ.setdefault("OMP_NUM_THREADS", "2")
import torch

torch.set_num_threads(2)
N, REP, SAMPLES = 1_000_000, 100, 9
gen = torch.Generator().manual_seed(0)
a, b = torch.randn(N, generator=gen), torch.randn(N, generator=gen)
cases = {"add": (lambda: a + b, 12e6), "mul": (lambda: a * b, 12e6), "exp": (lambda: torch.exp(a), 8e6)}
for op, (fn, nbytes) in cases.items():
    for _ in range(3):
        fn()
    samples = []
    for _ in range(SAMPLES):
        k, t0 = 0, time.perf_counter()
        while True:
            for _ in range(REP):
                fn()
            k += REP
            dt = time.perf_counter() - t0
            if dt >= 0.1:
                break
        samples.append(dt / k)
    samples.sort()
    med = samples[len(samples) // 2]
    print(json.dumps({"workload": "elementwise", "framework": "torch", "metric": "gbps", "op": op, "size": N,
                      "value": round(nbytes / med / 1e9, 3), "unit": "GB/s", "us_per_op": round(med * 1e6, 1),
                      "torch": torch.__version__}))
