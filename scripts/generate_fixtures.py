#!/usr/bin/env python3
"""Generate PyTorch golden-value fixtures for Nabla's op tests.

README
------
Regenerate every fixture with

    python3 scripts/generate_fixtures.py

from the repository root (needs the `torch` CPU wheel; nothing else). The script writes one JSON
file per op family to Tests/NablaTests/Fixtures/ (elementwise, reduction, linalg, movement,
indexing, conv_pool, cast) and prints a summary. Output is deterministic: every case seeds
torch.manual_seed with the CRC32 of its name, torch runs single-threaded, and JSON is written with
a fixed key order, so running the script twice produces byte-identical files (with the same torch
version). The fixtures are committed so `swift test` never needs Python.

File format
-----------
    {"generator": "scripts/generate_fixtures.py", "torch_version": "...", "cases": [CASE, ...]}

    CASE   = {"name", "op", "attrs", "inputs": [TENSOR], "grad_inputs": [int],
              "outputs": [TENSOR], "upstream": TENSOR | null, "grads": [TENSOR]}
    TENSOR = {"dtype", "shape", "data"}

* dtype is one of float32 float64 float16 bfloat16 int8 uint8 int32 int64 bool.
* data is the flat row-major (C order) element list of the contiguous tensor. Floats are the
  Python repr of the element's exact float64 value (so they round-trip exactly); non-finite
  floats are the strings "nan", "inf", "-inf"; integers are JSON integers (int64 values may use
  the full 64-bit range, e.g. 9223372036854775807); bools are true/false.
* outputs: one entry, or several for multi-result ops: sort/topk give [values, indices];
  split/chunk give the pieces in order.
* upstream: the seed gradient for outputs[0] (random normal, same shape and dtype as
  outputs[0]); grads[j] is d(sum(outputs[0] * upstream))/d(inputs[grad_inputs[j]]), i.e. what
  `outputs[0].backward(upstream)` leaves in that input's .grad, with the dtype of that input.
  upstream is null and grads is [] when grad_inputs is [].
* split / chunk (several differentiable outputs): "upstream" is null and attrs["upstreams"]
  holds one TENSOR per output piece (same shape/dtype as that piece). The grads are for
  loss = sum_i (outputs[i] * upstreams[i]).sum().
* Non-contiguous inputs: attrs["input_transform"] = {"transpose_input": [i, [d0, d1]]} means the
  op receives inputs[i].transpose(d0, d1) (a strided view) instead of inputs[i]. The stored
  TENSOR is the tensor as created, before the transform, and grads for input i are with
  respect to that stored (untransformed) tensor, so they have the stored shape.
* attrs follow PyTorch argument semantics. Where PyTorch accepts an int or a pair (conv/pool
  stride, padding, dilation, kernel_size, output_padding, output_size) the attr is either a JSON
  int (same value for every spatial dim) or a list. Reduction "axes" is a list or null (= all
  axes); negative axes count from the end. slice {"dim","start","end","step"} is Python slicing
  x[..., start:end:step] on dim: start/end may be negative (count from the end) or null
  (default), step >= 1. squeeze {"dim": null} squeezes all size-1 dims. A non-finite float
  attr (masked_fill "value") uses the same strings as tensor data ("-inf").
* Scalar-operand ops are "add_scalar" / "mul_scalar" with attrs {"scalar": number} (a Python
  int or float scalar, which follows torch's scalar type-promotion rules).
* cast cases between two float dtypes also carry a gradient (the upstream cast back).
* A few integer-only ops have no grads (argmax, argmin, comparisons, logical ops, isnan,
  isfinite, one_hot, integer type-promotion cases, ...).

Deliberate skips (documented, not generated)
--------------------------------------------
* uint8 + int8 promotes to int16 in torch; Nabla has no int16, so that case is omitted.
* cast: float -> integer for NaN/inf or values whose truncation is outside the target range
  (undefined behaviour in C++, e.g. negative float -> uint8) are not generated.
* cast: torch converts float64 -> float16/bfloat16 and int32/int64 -> float16/bfloat16 through
  float32, which double-rounds. Values where that differs from a single correct
  round-to-nearest-even are dropped from the fixtures (the count is printed), so the fixtures
  describe IEEE single rounding.
* Integer narrowing casts (e.g. int32 300 -> int8, -1 -> uint8) ARE included: they wrap modulo
  2^bits (two's complement), which is what torch does and what Swift's
  init(truncatingIfNeeded:) does.
* max_pool2d uses ceil_mode=False; avg_pool2d uses ceil_mode=False and no divisor_override.
"""

import json
import math
import os
import sys
import zlib
from fractions import Fraction

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "Tests", "NablaTests", "Fixtures")

f32, f64, f16, bf16 = torch.float32, torch.float64, torch.float16, torch.bfloat16
i8, u8, i32, i64, tbool = torch.int8, torch.uint8, torch.int32, torch.int64, torch.bool

DTYPE_NAMES = {
    f32: "float32", f64: "float64", f16: "float16", bf16: "bfloat16",
    i8: "int8", u8: "uint8", i32: "int32", i64: "int64", tbool: "bool",
}
ALL_DTYPES = [f32, f64, f16, bf16, i8, u8, i32, i64, tbool]
FLOAT_DTYPES = [f32, f64, f16, bf16]


# ----------------------------------------------------------------------------- serialisation

def fmt_float(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v  # json writes float repr, which round-trips exactly


def ser(t):
    t = t.detach().contiguous()
    if t.dtype not in DTYPE_NAMES:
        raise ValueError(f"dtype {t.dtype} not supported by Nabla fixtures")
    flat = t.reshape(-1)
    if t.dtype.is_floating_point:
        data = [fmt_float(v) for v in flat.to(f64).tolist()]
    elif t.dtype == tbool:
        data = [bool(v) for v in flat.tolist()]
    else:
        data = [int(v) for v in flat.to(i64).tolist()]
    return {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "data": data}


# ----------------------------------------------------------------------------- case builder

class Family:
    def __init__(self, filename):
        self.filename = filename
        self.cases = []
        self.names = set()

    def add(self, name, op, make_inputs, fn, grad_inputs=(), attrs=None, transpose=None,
            multi_upstream=False):
        """Build one case.

        make_inputs: () -> list of tensors (called right after seeding).
        fn: (list of op arguments) -> tensor or tuple/list of tensors.
        transpose: (input_index, (d0, d1)) to feed a transposed view of that input.
        multi_upstream: split/chunk style, one upstream per output piece.
        """
        assert name not in self.names, name
        self.names.add(name)
        attrs = dict(attrs or {})
        torch.manual_seed(zlib.crc32(name.encode()))
        inputs = [t.detach().clone() for t in make_inputs()]
        for i in grad_inputs:
            inputs[i].requires_grad_(True)
        args = list(inputs)
        if transpose is not None:
            idx, (d0, d1) = transpose
            args[idx] = args[idx].transpose(d0, d1)
            attrs["input_transform"] = {"transpose_input": [idx, [d0, d1]]}
        res = fn(args)
        outputs = list(res) if isinstance(res, (tuple, list)) else [res]
        for o in outputs:
            assert o.dtype in DTYPE_NAMES, (name, o.dtype)
        upstream = None
        grads = []
        if grad_inputs:
            if multi_upstream:
                ups = [torch.randn(o.shape, dtype=f32).to(o.dtype) for o in outputs]
                loss = sum((o * u).sum() for o, u in zip(outputs, ups))
                loss.backward()
                attrs["upstreams"] = [ser(u) for u in ups]
            else:
                o = outputs[0]
                upstream = torch.randn(o.shape, dtype=f32).to(o.dtype)
                o.backward(upstream)
            for i in grad_inputs:
                g = inputs[i].grad
                grads.append(ser(g if g is not None else torch.zeros_like(inputs[i])))
        self.cases.append({
            "name": name,
            "op": op,
            "attrs": attrs,
            "inputs": [ser(t) for t in inputs],
            "grad_inputs": list(grad_inputs),
            "outputs": [ser(o) for o in outputs],
            "upstream": ser(upstream) if upstream is not None else None,
            "grads": grads,
        })

    def write(self):
        path = os.path.join(OUT_DIR, self.filename)
        head = json.dumps({"generator": "scripts/generate_fixtures.py",
                           "torch_version": torch.__version__}, allow_nan=False)
        lines = [json.dumps(c, separators=(",", ":"), allow_nan=False) for c in self.cases]
        text = head[:-1] + ', "cases": [\n' + ",\n".join(lines) + "\n]}\n"
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        return path, len(self.cases), len(text.encode("utf-8"))


# ----------------------------------------------------------------------------- input generators

def randn(*shape, dtype=f32):
    return torch.randn(shape, dtype=f64).to(dtype)


def away(*shape, dtype=f32, margin=0.05):
    """Normal values with |x| >= margin (away from kinks at 0)."""
    x = torch.randn(shape, dtype=f64)
    x = x + torch.where(x >= 0, margin, -margin)
    return x.to(dtype)


def positive(*shape, dtype=f32, lo=0.2, hi=2.2):
    return (torch.rand(shape, dtype=f64) * (hi - lo) + lo).to(dtype)


def nonzero_den(*shape, dtype=f32):
    x = torch.rand(shape, dtype=f64) * 1.5 + 0.5
    s = torch.where(torch.rand(shape) < 0.5, -1.0, 1.0).to(f64)
    return (x * s).to(dtype)


def randbool(*shape):
    return torch.rand(shape) < 0.5


def distinct(*shape, dtype=f32):
    """Values without ties (a shuffled arithmetic grid plus jitter)."""
    n = math.prod(shape) if shape else 1
    perm = torch.randperm(n).to(f64)
    x = (perm - n / 2) * 0.37 + torch.rand(n, dtype=f64) * 0.1
    return x.reshape(shape).to(dtype)


# ----------------------------------------------------------------------------- elementwise

def gen_elementwise():
    fam = Family("elementwise.json")

    binary = {
        "add": (torch.add, randn),
        "sub": (torch.sub, randn),
        "mul": (torch.mul, randn),
        "div": (torch.div, nonzero_den),
        "pow": (torch.pow, None),
        "minimum": (torch.minimum, randn),
        "maximum": (torch.maximum, randn),
    }
    shapes = [("same", (3, 4), (3, 4)), ("bcast_3x1_1x4", (3, 1), (1, 4)),
              ("bcast_234_4", (2, 3, 4), (4,)), ("scalar_3", (), (3,)),
              ("bcast_4_234", (4,), (2, 3, 4))]
    for op, (fn, bgen) in binary.items():
        for tag, sa, sb in shapes:
            for dt in ([f32, f64] if tag == "same" else [f32]):
                def mk(sa=sa, sb=sb, dt=dt, op=op, bgen=bgen):
                    if op == "pow":
                        return [positive(*sa, dtype=dt, lo=0.3, hi=2.5),
                                (torch.rand(sb, dtype=f64) * 4 - 2).to(dt)]
                    return [randn(*sa, dtype=dt), bgen(*sb, dtype=dt)]
                fam.add(f"{op}_{tag}_{DTYPE_NAMES[dt]}", op, mk,
                        lambda a, fn=fn: fn(a[0], a[1]), grad_inputs=[0, 1])
    # non-contiguous binary input
    fam.add("add_transposed_lhs_float32", "add", lambda: [randn(4, 3), randn(3, 4)],
            lambda a: a[0] + a[1], grad_inputs=[0, 1], transpose=(0, (0, 1)))
    fam.add("mul_transposed_rhs_float32", "mul", lambda: [randn(2, 3, 4), randn(2, 4, 3)],
            lambda a: a[0] * a[1], grad_inputs=[0, 1], transpose=(1, (1, 2)))

    def clamp_input(lo, hi):
        def mk(dt):
            x = torch.randn(3, 5, dtype=f64) * 1.2
            for b in (lo, hi):
                if b is not None:
                    x = torch.where((x - b).abs() < 0.02, x + 0.05, x)
            return x.to(dt)
        return mk

    unary = [
        # (op, fn, input maker (dtype)->tensor, attrs, differentiable)
        ("neg", torch.neg, lambda dt: randn(3, 4, dtype=dt), {}, True),
        ("abs", torch.abs, lambda dt: away(3, 4, dtype=dt), {}, True),
        ("sign", torch.sign,
         lambda dt: torch.cat([away(11, dtype=dt), torch.zeros(1, dtype=dt)]).reshape(3, 4),
         {}, True),
        ("exp", torch.exp, lambda dt: randn(3, 4, dtype=dt), {}, True),
        ("log", torch.log, lambda dt: positive(3, 4, dtype=dt, lo=0.05, hi=5.0), {}, True),
        ("log1p", torch.log1p, lambda dt: positive(3, 4, dtype=dt, lo=-0.9, hi=3.0), {}, True),
        ("expm1", torch.expm1, lambda dt: randn(3, 4, dtype=dt), {}, True),
        ("sqrt", torch.sqrt, lambda dt: positive(3, 4, dtype=dt, lo=0.1, hi=4.0), {}, True),
        ("rsqrt", torch.rsqrt, lambda dt: positive(3, 4, dtype=dt, lo=0.1, hi=4.0), {}, True),
        ("square", torch.square, lambda dt: randn(3, 4, dtype=dt), {}, True),
        ("sin", torch.sin, lambda dt: randn(3, 4, dtype=dt) * 2, {}, True),
        ("cos", torch.cos, lambda dt: randn(3, 4, dtype=dt) * 2, {}, True),
        ("tanh", torch.tanh, lambda dt: randn(3, 4, dtype=dt) * 1.5, {}, True),
        ("sigmoid", torch.sigmoid, lambda dt: randn(3, 4, dtype=dt) * 2, {}, True),
        ("relu", torch.relu, lambda dt: away(3, 4, dtype=dt), {}, True),
        ("silu", F.silu, lambda dt: randn(3, 4, dtype=dt) * 2, {}, True),
    ]
    for op, fn, mk, attrs, diff in unary:
        for dt in (f32, f64):
            fam.add(f"{op}_{DTYPE_NAMES[dt]}", op, lambda mk=mk, dt=dt: [mk(dt)],
                    lambda a, fn=fn: fn(a[0]), grad_inputs=[0] if diff else [], attrs=attrs)
    fam.add("exp_transposed_float32", "exp", lambda: [randn(2, 3, 4)],
            lambda a: torch.exp(a[0]), grad_inputs=[0], transpose=(0, (0, 2)))

    # parametrised activations
    for slope in (0.01, 0.2):
        for dt in (f32, f64):
            fam.add(f"leaky_relu_{slope}_{DTYPE_NAMES[dt]}", "leaky_relu",
                    lambda dt=dt: [away(3, 4, dtype=dt)],
                    lambda a, s=slope: F.leaky_relu(a[0], negative_slope=s),
                    grad_inputs=[0], attrs={"negative_slope": slope})
    for alpha in (1.0, 0.5):
        for dt in (f32, f64):
            fam.add(f"elu_{alpha}_{DTYPE_NAMES[dt]}", "elu",
                    lambda dt=dt: [away(3, 4, dtype=dt) * 1.5],
                    lambda a, al=alpha: F.elu(a[0], alpha=al),
                    grad_inputs=[0], attrs={"alpha": alpha})
    for approx in ("none", "tanh"):
        for dt in (f32, f64):
            fam.add(f"gelu_{approx}_{DTYPE_NAMES[dt]}", "gelu",
                    lambda dt=dt: [randn(3, 4, dtype=dt) * 2],
                    lambda a, ap=approx: F.gelu(a[0], approximate=ap),
                    grad_inputs=[0], attrs={"approximate": approx})
    for beta, thr in ((1.0, 20.0), (2.0, 1.0)):
        for dt in (f32, f64):
            def mk(dt=dt, beta=beta, thr=thr):
                x = torch.randn(3, 4, dtype=f64) * 1.5
                x = torch.where((x * beta - thr).abs() < 0.05, x + 0.1, x)
                return [x.to(dt)]
            fam.add(f"softplus_b{beta}_t{thr}_{DTYPE_NAMES[dt]}", "softplus", mk,
                    lambda a, b=beta, t=thr: F.softplus(a[0], beta=b, threshold=t),
                    grad_inputs=[0], attrs={"beta": beta, "threshold": thr})
    for lo, hi in ((-0.5, 0.5), (-0.5, None), (None, 0.3)):
        for dt in (f32, f64):
            tag = f"{'none' if lo is None else lo}_{'none' if hi is None else hi}"
            fam.add(f"clamp_{tag}_{DTYPE_NAMES[dt]}", "clamp",
                    lambda dt=dt, m=clamp_input(lo, hi): [m(dt)],
                    lambda a, lo=lo, hi=hi: torch.clamp(a[0], min=lo, max=hi),
                    grad_inputs=[0], attrs={"min": lo, "max": hi})

    # where
    for dt in (f32, f64):
        fam.add(f"where_same_{DTYPE_NAMES[dt]}", "where",
                lambda dt=dt: [randbool(3, 4), randn(3, 4, dtype=dt), randn(3, 4, dtype=dt)],
                lambda a: torch.where(a[0], a[1], a[2]), grad_inputs=[1, 2])
    fam.add("where_bcast_float32", "where",
            lambda: [randbool(3, 1), randn(1, 4), randn()],
            lambda a: torch.where(a[0], a[1], a[2]), grad_inputs=[1, 2])
    fam.add("where_bcast2_float32", "where",
            lambda: [randbool(2, 3, 4), randn(3, 4), randn(2, 1, 4)],
            lambda a: torch.where(a[0], a[1], a[2]), grad_inputs=[1, 2])

    # comparisons (no grads); second operand shares some values so eq/le/ge see ties
    cmp_ops = {"eq": torch.eq, "ne": torch.ne, "lt": torch.lt, "le": torch.le,
               "gt": torch.gt, "ge": torch.ge}

    def tied(sa, sb, dt):
        a = torch.round(torch.randn(sa, dtype=f64) * 2) / 2
        b = torch.round(torch.randn(sb, dtype=f64) * 2) / 2
        return [a.to(dt), b.to(dt)]

    for op, fn in cmp_ops.items():
        fam.add(f"{op}_same_float32", op, lambda: tied((3, 4), (3, 4), f32),
                lambda a, fn=fn: fn(a[0], a[1]))
        fam.add(f"{op}_same_float64", op, lambda: tied((3, 4), (3, 4), f64),
                lambda a, fn=fn: fn(a[0], a[1]))
        fam.add(f"{op}_bcast_float32", op, lambda: tied((3, 1), (1, 4), f32),
                lambda a, fn=fn: fn(a[0], a[1]))
        fam.add(f"{op}_int32", op,
                lambda: [torch.randint(-3, 4, (2, 5), dtype=i32),
                         torch.randint(-3, 4, (2, 5), dtype=i32)],
                lambda a, fn=fn: fn(a[0], a[1]))
    fam.add("eq_nan_float32", "eq",
            lambda: [torch.tensor([1.0, float("nan"), float("inf"), -0.0]),
                     torch.tensor([1.0, float("nan"), float("inf"), 0.0])],
            lambda a: torch.eq(a[0], a[1]))
    fam.add("ne_nan_float32", "ne",
            lambda: [torch.tensor([1.0, float("nan"), float("inf"), -0.0]),
                     torch.tensor([1.0, float("nan"), float("inf"), 0.0])],
            lambda a: torch.ne(a[0], a[1]))

    # logical
    fam.add("logical_and_same", "logical_and", lambda: [randbool(3, 4), randbool(3, 4)],
            lambda a: torch.logical_and(a[0], a[1]))
    fam.add("logical_and_bcast", "logical_and", lambda: [randbool(3, 1), randbool(1, 4)],
            lambda a: torch.logical_and(a[0], a[1]))
    fam.add("logical_or_same", "logical_or", lambda: [randbool(3, 4), randbool(3, 4)],
            lambda a: torch.logical_or(a[0], a[1]))
    fam.add("logical_or_bcast", "logical_or", lambda: [randbool(2, 3, 4), randbool(4)],
            lambda a: torch.logical_or(a[0], a[1]))
    fam.add("logical_not", "logical_not", lambda: [randbool(3, 4)],
            lambda a: torch.logical_not(a[0]))

    specials = [1.0, float("nan"), float("inf"), -float("inf"), -2.5, 0.0, -0.0, 3e38,
                float("nan"), 1e-40, -7.0, float("inf")]
    for dt in (f32, f64):
        fam.add(f"isnan_{DTYPE_NAMES[dt]}", "isnan",
                lambda dt=dt: [torch.tensor(specials, dtype=dt).reshape(3, 4)],
                lambda a: torch.isnan(a[0]))
        fam.add(f"isfinite_{DTYPE_NAMES[dt]}", "isfinite",
                lambda dt=dt: [torch.tensor(specials, dtype=dt).reshape(3, 4)],
                lambda a: torch.isfinite(a[0]))

    # type promotion
    fam.add("add_promote_int32_float32", "add",
            lambda: [torch.randint(-5, 6, (3, 4), dtype=i32), randn(3, 4)],
            lambda a: a[0] + a[1], grad_inputs=[1])
    fam.add("mul_promote_int64_int32", "mul",
            lambda: [torch.randint(-1000, 1000, (3, 4), dtype=i64),
                     torch.randint(-1000, 1000, (4,), dtype=i32)],
            lambda a: a[0] * a[1])
    fam.add("add_promote_float16_float32", "add",
            lambda: [randn(3, 4, dtype=f16), randn(3, 4)],
            lambda a: a[0] + a[1], grad_inputs=[0, 1])
    fam.add("add_promote_bfloat16_float32", "add",
            lambda: [randn(3, 4, dtype=bf16), randn(4)],
            lambda a: a[0] + a[1], grad_inputs=[0, 1])
    fam.add("div_promote_int32_int32", "div",
            lambda: [torch.randint(-20, 21, (3, 4), dtype=i32),
                     torch.tensor([[1, -2, 3, 7]] * 3, dtype=i32)],
            lambda a: torch.div(a[0], a[1]))
    fam.add("add_promote_bool_int8", "add",
            lambda: [randbool(3, 4), torch.randint(-100, 100, (3, 4), dtype=i8)],
            lambda a: a[0] + a[1])
    fam.add("add_promote_int8_int8_wrap", "add",
            lambda: [torch.tensor([100, -100, 127, -128, 5], dtype=i8),
                     torch.tensor([100, -100, 1, -1, -5], dtype=i8)],
            lambda a: a[0] + a[1])
    fam.add("add_scalar_int32_float", "add_scalar",
            lambda: [torch.randint(-5, 6, (3, 4), dtype=i32)],
            lambda a: a[0] + 2.5, attrs={"scalar": 2.5})
    fam.add("add_scalar_float32", "add_scalar", lambda: [randn(3, 4)],
            lambda a: a[0] + 2.5, grad_inputs=[0], attrs={"scalar": 2.5})
    fam.add("mul_scalar_float16", "mul_scalar", lambda: [randn(3, 4, dtype=f16)],
            lambda a: a[0] * 1.3, grad_inputs=[0], attrs={"scalar": 1.3})
    fam.add("mul_scalar_int64_int", "mul_scalar",
            lambda: [torch.randint(-50, 50, (5,), dtype=i64)],
            lambda a: a[0] * 3, attrs={"scalar": 3})
    # float16 elementwise with grads
    fam.add("mul_same_float16", "mul", lambda: [randn(3, 4, dtype=f16), randn(3, 4, dtype=f16)],
            lambda a: a[0] * a[1], grad_inputs=[0, 1])
    fam.add("exp_bfloat16", "exp", lambda: [randn(3, 4, dtype=bf16)],
            lambda a: torch.exp(a[0]), grad_inputs=[0])
    return fam


# ----------------------------------------------------------------------------- reductions

def gen_reduction():
    fam = Family("reduction.json")
    axes_variants = [(None, False), (None, True), ([1], False), ([1], True), ([-1], False),
                     ([0, 2], False), ([-1, 0], True)]

    def tagof(axes, keepdim):
        a = "all" if axes is None else "_".join(str(x).replace("-", "m") for x in axes)
        return f"ax{a}_{'keep' if keepdim else 'drop'}"

    def dims(x, axes):
        return tuple(range(x.dim())) if axes is None else tuple(axes)

    multi_ops = {
        "sum": lambda x, ax, kd: x.sum() if ax is None and not kd else x.sum(dim=dims(x, ax), keepdim=kd),
        "mean": lambda x, ax, kd: x.mean(dim=dims(x, ax), keepdim=kd),
        "max": lambda x, ax, kd: torch.amax(x, dim=dims(x, ax), keepdim=kd),
        "min": lambda x, ax, kd: torch.amin(x, dim=dims(x, ax), keepdim=kd),
        "logsumexp": lambda x, ax, kd: torch.logsumexp(x, dim=dims(x, ax), keepdim=kd),
    }
    for op, fn in multi_ops.items():
        mk = (lambda dt: distinct(3, 4, 5, dtype=dt)) if op in ("max", "min") else \
             (lambda dt: randn(3, 4, 5, dtype=dt))
        for axes, kd in axes_variants:
            fam.add(f"{op}_{tagof(axes, kd)}_float32", op, lambda mk=mk: [mk(f32)],
                    lambda a, fn=fn, ax=axes, kd=kd: fn(a[0], ax, kd),
                    grad_inputs=[0], attrs={"axes": axes, "keepdim": kd})
        fam.add(f"{op}_ax1_drop_float64", op, lambda mk=mk: [mk(f64)],
                lambda a, fn=fn: fn(a[0], [1], False),
                grad_inputs=[0], attrs={"axes": [1], "keepdim": False})
        fam.add(f"{op}_ax0_drop_transposed_float32", op, lambda mk=mk: [mk(f32)],
                lambda a, fn=fn: fn(a[0], [0], False), grad_inputs=[0],
                attrs={"axes": [0], "keepdim": False}, transpose=(0, (0, 2)))

    fam.add("sum_axall_drop_int32", "sum", lambda: [torch.randint(-100, 100, (3, 4), dtype=i32)],
            lambda a: a[0].sum(), attrs={"axes": None, "keepdim": False})
    fam.add("sum_ax1_keep_int32", "sum", lambda: [torch.randint(-100, 100, (3, 4), dtype=i32)],
            lambda a: a[0].sum(dim=1, keepdim=True), attrs={"axes": [1], "keepdim": True})
    fam.add("sum_ax0_drop_bool", "sum", lambda: [randbool(3, 4)],
            lambda a: a[0].sum(dim=0), attrs={"axes": [0], "keepdim": False})
    fam.add("sum_ax0_drop_float16", "sum", lambda: [randn(6, 4, dtype=f16)],
            lambda a: a[0].sum(dim=0), grad_inputs=[0], attrs={"axes": [0], "keepdim": False})

    # prod: single axis or all
    def prod_in(dt):
        x = torch.rand(3, 4, 5, dtype=f64) + 0.5
        s = torch.where(torch.rand(3, 4, 5) < 0.3, -1.0, 1.0).to(f64)
        return (x * s).to(dt)

    for axes, kd in [(None, False), ([1], False), ([1], True), ([-1], False), ([0], True)]:
        fam.add(f"prod_{tagof(axes, kd)}_float32", "prod", lambda: [prod_in(f32)],
                lambda a, ax=axes, kd=kd: torch.prod(a[0]) if ax is None else
                torch.prod(a[0], dim=ax[0], keepdim=kd),
                grad_inputs=[0], attrs={"axes": axes, "keepdim": kd})
    fam.add("prod_ax1_drop_float64", "prod", lambda: [prod_in(f64)],
            lambda a: torch.prod(a[0], dim=1), grad_inputs=[0],
            attrs={"axes": [1], "keepdim": False})

    # argmax / argmin: single axis or null (index into the flattened tensor)
    for op, fn in (("argmax", torch.argmax), ("argmin", torch.argmin)):
        for axes, kd in [(None, False), ([1], False), ([1], True), ([-1], False), ([0], True)]:
            fam.add(f"{op}_{tagof(axes, kd)}_float32", op, lambda: [distinct(3, 4, 5)],
                    lambda a, fn=fn, ax=axes, kd=kd: fn(a[0]) if ax is None else
                    fn(a[0], dim=ax[0], keepdim=kd),
                    attrs={"axes": axes, "keepdim": kd})
        fam.add(f"{op}_ax0_drop_float64", op, lambda: [distinct(4, 3, dtype=f64)],
                lambda a, fn=fn: fn(a[0], dim=0), attrs={"axes": [0], "keepdim": False})
        fam.add(f"{op}_ax1_drop_int32", op,
                lambda: [distinct(4, 5, dtype=f64).mul(10).round().to(i32)],
                lambda a, fn=fn: fn(a[0], dim=1), attrs={"axes": [1], "keepdim": False})

    # var / std
    for op, fn in (("var", torch.var), ("std", torch.std)):
        for corr in (0, 1):
            for axes, kd in [(None, False), ([1], False), ([-1], True), ([0, 2], False)]:
                fam.add(f"{op}_c{corr}_{tagof(axes, kd)}_float32", op, lambda: [randn(3, 4, 5)],
                        lambda a, fn=fn, ax=axes, kd=kd, c=corr:
                        fn(a[0], dim=None if ax is None else tuple(ax), correction=c, keepdim=kd),
                        grad_inputs=[0], attrs={"axes": axes, "keepdim": kd, "correction": corr})
            fam.add(f"{op}_c{corr}_ax1_drop_float64", op, lambda: [randn(3, 4, 5, dtype=f64)],
                    lambda a, fn=fn, c=corr: fn(a[0], dim=(1,), correction=c),
                    grad_inputs=[0], attrs={"axes": [1], "keepdim": False, "correction": corr})

    # all / any on bool
    for op, fn in (("all", torch.all), ("any", torch.any)):
        for axes, kd in [(None, False), ([1], False), ([1], True), ([-1], False), ([0, 2], False)]:
            def mk(op=op):
                # bias so that all() is sometimes true and any() sometimes false
                p = 0.85 if op == "all" else 0.15
                return [torch.rand(3, 2, 4) < p]
            fam.add(f"{op}_{tagof(axes, kd)}_bool", op, mk,
                    lambda a, fn=fn, ax=axes, kd=kd: fn(a[0]) if ax is None and not kd else
                    fn(a[0], dim=dims(a[0], ax), keepdim=kd),
                    attrs={"axes": axes, "keepdim": kd})
        fam.add(f"{op}_ax1_drop_float32", op,
                lambda: [torch.tensor([[0.0, 1.0, 2.0], [3.0, -1.0, 0.5], [0.0, 0.0, 0.0]])],
                lambda a, fn=fn: fn(a[0], dim=1), attrs={"axes": [1], "keepdim": False})

    # softmax / log_softmax / cumsum with a single axis
    sm = {"softmax": lambda x, d: torch.softmax(x, dim=d),
          "log_softmax": lambda x, d: torch.log_softmax(x, dim=d),
          "cumsum": lambda x, d: torch.cumsum(x, dim=d)}
    for op, fn in sm.items():
        for axis in (-1, 0, 1):
            fam.add(f"{op}_axis{str(axis).replace('-', 'm')}_float32", op,
                    lambda: [randn(3, 4, 5) * 2],
                    lambda a, fn=fn, d=axis: fn(a[0], d), grad_inputs=[0], attrs={"axis": axis})
        fam.add(f"{op}_axism1_float64", op, lambda: [randn(2, 6, dtype=f64) * 2],
                lambda a, fn=fn: fn(a[0], -1), grad_inputs=[0], attrs={"axis": -1})
        fam.add(f"{op}_axis1_transposed_float32", op, lambda: [randn(5, 4) * 2],
                lambda a, fn=fn: fn(a[0], 1), grad_inputs=[0], attrs={"axis": 1},
                transpose=(0, (0, 1)))
    fam.add("softmax_large_logits_float32", "softmax",
            lambda: [torch.tensor([[1000.0, 1001.0, 999.0], [-1000.0, -1002.0, -1001.0]])],
            lambda a: torch.softmax(a[0], dim=-1), grad_inputs=[0], attrs={"axis": -1})
    fam.add("log_softmax_large_logits_float32", "log_softmax",
            lambda: [torch.tensor([[1000.0, 1001.0, 999.0], [-1000.0, -1002.0, -1001.0]])],
            lambda a: torch.log_softmax(a[0], dim=-1), grad_inputs=[0], attrs={"axis": -1})
    fam.add("logsumexp_large_float32", "logsumexp",
            lambda: [torch.tensor([[1000.0, 1001.0, 999.0], [-1000.0, -1002.0, -1001.0]])],
            lambda a: torch.logsumexp(a[0], dim=(1,)), grad_inputs=[0],
            attrs={"axes": [1], "keepdim": False})
    fam.add("cumsum_axis0_int32", "cumsum", lambda: [torch.randint(-10, 10, (4, 3), dtype=i32)],
            lambda a: torch.cumsum(a[0], dim=0), attrs={"axis": 0})
    return fam


# ----------------------------------------------------------------------------- linalg

def gen_linalg():
    fam = Family("linalg.json")
    mm = [("1d_1d", (4,), (4,)), ("2d_1d", (3, 4), (4,)), ("1d_2d", (4,), (4, 5)),
          ("2d_2d", (3, 4), (4, 5)), ("3d_3d", (2, 3, 4), (2, 4, 5)),
          ("bcast_4d_3d", (2, 1, 3, 4), (3, 4, 5)), ("3d_2d", (2, 3, 4), (4, 5)),
          ("2d_3d", (3, 4), (2, 4, 5)), ("1d_3d", (4,), (2, 4, 5)), ("3d_1d", (2, 3, 4), (4,))]
    for tag, sa, sb in mm:
        fam.add(f"matmul_{tag}_float32", "matmul", lambda sa=sa, sb=sb: [randn(*sa), randn(*sb)],
                lambda a: torch.matmul(a[0], a[1]), grad_inputs=[0, 1])
    fam.add("matmul_2d_2d_float64", "matmul", lambda: [randn(3, 4, dtype=f64), randn(4, 5, dtype=f64)],
            lambda a: torch.matmul(a[0], a[1]), grad_inputs=[0, 1])
    fam.add("matmul_3d_3d_float64", "matmul",
            lambda: [randn(2, 3, 4, dtype=f64), randn(2, 4, 2, dtype=f64)],
            lambda a: torch.matmul(a[0], a[1]), grad_inputs=[0, 1])
    fam.add("matmul_2d_2d_transposed_rhs_float32", "matmul", lambda: [randn(3, 4), randn(5, 4)],
            lambda a: torch.matmul(a[0], a[1]), grad_inputs=[0, 1], transpose=(1, (0, 1)))
    fam.add("matmul_2d_2d_transposed_lhs_float32", "matmul", lambda: [randn(4, 3), randn(4, 5)],
            lambda a: torch.matmul(a[0], a[1]), grad_inputs=[0, 1], transpose=(0, (0, 1)))
    fam.add("matmul_3d_3d_transposed_rhs_float32", "matmul",
            lambda: [randn(2, 3, 4), randn(2, 5, 4)],
            lambda a: torch.matmul(a[0], a[1]), grad_inputs=[0, 1], transpose=(1, (1, 2)))
    fam.add("matmul_2d_2d_int64", "matmul",
            lambda: [torch.randint(-5, 6, (3, 4), dtype=i64), torch.randint(-5, 6, (4, 2), dtype=i64)],
            lambda a: torch.matmul(a[0], a[1]))
    fam.add("matmul_2d_2d_larger_float32", "matmul", lambda: [randn(16, 24), randn(24, 8)],
            lambda a: torch.matmul(a[0], a[1]), grad_inputs=[0, 1])

    fam.add("dot_float32", "dot", lambda: [randn(6), randn(6)],
            lambda a: torch.dot(a[0], a[1]), grad_inputs=[0, 1])
    fam.add("dot_float64", "dot", lambda: [randn(6, dtype=f64), randn(6, dtype=f64)],
            lambda a: torch.dot(a[0], a[1]), grad_inputs=[0, 1])
    fam.add("outer_float32", "outer", lambda: [randn(3), randn(4)],
            lambda a: torch.outer(a[0], a[1]), grad_inputs=[0, 1])
    fam.add("outer_float64", "outer", lambda: [randn(2, dtype=f64), randn(5, dtype=f64)],
            lambda a: torch.outer(a[0], a[1]), grad_inputs=[0, 1])

    eins = [("ij,jk->ik", [(3, 4), (4, 5)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
            ("ij->ji", [(3, 4)]), ("ij->", [(3, 4)]), ("ij->j", [(3, 4)]),
            ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]), ("i,i->", [(5,), (5,)]),
            ("i,j->ij", [(3,), (4,)]), ("bij,jk->bik", [(2, 3, 4), (4, 2)])]
    for eq, shapes in eins:
        tag = eq.replace(",", "_").replace("->", "_to_")
        if tag.endswith("_to_"):
            tag += "scalar"
        fam.add(f"einsum_{tag}_float32", "einsum",
                lambda shapes=shapes: [randn(*s) for s in shapes],
                lambda a, eq=eq: torch.einsum(eq, *a),
                grad_inputs=list(range(len(shapes))), attrs={"equation": eq})
    fam.add("einsum_ij_jk_to_ik_float64", "einsum",
            lambda: [randn(2, 3, dtype=f64), randn(3, 2, dtype=f64)],
            lambda a: torch.einsum("ij,jk->ik", *a), grad_inputs=[0, 1],
            attrs={"equation": "ij,jk->ik"})
    return fam


# ----------------------------------------------------------------------------- movement

def gen_movement():
    fam = Family("movement.json")
    def simple(name, op, shape, fn, attrs, dt=f32, transpose=None):
        fam.add(name, op, lambda: [randn(*shape, dtype=dt)], fn, grad_inputs=[0],
                attrs=attrs, transpose=transpose)

    for shp, new in [((2, 3, 4), [6, 4]), ((2, 3, 4), [4, -1]), ((6,), [2, 1, 3]),
                     ((2, 3), [6]), ((1,), [])]:
        tag = "x".join(map(str, shp)) + "_to_" + ("x".join(str(s).replace("-", "m") for s in new) or "scalar")
        simple(f"reshape_{tag}", "reshape", shp, lambda a, n=new: a[0].reshape(n), {"shape": new})
    simple("reshape_transposed_3x4_to_12", "reshape", (3, 4), lambda a: a[0].reshape(12),
           {"shape": [12]}, transpose=(0, (0, 1)))
    simple("reshape_2x3_to_3x2_float64", "reshape", (2, 3), lambda a: a[0].reshape(3, 2),
           {"shape": [3, 2]}, dt=f64)

    for dims in ([2, 0, 1], [1, 0], [0, 2, 1, 3], [-1, 0, 1]):
        shp = {2: (2, 3), 3: (2, 3, 4), 4: (2, 3, 2, 2)}[len(dims)]
        tag = "_".join(str(d).replace("-", "m") for d in dims)
        simple(f"permute_{tag}", "permute", shp, lambda a, d=dims: a[0].permute(*d), {"dims": dims})
    simple("permute_transposed_1_0_2", "permute", (2, 3, 4), lambda a: a[0].permute(1, 0, 2),
           {"dims": [1, 0, 2]}, transpose=(0, (1, 2)))

    for d0, d1, shp in ((0, 1, (3, 4)), (0, 2, (2, 3, 4)), (-1, -2, (2, 3, 4)), (1, 1, (2, 3))):
        simple(f"transpose_{d0}_{d1}_{'x'.join(map(str, shp))}".replace("-", "m"), "transpose", shp,
               lambda a, d0=d0, d1=d1: a[0].transpose(d0, d1), {"dim0": d0, "dim1": d1})

    for shp, new in [((3, 1), [3, 4]), ((3, 1), [2, 3, 4]), ((1, 4), [2, -1, 4]),
                     ((2, 1, 3), [2, 4, 3]), ((), [2, 3])]:
        tag = ("x".join(map(str, shp)) or "scalar") + "_to_" + "x".join(str(s).replace("-", "m") for s in new)
        simple(f"expand_{tag}", "expand", shp, lambda a, n=new: a[0].expand(*n), {"shape": new})

    slices = [((5, 4), 0, 1, 4, 1), ((5, 4), 1, 0, 4, 2), ((6, 3), 0, None, None, 3),
              ((6, 3), 0, -4, None, 1), ((2, 7, 3), 1, 1, -1, 2), ((5,), 0, 2, 2, 1),
              ((2, 3, 8), -1, 3, 100, 2)]
    for shp, dim, s, e, st in slices:
        def fn(a, dim=dim, s=s, e=e, st=st):
            idx = [slice(None)] * a[0].dim()
            idx[dim] = slice(s, e, st)
            return a[0][tuple(idx)]
        tag = f"{'x'.join(map(str, shp))}_d{dim}_{s}_{e}_{st}".replace("-", "m")
        simple(f"slice_{tag}", "slice", shp, fn, {"dim": dim, "start": s, "end": e, "step": st})
    fam.add("slice_transposed_d0_1_3_1", "slice", lambda: [randn(3, 4)],
            lambda a: a[0][1:3], grad_inputs=[0], transpose=(0, (0, 1)),
            attrs={"dim": 0, "start": 1, "end": 3, "step": 1})

    for shp, dim in [((2, 1, 3), 1), ((1, 3, 1), None), ((2, 1, 3), -2), ((2, 3), 0), ((1,), 0)]:
        tag = f"{'x'.join(map(str, shp))}_d{dim}".replace("-", "m")
        simple(f"squeeze_{tag}", "squeeze", shp,
               lambda a, d=dim: a[0].squeeze() if d is None else a[0].squeeze(d), {"dim": dim})
    for shp, dim in [((2, 3), 0), ((2, 3), 2), ((2, 3), -1), ((2, 3), -3), ((), 0)]:
        tag = f"{'x'.join(map(str, shp)) or 'scalar'}_d{dim}".replace("-", "m")
        simple(f"unsqueeze_{tag}", "unsqueeze", shp, lambda a, d=dim: a[0].unsqueeze(d), {"dim": dim})

    for shp, sd, ed in [((2, 3, 4), 0, -1), ((2, 3, 4, 2), 1, 2), ((2, 3, 4), 1, -1), ((3,), 0, -1),
                        ((2, 3, 4), 2, 2)]:
        tag = f"{'x'.join(map(str, shp))}_{sd}_{ed}".replace("-", "m")
        simple(f"flatten_{tag}", "flatten", shp, lambda a, s=sd, e=ed: torch.flatten(a[0], s, e),
               {"start_dim": sd, "end_dim": ed})

    for shp, dims in [((3, 4), [0]), ((3, 4), [1]), ((2, 3, 4), [0, 2]), ((2, 3, 4), [-1])]:
        tag = "_".join(str(d).replace("-", "m") for d in dims)
        simple(f"flip_{'x'.join(map(str, shp))}_{tag}", "flip", shp,
               lambda a, d=dims: torch.flip(a[0], d), {"dims": dims})
    simple("flip_transposed_0", "flip", (3, 4), lambda a: torch.flip(a[0], [0]), {"dims": [0]},
           transpose=(0, (0, 1)))

    pads = [((2, 3), [1, 2], "constant", 0.0), ((2, 3), [1, 0, 2, 1], "constant", 1.5),
            ((2, 3, 4), [0, 1, 1, 0, 1, 1], "constant", -2.0), ((1, 2, 5), [2, 1], "reflect", None),
            ((1, 1, 4, 4), [1, 2, 2, 1], "reflect", None), ((2, 5), [3, 3], "reflect", None),
            ((2, 3), [0, 0], "constant", 0.0)]
    for shp, pad, mode, val in pads:
        tag = f"{mode}_{'x'.join(map(str, shp))}_{'_'.join(map(str, pad))}"
        def fn(a, pad=pad, mode=mode, val=val):
            if mode == "constant":
                return F.pad(a[0], pad, mode="constant", value=val)
            return F.pad(a[0], pad, mode=mode)
        simple(f"pad_{tag}", "pad", shp, fn, {"pad": pad, "mode": mode, "value": val})

    for shp, reps in [((2, 3), [2, 1]), ((2, 3), [1, 3]), ((2, 3), [2, 1, 2]), ((3,), [2, 2])]:
        tag = f"{'x'.join(map(str, shp))}_{'_'.join(map(str, reps))}"
        simple(f"repeat_{tag}", "repeat", shp, lambda a, r=reps: a[0].repeat(*r), {"repeats": reps})
    for shp, reps in [((2, 3), [2]), ((2, 3), [2, 2]), ((2, 3), [3, 1, 1]), ((2, 1, 2), [1, 2])]:
        tag = f"{'x'.join(map(str, shp))}_{'_'.join(map(str, reps))}"
        simple(f"tile_{tag}", "tile", shp, lambda a, r=reps: torch.tile(a[0], r), {"reps": reps})

    for shapes, dim in [([(2, 3), (1, 3), (3, 3)], 0), ([(2, 1), (2, 4)], 1),
                        ([(2, 3, 2), (2, 3, 1), (2, 3, 3)], -1), ([(3,), (2,)], 0)]:
        tag = "_".join("x".join(map(str, s)) for s in shapes) + f"_d{dim}".replace("-", "m")
        fam.add(f"concat_{tag}", "concat", lambda shapes=shapes: [randn(*s) for s in shapes],
                lambda a, d=dim: torch.cat(a, dim=d), grad_inputs=list(range(len(shapes))),
                attrs={"dim": dim})
    fam.add("concat_float64_d0", "concat", lambda: [randn(1, 2, dtype=f64), randn(2, 2, dtype=f64)],
            lambda a: torch.cat(a, 0), grad_inputs=[0, 1], attrs={"dim": 0})
    fam.add("concat_int32_d1", "concat",
            lambda: [torch.randint(0, 9, (2, 2), dtype=i32), torch.randint(0, 9, (2, 1), dtype=i32)],
            lambda a: torch.cat(a, 1), attrs={"dim": 1})
    for n, shp, dim in [(2, (2, 3), 0), (3, (2, 3), 1), (2, (2, 3), 2), (2, (2, 3), -1), (3, (4,), 0)]:
        tag = f"{n}x{'x'.join(map(str, shp))}_d{dim}".replace("-", "m")
        fam.add(f"stack_{tag}", "stack", lambda n=n, shp=shp: [randn(*shp) for _ in range(n)],
                lambda a, d=dim: torch.stack(a, dim=d), grad_inputs=list(range(n)),
                attrs={"dim": dim})

    splits = [((5, 3), 2, 0, "split_size"), ((4, 6), 3, 1, "split_size"), ((6, 2), [1, 3, 2], 0, "sections"),
              ((2, 7), [4, 3], -1, "sections"), ((4, 2), 4, 0, "split_size")]
    for shp, arg, dim, kind in splits:
        tag = f"{'x'.join(map(str, shp))}_{kind}_{arg if isinstance(arg, int) else '_'.join(map(str, arg))}_d{dim}".replace("-", "m")
        fam.add(f"split_{tag}", "split", lambda shp=shp: [randn(*shp)],
                lambda a, arg=arg, d=dim: torch.split(a[0], arg, dim=d), grad_inputs=[0],
                attrs={kind: arg, "dim": dim}, multi_upstream=True)
    for shp, chunks, dim in [((6, 2), 3, 0), ((5, 2), 3, 0), ((2, 6), 4, 1), ((2, 2), 3, -1), ((7,), 2, 0)]:
        tag = f"{'x'.join(map(str, shp))}_{chunks}_d{dim}".replace("-", "m")
        fam.add(f"chunk_{tag}", "chunk", lambda shp=shp: [randn(*shp)],
                lambda a, c=chunks, d=dim: torch.chunk(a[0], c, dim=d), grad_inputs=[0],
                attrs={"chunks": chunks, "dim": dim}, multi_upstream=True)
    return fam


# ----------------------------------------------------------------------------- indexing

def gen_indexing():
    fam = Family("indexing.json")
    fam.add("gather_d1_float32", "gather",
            lambda: [randn(3, 4), torch.randint(0, 4, (3, 5))],
            lambda a: torch.gather(a[0], 1, a[1]), grad_inputs=[0], attrs={"dim": 1})
    fam.add("gather_d0_float32", "gather",
            lambda: [randn(4, 3), torch.randint(0, 4, (2, 3))],
            lambda a: torch.gather(a[0], 0, a[1]), grad_inputs=[0], attrs={"dim": 0})
    fam.add("gather_dm1_3d_float32", "gather",
            lambda: [randn(2, 3, 4), torch.randint(0, 4, (2, 2, 3))],
            lambda a: torch.gather(a[0], -1, a[1]), grad_inputs=[0], attrs={"dim": -1})
    fam.add("gather_d1_float64", "gather",
            lambda: [randn(3, 4, dtype=f64), torch.randint(0, 4, (3, 2))],
            lambda a: torch.gather(a[0], 1, a[1]), grad_inputs=[0], attrs={"dim": 1})
    fam.add("gather_d1_int32", "gather",
            lambda: [torch.randint(-9, 9, (3, 4), dtype=i32), torch.randint(0, 4, (3, 2))],
            lambda a: torch.gather(a[0], 1, a[1]), attrs={"dim": 1})

    def unique_idx(rows, k, n, dim):
        # each row (along the scatter dim) gets k distinct targets from range(n)
        idx = torch.stack([torch.randperm(n)[:k] for _ in range(rows)])
        return idx if dim == 1 else idx.t().contiguous()

    fam.add("scatter_d1_float32", "scatter",
            lambda: [randn(3, 5), unique_idx(3, 2, 5, 1), randn(3, 2)],
            lambda a: torch.scatter(a[0], 1, a[1], a[2]), grad_inputs=[0, 2], attrs={"dim": 1})
    fam.add("scatter_d0_float32", "scatter",
            lambda: [randn(5, 3), unique_idx(3, 2, 5, 0), randn(2, 3)],
            lambda a: torch.scatter(a[0], 0, a[1], a[2]), grad_inputs=[0, 2], attrs={"dim": 0})
    fam.add("scatter_d1_float64", "scatter",
            lambda: [randn(2, 4, dtype=f64), unique_idx(2, 3, 4, 1), randn(2, 3, dtype=f64)],
            lambda a: torch.scatter(a[0], 1, a[1], a[2]), grad_inputs=[0, 2], attrs={"dim": 1})
    fam.add("scatter_add_d1_dups_float32", "scatter_add",
            lambda: [randn(3, 4), torch.randint(0, 4, (3, 6)), randn(3, 6)],
            lambda a: torch.scatter_add(a[0], 1, a[1], a[2]), grad_inputs=[0, 2], attrs={"dim": 1})
    fam.add("scatter_add_d0_dups_float32", "scatter_add",
            lambda: [torch.zeros(3, 2), torch.randint(0, 3, (5, 2)), randn(5, 2)],
            lambda a: torch.scatter_add(a[0], 0, a[1], a[2]), grad_inputs=[0, 2], attrs={"dim": 0})
    fam.add("scatter_add_d1_float64", "scatter_add",
            lambda: [randn(2, 3, dtype=f64), torch.randint(0, 3, (2, 4)), randn(2, 4, dtype=f64)],
            lambda a: torch.scatter_add(a[0], 1, a[1], a[2]), grad_inputs=[0, 2], attrs={"dim": 1})

    fam.add("index_select_d0_float32", "index_select",
            lambda: [randn(4, 3), torch.tensor([2, 0, 2, 3])],
            lambda a: torch.index_select(a[0], 0, a[1]), grad_inputs=[0], attrs={"dim": 0})
    fam.add("index_select_d1_float32", "index_select",
            lambda: [randn(2, 5, 2), torch.tensor([4, 1])],
            lambda a: torch.index_select(a[0], 1, a[1]), grad_inputs=[0], attrs={"dim": 1})
    fam.add("index_select_dm1_float64", "index_select",
            lambda: [randn(3, 4, dtype=f64), torch.tensor([3, 3, 0])],
            lambda a: torch.index_select(a[0], -1, a[1]), grad_inputs=[0], attrs={"dim": -1})

    fam.add("masked_fill_same_float32", "masked_fill", lambda: [randn(3, 4), randbool(3, 4)],
            lambda a: a[0].masked_fill(a[1], -1.5), grad_inputs=[0], attrs={"value": -1.5})
    fam.add("masked_fill_bcast_float32", "masked_fill", lambda: [randn(2, 3, 4), randbool(3, 1)],
            lambda a: a[0].masked_fill(a[1], 0.0), grad_inputs=[0], attrs={"value": 0.0})
    fam.add("masked_fill_neginf_float32", "masked_fill", lambda: [randn(2, 4), randbool(1, 4)],
            lambda a: a[0].masked_fill(a[1], float("-inf")), grad_inputs=[0],
            attrs={"value": "-inf"})
    fam.add("masked_fill_float64", "masked_fill", lambda: [randn(3, 2, dtype=f64), randbool(3, 2)],
            lambda a: a[0].masked_fill(a[1], 2.0), grad_inputs=[0], attrs={"value": 2.0})

    fam.add("one_hot_1d", "one_hot", lambda: [torch.tensor([0, 3, 1, 1, 2])],
            lambda a: F.one_hot(a[0], num_classes=4), attrs={"num_classes": 4})
    fam.add("one_hot_2d", "one_hot", lambda: [torch.randint(0, 5, (2, 3))],
            lambda a: F.one_hot(a[0], num_classes=6), attrs={"num_classes": 6})

    fam.add("embedding_float32", "embedding",
            lambda: [randn(6, 3), torch.tensor([[0, 2, 2, 5], [1, 0, 5, 5]])],
            lambda a: F.embedding(a[1], a[0]), grad_inputs=[0])
    fam.add("embedding_1d_float64", "embedding",
            lambda: [randn(4, 2, dtype=f64), torch.tensor([3, 3, 1])],
            lambda a: F.embedding(a[1], a[0]), grad_inputs=[0])

    for shp, k, dim, largest in [((3, 6), 2, -1, True), ((3, 6), 3, 1, False), ((5, 3), 2, 0, True),
                                 ((8,), 8, 0, False), ((2, 3, 4), 1, 1, True)]:
        tag = f"{'x'.join(map(str, shp))}_k{k}_d{dim}_{'largest' if largest else 'smallest'}".replace("-", "m")
        fam.add(f"topk_{tag}", "topk", lambda shp=shp: [distinct(*shp)],
                lambda a, k=k, d=dim, l=largest: tuple(torch.topk(a[0], k, dim=d, largest=l)),
                grad_inputs=[0], attrs={"k": k, "dim": dim, "largest": largest})
    fam.add("topk_float64_k2", "topk", lambda: [distinct(2, 5, dtype=f64)],
            lambda a: tuple(torch.topk(a[0], 2, dim=-1)), grad_inputs=[0],
            attrs={"k": 2, "dim": -1, "largest": True})

    for shp, dim, desc in [((3, 5), -1, False), ((3, 5), 1, True), ((4, 3), 0, False),
                           ((2, 3, 4), 1, True), ((7,), 0, False)]:
        tag = f"{'x'.join(map(str, shp))}_d{dim}_{'desc' if desc else 'asc'}".replace("-", "m")
        fam.add(f"sort_{tag}", "sort", lambda shp=shp: [distinct(*shp)],
                lambda a, d=dim, ds=desc: tuple(torch.sort(a[0], dim=d, descending=ds)),
                grad_inputs=[0], attrs={"dim": dim, "descending": desc})
    fam.add("sort_int32_asc", "sort", lambda: [torch.randperm(9).to(i32) - 4],
            lambda a: tuple(torch.sort(a[0], dim=0)), attrs={"dim": 0, "descending": False})
    return fam


# ----------------------------------------------------------------------------- conv / pool

def gen_conv_pool():
    fam = Family("conv_pool.json")

    def conv1d_case(name, x, w, stride, padding, dilation, groups, dt=f32):
        fam.add(name, "conv1d",
                lambda: [randn(*x, dtype=dt), randn(*w, dtype=dt) * 0.5, randn(w[0], dtype=dt)],
                lambda a: F.conv1d(a[0], a[1], a[2], stride=stride, padding=padding,
                                   dilation=dilation, groups=groups),
                grad_inputs=[0, 1, 2],
                attrs={"stride": stride, "padding": padding, "dilation": dilation, "groups": groups})

    conv1d_case("conv1d_basic_float32", (2, 3, 8), (4, 3, 3), 1, 0, 1, 1)
    conv1d_case("conv1d_s2_p1_d2_float32", (2, 3, 9), (4, 3, 3), 2, 1, 2, 1)
    conv1d_case("conv1d_groups3_float32", (1, 3, 7), (6, 1, 3), 1, 1, 1, 3)
    conv1d_case("conv1d_basic_float64", (1, 2, 6), (3, 2, 2), 1, 1, 1, 1, dt=f64)

    def conv2d_case(name, x, w, stride, padding, dilation, groups, dt=f32):
        fam.add(name, "conv2d",
                lambda: [randn(*x, dtype=dt), randn(*w, dtype=dt) * 0.5, randn(w[0], dtype=dt)],
                lambda a: F.conv2d(a[0], a[1], a[2], stride=stride, padding=padding,
                                   dilation=dilation, groups=groups),
                grad_inputs=[0, 1, 2],
                attrs={"stride": stride, "padding": padding, "dilation": dilation, "groups": groups})

    conv2d_case("conv2d_basic_float32", (2, 3, 5, 5), (4, 3, 3, 3), 1, 0, 1, 1)
    conv2d_case("conv2d_p1_float32", (2, 3, 6, 6), (4, 3, 3, 3), 1, 1, 1, 1)
    conv2d_case("conv2d_s21_p10_float32", (1, 2, 7, 6), (3, 2, 3, 3), [2, 1], [1, 0], 1, 1)
    conv2d_case("conv2d_s2_d2_float32", (1, 2, 9, 9), (2, 2, 3, 3), 2, 2, [2, 1], 1)
    conv2d_case("conv2d_groups2_float32", (1, 4, 5, 5), (6, 2, 3, 3), 1, 1, 1, 2)
    conv2d_case("conv2d_depthwise_float32", (1, 3, 5, 4), (3, 1, 2, 2), 1, 0, 1, 3)
    conv2d_case("conv2d_1x1_float32", (2, 4, 3, 3), (5, 4, 1, 1), 1, 0, 1, 1)
    conv2d_case("conv2d_rect_kernel_float32", (1, 2, 6, 5), (3, 2, 3, 2), [1, 2], [0, 1], 1, 1)
    conv2d_case("conv2d_p1_float64", (1, 2, 4, 4), (2, 2, 3, 3), 1, 1, 1, 1, dt=f64)

    def convt_case(name, x, w, stride, padding, output_padding, groups, dilation, dt=f32):
        fam.add(name, "conv_transpose2d",
                lambda: [randn(*x, dtype=dt), randn(*w, dtype=dt) * 0.5,
                         randn(w[1] * groups, dtype=dt)],
                lambda a: F.conv_transpose2d(a[0], a[1], a[2], stride=stride, padding=padding,
                                             output_padding=output_padding, groups=groups,
                                             dilation=dilation),
                grad_inputs=[0, 1, 2],
                attrs={"stride": stride, "padding": padding, "output_padding": output_padding,
                       "groups": groups, "dilation": dilation})

    convt_case("conv_transpose2d_basic_float32", (1, 2, 3, 3), (2, 3, 3, 3), 1, 0, 0, 1, 1)
    convt_case("conv_transpose2d_s2_p1_op1_float32", (2, 4, 3, 3), (4, 3, 3, 3), 2, 1, 1, 1, 1)
    convt_case("conv_transpose2d_groups2_float32", (1, 4, 3, 3), (4, 2, 3, 3), 2, 0, 0, 2, 1)
    convt_case("conv_transpose2d_d2_s21_float32", (1, 2, 3, 4), (2, 2, 2, 3), [2, 1], [0, 1],
               [1, 0], 1, 2)
    convt_case("conv_transpose2d_s2_float64", (1, 2, 2, 2), (2, 2, 2, 2), 2, 0, 0, 1, 1, dt=f64)

    def maxpool(name, x, k, s, p, dt=f32):
        fam.add(name, "max_pool2d", lambda: [distinct(*x, dtype=dt)],
                lambda a: F.max_pool2d(a[0], k, stride=s, padding=p), grad_inputs=[0],
                attrs={"kernel_size": k, "stride": s, "padding": p})

    maxpool("max_pool2d_k2_s2_float32", (2, 2, 4, 4), 2, 2, 0)
    maxpool("max_pool2d_k3_s2_p1_float32", (1, 2, 5, 5), 3, 2, 1)
    maxpool("max_pool2d_k3_s1_float32", (1, 1, 5, 4), 3, 1, 0)
    maxpool("max_pool2d_k32_s21_p10_float32", (1, 2, 6, 5), [3, 2], [2, 1], [1, 0])
    maxpool("max_pool2d_k2_s2_float64", (1, 1, 4, 6), 2, 2, 0, dt=f64)

    def avgpool(name, x, k, s, p, cip, dt=f32):
        fam.add(name, "avg_pool2d", lambda: [randn(*x, dtype=dt)],
                lambda a: F.avg_pool2d(a[0], k, stride=s, padding=p, count_include_pad=cip),
                grad_inputs=[0],
                attrs={"kernel_size": k, "stride": s, "padding": p, "count_include_pad": cip})

    avgpool("avg_pool2d_k2_s2_float32", (2, 2, 4, 4), 2, 2, 0, True)
    avgpool("avg_pool2d_k3_s2_p1_incl_float32", (1, 2, 5, 5), 3, 2, 1, True)
    avgpool("avg_pool2d_k3_s2_p1_excl_float32", (1, 2, 5, 5), 3, 2, 1, False)
    avgpool("avg_pool2d_k32_s21_p11_excl_float32", (1, 1, 6, 5), [3, 2], [2, 1], [1, 1], False)
    avgpool("avg_pool2d_k2_s1_float64", (1, 1, 3, 4), 2, 1, 0, True, dt=f64)

    for x, o in [((1, 2, 6, 6), [3, 3]), ((2, 1, 5, 7), [3, 4]), ((1, 3, 4, 5), 1),
                 ((1, 1, 5, 5), [2, 3]), ((1, 1, 3, 3), [5, 4])]:
        tag = f"{'x'.join(map(str, x))}_to_{o if isinstance(o, int) else 'x'.join(map(str, o))}"
        fam.add(f"adaptive_avg_pool2d_{tag}_float32", "adaptive_avg_pool2d",
                lambda x=x: [randn(*x)],
                lambda a, o=o: F.adaptive_avg_pool2d(a[0], o), grad_inputs=[0],
                attrs={"output_size": o})
    fam.add("adaptive_avg_pool2d_5x7_to_3x4_float64", "adaptive_avg_pool2d",
            lambda: [randn(1, 1, 5, 7, dtype=f64)],
            lambda a: F.adaptive_avg_pool2d(a[0], [3, 4]), grad_inputs=[0],
            attrs={"output_size": [3, 4]})
    return fam


# ----------------------------------------------------------------------------- cast

FLOAT_FORMATS = {  # (significand bits incl. hidden, min normal exponent, max exponent)
    f16: (11, -14, 15),
    bf16: (8, -126, 127),
    f32: (24, -126, 127),
    f64: (53, -1022, 1023),
}
INT_RANGES = {i8: (-128, 127), u8: (0, 255), i32: (-2**31, 2**31 - 1), i64: (-2**63, 2**63 - 1)}


def round_exact(x, dt):
    """Correctly rounded (RNE) value of the exact rational x in float format dt, as float or inf."""
    p, emin, emax = FLOAT_FORMATS[dt]
    if x == 0:
        return 0.0
    sign = -1 if x < 0 else 1
    a = abs(x)
    # exact floor(log2(a))
    e = a.numerator.bit_length() - a.denominator.bit_length()
    if Fraction(2) ** e > a:
        e -= 1
    while Fraction(2) ** (e + 1) <= a:
        e += 1
    e = max(e, emin)
    ulp = Fraction(2) ** (e - (p - 1))
    q = a / ulp
    n = math.floor(q)
    r = q - n
    if r > Fraction(1, 2) or (r == Fraction(1, 2) and n % 2 == 1):
        n += 1
    v = n * ulp
    maxv = (2 - Fraction(2) ** (1 - p)) * Fraction(2) ** emax
    if v > maxv:
        return sign * math.inf
    return sign * float(v)


def gen_cast():
    fam = Family("cast.json")
    general_floats = [-100.75, -2.7, -2.5, -1.5, -0.5, -0.3, -0.0, 0.0, 0.3, 0.5, 0.7, 1.5, 2.5,
                      2.7, 3.5, 99.9, 126.99, 127.0, -128.0, -127.9]
    uint_floats = [254.6, 255.0, 200.9, 128.5, 127.5]
    big_floats = [2147483520.0, -2147483648.0, 2.0**40 + 0.5, -2.0**53, 9.2e18, -9.2e18, 1e9 + 0.75,
                  16777217.0, 65504.0, 65519.0, 65520.0, 1e5]
    rounding_floats = [1 + 2**-11, 1 + 3 * 2**-11, 1 + 2**-11 + 2**-30, 1 + 2**-8, 1 + 3 * 2**-8,
                       1 + 2**-8 + 2**-20, 1 + 2**-24, 1 + 3 * 2**-24, 1 + 2**-23 + 2**-40,
                       0.1, 1.0 / 3.0, -2.0 / 3.0, 3.14159265358979, 6e-5, 6e-8, 3e-8, 1e-8,
                       1e-39, 1e-45, 1e-320, 3.3e38, 3.4e38, 1e39, -1e39, 1.5e300]
    nonfinite = [float("nan"), float("inf"), float("-inf")]
    int_pool = [0, 1, -1, 2, -7, 100, -128, 127, 128, 255, 200, 256, 300, -300, 2049, 65504, 70000,
                16777217, 16777219, 2**24 + 2**16 + 1, 2147483647, -2147483648, 2**31 + 5,
                2**40 + 1, 2**53 + 1, 2**62 + 12345, 2**63 - 1, -2**63]
    dropped = {}

    for src in ALL_DTYPES:
        for dst in ALL_DTYPES:
            name = f"cast_{DTYPE_NAMES[src]}_to_{DTYPE_NAMES[dst]}"
            # source values (as exact Python numbers) in the source dtype's domain
            if src == tbool:
                vals = [True, False, True, False, True]
            elif src.is_floating_point:
                pool = general_floats + uint_floats + big_floats + rounding_floats + nonfinite
                t = torch.tensor(pool, dtype=f64).to(src)
                vals = []
                seen = set()
                for v in t.to(f64).tolist():
                    key = "nan" if math.isnan(v) else (v, math.copysign(1, v))
                    if key not in seen:
                        seen.add(key)
                        vals.append(v)
                if dst in INT_RANGES:
                    lo, hi = INT_RANGES[dst]
                    vals = [v for v in vals if math.isfinite(v) and lo <= math.trunc(v) <= hi]
                    if dst in (i32, i64):
                        # float -> int: UB unless the truncated value is representable; also keep
                        # float32 -> int64 away from the 2^63 boundary.
                        vals = [v for v in vals if abs(v) < 2**62]
            else:
                lo, hi = INT_RANGES[src]
                vals = [v for v in int_pool if lo <= v <= hi]
            src_t = torch.tensor(vals, dtype=f64 if src.is_floating_point else
                                 (tbool if src == tbool else i64))
            if src.is_floating_point:
                src_t = src_t.to(src)
            else:
                src_t = src_t.to(src)
            out = src_t.to(dst)
            # drop values where torch double-rounds (via float32) instead of rounding once
            if dst.is_floating_point and src != tbool:
                keep = []
                for i, v in enumerate(src_t.to(f64).tolist() if src.is_floating_point
                                      else src_t.to(i64).tolist()):
                    got = out[i].item()
                    if isinstance(v, float) and not math.isfinite(v):
                        keep.append(i)
                        continue
                    want = round_exact(Fraction(v), dst)
                    if want == 0.0 and got == 0.0:
                        keep.append(i)
                    elif got == want:
                        keep.append(i)
                    else:
                        dropped.setdefault(name, []).append(v)
                src_t = src_t[torch.tensor(keep, dtype=i64)]
            vals_t = src_t
            grad = [0] if (src.is_floating_point and dst.is_floating_point) else []
            fam.add(name, "cast", lambda vals_t=vals_t: [vals_t],
                    lambda a, dst=dst: a[0].to(dst), grad_inputs=grad,
                    attrs={"to": DTYPE_NAMES[dst]})
    # non-contiguous cast
    fam.add("cast_float32_to_float16_transposed", "cast", lambda: [randn(3, 4)],
            lambda a: a[0].to(f16), grad_inputs=[0], attrs={"to": "float16"},
            transpose=(0, (0, 1)))
    return fam, dropped


# ----------------------------------------------------------------------------- main

def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    families = [gen_elementwise(), gen_reduction(), gen_linalg(), gen_movement(), gen_indexing(),
                gen_conv_pool()]
    cast_fam, dropped = gen_cast()
    families.append(cast_fam)
    total_cases = total_bytes = 0
    print(f"torch {torch.__version__}; writing to {os.path.relpath(OUT_DIR, ROOT)}")
    for fam in families:
        path, n, size = fam.write()
        total_cases += n
        total_bytes += size
        print(f"  {os.path.basename(path):18s} {n:4d} cases {size:9d} bytes")
    print(f"  {'total':18s} {total_cases:4d} cases {total_bytes:9d} bytes")
    if dropped:
        print("cast values dropped (torch double-rounds through float32):")
        for k, v in sorted(dropped.items()):
            print(f"  {k}: {v}")


if __name__ == "__main__":
    sys.exit(main())
