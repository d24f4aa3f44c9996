"""Shared by the fixture generators: tensors as JSON values and the fixture file layout.

A tensor becomes {"dtype", "shape", "data"} with floats as JSON numbers ("nan", "inf", "-inf" as
strings), and a fixture file is one JSON object whose "cases" array holds one case per line, so a
regenerated fixture diffs case by case.
"""
import json
import math
import os

import torch

DTYPE_NAMES = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.uint8: "uint8"}


def fmt_float(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def ser(t):
    """A tensor (or None) as a JSON value."""
    if t is None:
        return None
    t = t.detach().contiguous()
    flat = t.reshape(-1)
    if t.dtype.is_floating_point:
        data = [fmt_float(v) for v in flat.to(torch.float64).tolist()]
    else:
        data = [int(v) for v in flat.tolist()]
    return {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "data": data}


def write_fixture(out_path, generator, cases, extras, root):
    """Writes {"generator", "torch_version", "cases": [...one per line...], extras...} to `out_path`
    and returns the text's size in bytes. `extras` is a list of (key, value) pairs."""
    head = json.dumps({"generator": generator, "torch_version": torch.__version__}, allow_nan=False)
    parts = ['"cases": [\n' + ",\n".join(json.dumps(c, separators=(",", ":"), allow_nan=False) for c in cases) + "\n]"]
    parts += [f'"{key}": ' + json.dumps(value, allow_nan=False) for key, value in extras]
    text = head[:-1] + ", " + ",\n".join(parts) + "}\n"
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    return len(text.encode())
