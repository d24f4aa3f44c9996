#!/usr/bin/env python3
"""Generate PyTorch golden-value fixtures for Nabla's loss functions (NablaNN/Losses).

README
------
Regenerate with

    python3 scripts/generate_loss_fixtures.py

from the repository root (needs the `torch` CPU wheel; nothing else). It writes
Tests/NablaNNTests/Fixtures/losses.json, which is committed, so `swift test` never needs Python.
Output is deterministic: every case seeds torch.manual_seed with the CRC32 of its name, torch runs
single-threaded, and the JSON is written with a fixed key order, so two runs give byte-identical
files (with the same torch version).

File format
-----------
    {"generator": "scripts/generate_loss_fixtures.py", "torch_version": "...", "cases": [CASE, ...]}

    CASE   = {"name": str, "loss": LOSS, "attrs": {...},
              "inputs": {ROLE: TENSOR, ...}, "output": TENSOR,
              "upstream": TENSOR | null, "grads": {ROLE: TENSOR, ...}}
    TENSOR = {"dtype", "shape", "data"}   (as in scripts/generate_fixtures.py: flat row-major data,
             floats as the exact float64 repr, non-finite floats as "nan" / "inf" / "-inf",
             integers as JSON integers)

* LOSS is the torch.nn.functional name: cross_entropy, nll_loss, mse_loss, l1_loss,
  smooth_l1_loss, huber_loss, binary_cross_entropy, binary_cross_entropy_with_logits, kl_div,
  cosine_embedding_loss, margin_ranking_loss.
* ROLE names the argument: "input" (logits / log-probabilities / predictions / probabilities),
  "target", "weight", "pos_weight", "input1", "input2" (the pair losses; their label is "target").
  Optional arguments that are absent are simply not in "inputs".
* attrs holds the non-tensor arguments with PyTorch's names: "reduction" ("none", "mean", "sum",
  or "batchmean" for kl_div), "ignore_index", "label_smoothing" (cross_entropy, nll_loss has
  ignore_index only), "beta" (smooth_l1_loss), "delta" (huber_loss), "log_target" (kl_div),
  "margin" (cosine_embedding_loss, margin_ranking_loss).
* upstream is the seed gradient for the output: the 0-d tensor 1.0 for reduced (scalar) losses,
  a random normal tensor shaped like the output for reduction "none". grads[ROLE] is
  d(sum(output * upstream))/d(inputs[ROLE]), i.e. what output.backward(upstream) leaves in .grad.
  upstream is null and grads is {} for forward-only cases.

Forward-only cases (documented): binary_cross_entropy with inputs exactly 0 or 1 or below 1e-12
(PyTorch's hand-written backward is w(x - y) / max(x(1 - x), 1e-12), which departs from the
derivative once x(1 - x) < 1e-12 and is finite where the clamped log has no slope; Nabla
differentiates the clamped function).
"""

import json
import math
import os
import sys
import warnings
import zlib

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_json import ser  # noqa: E402

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
# Expected and harmless here: broadcasting targets (mse/l1 cases) and kl_div's 'mean' deprecation note.
warnings.filterwarnings("ignore", category=UserWarning)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_PATH = os.path.join(ROOT, "Tests", "NablaNNTests", "Fixtures", "losses.json")

f32, f64, i64 = torch.float32, torch.float64, torch.int64


# ----------------------------------------------------------------------------- the losses

def call(loss, inputs, attrs):
    """Calls torch.nn.functional.<loss> with the case's inputs (by role) and attrs."""
    a = dict(attrs)
    if loss == "cross_entropy":
        return F.cross_entropy(inputs["input"], inputs["target"], weight=inputs.get("weight"),
                               ignore_index=a["ignore_index"], reduction=a["reduction"],
                               label_smoothing=a["label_smoothing"])
    if loss == "nll_loss":
        return F.nll_loss(inputs["input"], inputs["target"], weight=inputs.get("weight"),
                          ignore_index=a["ignore_index"], reduction=a["reduction"])
    if loss == "mse_loss":
        return F.mse_loss(inputs["input"], inputs["target"], reduction=a["reduction"])
    if loss == "l1_loss":
        return F.l1_loss(inputs["input"], inputs["target"], reduction=a["reduction"])
    if loss == "smooth_l1_loss":
        return F.smooth_l1_loss(inputs["input"], inputs["target"], reduction=a["reduction"], beta=a["beta"])
    if loss == "huber_loss":
        return F.huber_loss(inputs["input"], inputs["target"], reduction=a["reduction"], delta=a["delta"])
    if loss == "binary_cross_entropy":
        return F.binary_cross_entropy(inputs["input"], inputs["target"], weight=inputs.get("weight"),
                                      reduction=a["reduction"])
    if loss == "binary_cross_entropy_with_logits":
        return F.binary_cross_entropy_with_logits(inputs["input"], inputs["target"], weight=inputs.get("weight"),
                                                  pos_weight=inputs.get("pos_weight"), reduction=a["reduction"])
    if loss == "kl_div":
        return F.kl_div(inputs["input"], inputs["target"], reduction=a["reduction"], log_target=a["log_target"])
    if loss == "cosine_embedding_loss":
        return F.cosine_embedding_loss(inputs["input1"], inputs["input2"], inputs["target"], margin=a["margin"],
                                       reduction=a["reduction"])
    if loss == "margin_ranking_loss":
        return F.margin_ranking_loss(inputs["input1"], inputs["input2"], inputs["target"], margin=a["margin"],
                                     reduction=a["reduction"])
    raise ValueError(loss)


class Cases:
    def __init__(self):
        self.cases = []
        self.names = set()

    def add(self, name, loss, make_inputs, attrs, grad=("input",)):
        """make_inputs: () -> {role: tensor}, called right after seeding. grad: roles to differentiate."""
        assert name not in self.names, name
        self.names.add(name)
        torch.manual_seed(zlib.crc32(name.encode()))
        inputs = {k: v.detach().clone() for k, v in make_inputs().items()}
        for role in grad:
            inputs[role].requires_grad_(True)
        out = call(loss, inputs, attrs)
        upstream, grads = None, {}
        if grad:
            upstream = torch.ones((), dtype=out.dtype) if out.dim() == 0 else torch.randn(out.shape, dtype=f64).to(out.dtype)
            out.backward(upstream)
            grads = {role: ser(inputs[role].grad) for role in grad}
        self.cases.append({
            "name": name, "loss": loss, "attrs": attrs,
            "inputs": {k: ser(v) for k, v in inputs.items()},
            "output": ser(out),
            "upstream": ser(upstream) if upstream is not None else None,
            "grads": grads,
        })

    def write(self):
        head = json.dumps({"generator": "scripts/generate_loss_fixtures.py", "torch_version": torch.__version__})
        lines = [json.dumps(c, separators=(",", ":"), allow_nan=False) for c in self.cases]
        text = head[:-1] + ', "cases": [\n' + ",\n".join(lines) + "\n]}\n"
        os.makedirs(os.path.dirname(OUT_PATH), exist_ok=True)
        with open(OUT_PATH, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        return len(self.cases), len(text.encode("utf-8"))


# ----------------------------------------------------------------------------- input helpers

REDUCTIONS = ["none", "mean", "sum"]


def randn(*shape, dtype=f32):
    return torch.randn(shape, dtype=f64).to(dtype)


def class_targets(shape, classes, ignore=None, ignore_every=3):
    """Random class indices; every `ignore_every`-th position (from 1) set to `ignore` when given."""
    t = torch.randint(0, classes, shape, dtype=i64)
    if ignore is not None:
        flat = t.reshape(-1)
        flat[1::ignore_every] = ignore
        t = flat.reshape(shape)
    return t


def positive_weight(n, dtype=f32):
    return (torch.rand(n, dtype=f64) * 1.5 + 0.25).to(dtype)


def probabilities(*shape, axis=1, dtype=f32):
    return torch.softmax(torch.randn(shape, dtype=f64), dim=axis).to(dtype)


def spread_differences(*shape, dtype=f32, low=0.05, high=3.0):
    """Prediction/target pairs whose |difference| spans [low, high) and avoids the kinks at 0, 0.5, 1, 2."""
    target = torch.randn(shape, dtype=f64)
    mag = torch.rand(shape, dtype=f64) * (high - low) + low
    for kink in (0.5, 1.0, 2.0):
        near = (mag - kink).abs() < 0.02
        mag = torch.where(near, mag + 0.05, mag)
    sign = torch.where(torch.rand(shape, dtype=f64) < 0.5, -1.0, 1.0)
    return (target + sign * mag).to(dtype), target.to(dtype)


# ----------------------------------------------------------------------------- the cases

def gen_cross_entropy(c):
    N, C = 6, 5
    for red in REDUCTIONS:
        for weighted in (False, True):
            for ignored in (False, True):
                for ls in (0.0, 0.1):
                    name = f"ce_index_{red}" + ("_weight" if weighted else "") + ("_ignore" if ignored else "") + \
                           ("_ls0.1" if ls else "")

                    def make(weighted=weighted, ignored=ignored):
                        d = {"input": randn(N, C), "target": class_targets((N,), C, -100 if ignored else None)}
                        if weighted:
                            d["weight"] = positive_weight(C)
                        return d
                    c.add(name, "cross_entropy", make,
                          {"reduction": red, "ignore_index": -100, "label_smoothing": ls})
    # A non-negative ignore index that is also a valid class.
    for ls in (0.0, 0.1):
        c.add(f"ce_index_ignore_class2_ls{ls}", "cross_entropy",
              lambda: {"input": randn(8, C), "target": torch.tensor([2, 0, 2, 4, 1, 2, 3, 0]), "weight": positive_weight(C)},
              {"reduction": "mean", "ignore_index": 2, "label_smoothing": ls})
    # K-dimensional: [N, C, H, W] with [N, H, W] targets.
    for red in REDUCTIONS:
        for weighted, ignored, ls in ((False, False, 0.0), (True, True, 0.0), (True, True, 0.1), (False, True, 0.1)):
            name = f"ce_index_4d_{red}" + ("_weight" if weighted else "") + ("_ignore" if ignored else "") + \
                   ("_ls0.1" if ls else "")

            def make(weighted=weighted, ignored=ignored):
                d = {"input": randn(2, 4, 3, 3), "target": class_targets((2, 3, 3), 4, -100 if ignored else None, 4)}
                if weighted:
                    d["weight"] = positive_weight(4)
                return d
            c.add(name, "cross_entropy", make, {"reduction": red, "ignore_index": -100, "label_smoothing": ls})
    # [N, C, L] (sequence) and an unbatched sample [C] with a 0-d target.
    c.add("ce_index_3d_mean_weight", "cross_entropy",
          lambda: {"input": randn(3, 5, 4), "target": class_targets((3, 4), 5, -100, 5), "weight": positive_weight(5)},
          {"reduction": "mean", "ignore_index": -100, "label_smoothing": 0.0})
    for red in REDUCTIONS:
        c.add(f"ce_index_unbatched_{red}", "cross_entropy",
              lambda: {"input": randn(7), "target": torch.tensor(3)},
              {"reduction": red, "ignore_index": -100, "label_smoothing": 0.0})
    c.add("ce_index_unbatched_ls0.2", "cross_entropy",
          lambda: {"input": randn(7), "target": torch.tensor(5), "weight": positive_weight(7)},
          {"reduction": "mean", "ignore_index": -100, "label_smoothing": 0.2})
    # Label smoothing 1 (the uniform target only).
    c.add("ce_index_mean_ls1.0", "cross_entropy",
          lambda: {"input": randn(N, C), "target": class_targets((N,), C, -100)},
          {"reduction": "mean", "ignore_index": -100, "label_smoothing": 1.0})
    # Extreme logits ±100: the loss is ~200 for a confident wrong answer and ~0 for a right one.
    def extreme():
        x = torch.where(torch.rand(N, C) < 0.5, -100.0, 100.0)
        x[0] = torch.tensor([100.0, -100.0, -100.0, -100.0, -100.0])
        x[1] = torch.tensor([100.0, 100.0, -100.0, 0.0, -100.0])
        return {"input": x.to(f32), "target": torch.tensor([0, 2, 1, 3, 4, 0])}
    for red in REDUCTIONS:
        c.add(f"ce_index_extreme_{red}", "cross_entropy", extreme, {"reduction": red, "ignore_index": -100, "label_smoothing": 0.0})
    c.add("ce_index_extreme_mean_ls0.1", "cross_entropy", extreme, {"reduction": "mean", "ignore_index": -100, "label_smoothing": 0.1})
    # Masked classes (-inf logits) that are never the target: finite loss and gradients.
    def masked():
        x = randn(4, C)
        x[:, 3] = -math.inf
        x[0, 1] = -math.inf
        return {"input": x, "target": torch.tensor([0, 2, 4, 1])}
    for red in ("none", "mean"):
        c.add(f"ce_index_masked_neg_inf_{red}", "cross_entropy", masked,
              {"reduction": red, "ignore_index": -100, "label_smoothing": 0.0})
    c.add("ce_index_large_logits_sum", "cross_entropy",
          lambda: {"input": randn(N, C) * 1000, "target": class_targets((N,), C)},
          {"reduction": "sum", "ignore_index": -100, "label_smoothing": 0.0})
    # float64, and uint8 targets (torch takes int64 or uint8).
    c.add("ce_index_float64_mean_weight_ignore", "cross_entropy",
          lambda: {"input": randn(N, C, dtype=f64), "target": class_targets((N,), C, -100), "weight": positive_weight(C, f64)},
          {"reduction": "mean", "ignore_index": -100, "label_smoothing": 0.1})
    c.add("ce_index_uint8_target", "cross_entropy",
          lambda: {"input": randn(N, C), "target": class_targets((N,), C).to(torch.uint8)},
          {"reduction": "mean", "ignore_index": -100, "label_smoothing": 0.0})
    # Every target ignored: the mean is NaN, its gradient 0.
    for ls in (0.0, 0.1):
        c.add(f"ce_index_all_ignored_mean_ls{ls}", "cross_entropy",
              lambda: {"input": randn(3, C), "target": torch.tensor([-100, -100, -100]), "weight": positive_weight(C)},
              {"reduction": "mean", "ignore_index": -100, "label_smoothing": ls})

    # Class-probability targets (gradients for the logits and the target).
    for red in REDUCTIONS:
        for weighted in (False, True):
            for ls in (0.0, 0.1):
                name = f"ce_prob_{red}" + ("_weight" if weighted else "") + ("_ls0.1" if ls else "")

                def make(weighted=weighted):
                    d = {"input": randn(N, C), "target": probabilities(N, C)}
                    if weighted:
                        d["weight"] = positive_weight(C)
                    return d
                c.add(name, "cross_entropy", make, {"reduction": red, "ignore_index": -100, "label_smoothing": ls},
                      grad=("input", "target"))
    for red in REDUCTIONS:
        c.add(f"ce_prob_4d_{red}_weight_ls0.1", "cross_entropy",
              lambda: {"input": randn(2, 4, 3, 3), "target": probabilities(2, 4, 3, 3), "weight": positive_weight(4)},
              {"reduction": red, "ignore_index": -100, "label_smoothing": 0.1}, grad=("input", "target"))
    c.add("ce_prob_extreme_mean", "cross_entropy",
          lambda: {"input": torch.tensor([[100.0, -100.0, 0.0], [-100.0, -100.0, 100.0]]),
                   "target": torch.tensor([[0.0, 1.0, 0.0], [0.25, 0.25, 0.5]])},
          {"reduction": "mean", "ignore_index": -100, "label_smoothing": 0.0}, grad=("input", "target"))


def gen_nll(c):
    N, C = 7, 4
    for red in REDUCTIONS:
        for weighted in (False, True):
            for ignored in (False, True):
                name = f"nll_{red}" + ("_weight" if weighted else "") + ("_ignore" if ignored else "")

                def make(weighted=weighted, ignored=ignored):
                    d = {"input": torch.log_softmax(randn(N, C), 1), "target": class_targets((N,), C, -100 if ignored else None)}
                    if weighted:
                        d["weight"] = positive_weight(C)
                    return d
                c.add(name, "nll_loss", make, {"reduction": red, "ignore_index": -100})
        c.add(f"nll_4d_{red}_weight_ignore", "nll_loss",
              lambda: {"input": torch.log_softmax(randn(2, 3, 2, 5), 1), "target": class_targets((2, 2, 5), 3, -100, 3),
                       "weight": positive_weight(3)},
              {"reduction": red, "ignore_index": -100})
    c.add("nll_ignore_class1_mean", "nll_loss",
          lambda: {"input": randn(N, C), "target": torch.tensor([1, 0, 1, 3, 2, 1, 0])},
          {"reduction": "mean", "ignore_index": 1})
    c.add("nll_unbatched_sum", "nll_loss", lambda: {"input": randn(C), "target": torch.tensor(2)},
          {"reduction": "sum", "ignore_index": -100})
    c.add("nll_all_ignored_mean", "nll_loss",
          lambda: {"input": randn(2, C), "target": torch.tensor([-100, -100])},
          {"reduction": "mean", "ignore_index": -100})


def gen_regression(c):
    both = ("input", "target")
    for red in REDUCTIONS:
        c.add(f"mse_{red}", "mse_loss", lambda: dict(zip(("input", "target"), spread_differences(4, 5))),
              {"reduction": red}, grad=both)
        c.add(f"l1_{red}", "l1_loss", lambda: dict(zip(("input", "target"), spread_differences(4, 5))),
              {"reduction": red}, grad=both)
        for beta in (1.0, 0.5, 0.0):
            c.add(f"smooth_l1_{red}_beta{beta}", "smooth_l1_loss",
                  lambda: dict(zip(("input", "target"), spread_differences(4, 5))),
                  {"reduction": red, "beta": beta}, grad=both)
        for delta in (1.0, 2.0, 0.5):
            c.add(f"huber_{red}_delta{delta}", "huber_loss",
                  lambda: dict(zip(("input", "target"), spread_differences(4, 5))),
                  {"reduction": red, "delta": delta}, grad=both)
    c.add("mse_float64_3d_mean", "mse_loss", lambda: {"input": randn(2, 3, 4, dtype=f64), "target": randn(2, 3, 4, dtype=f64)},
          {"reduction": "mean"}, grad=both)
    # A target that broadcasts along the batch (PyTorch warns, but computes it).
    c.add("mse_broadcast_target_mean", "mse_loss", lambda: {"input": randn(4, 5), "target": randn(5)},
          {"reduction": "mean"}, grad=both)
    c.add("l1_broadcast_target_sum", "l1_loss", lambda: {"input": randn(3, 4) + 3, "target": randn(1, 4)},
          {"reduction": "sum"}, grad=both)


def gen_bce(c):
    both = ("input", "target")
    for red in REDUCTIONS:
        c.add(f"bce_{red}", "binary_cross_entropy",
              lambda: {"input": torch.sigmoid(randn(4, 3)), "target": torch.rand(4, 3)}, {"reduction": red}, grad=both)
        c.add(f"bce_{red}_weight", "binary_cross_entropy",
              lambda: {"input": torch.sigmoid(randn(4, 3)), "target": (torch.rand(4, 3) < 0.5).float(),
                       "weight": positive_weight(3)}, {"reduction": red}, grad=both)
    c.add("bce_near_0_and_1_mean", "binary_cross_entropy",
          lambda: {"input": torch.tensor([1e-6, 1 - 1e-6, 1e-10, 0.999, 0.5, 1e-3]),
                   "target": torch.tensor([1.0, 0.0, 0.0, 1.0, 0.3, 0.0])},
          {"reduction": "mean"}, grad=both)
    c.add("bce_clamped_0_and_1_none", "binary_cross_entropy",
          lambda: {"input": torch.tensor([0.0, 1.0, 0.0, 1.0, 1e-45, 1e-30, 0.5]),
                   "target": torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.5])},
          {"reduction": "none"}, grad=())
    c.add("bce_float64_sum_weight_4d", "binary_cross_entropy",
          lambda: {"input": torch.sigmoid(randn(2, 3, 2, 2, dtype=f64)), "target": torch.rand(2, 3, 2, 2, dtype=f64),
                   "weight": positive_weight(2, f64)}, {"reduction": "sum"}, grad=both)

    for red in REDUCTIONS:
        c.add(f"bce_logits_{red}", "binary_cross_entropy_with_logits",
              lambda: {"input": randn(5, 4) * 3, "target": torch.rand(5, 4)}, {"reduction": red}, grad=both)
        c.add(f"bce_logits_{red}_weight", "binary_cross_entropy_with_logits",
              lambda: {"input": randn(5, 4) * 3, "target": (torch.rand(5, 4) < 0.5).float(), "weight": positive_weight(4)},
              {"reduction": red}, grad=both)
        c.add(f"bce_logits_{red}_pos_weight", "binary_cross_entropy_with_logits",
              lambda: {"input": randn(5, 4) * 3, "target": (torch.rand(5, 4) < 0.5).float(),
                       "pos_weight": positive_weight(4) * 2}, {"reduction": red}, grad=both)
        c.add(f"bce_logits_{red}_weight_pos_weight", "binary_cross_entropy_with_logits",
              lambda: {"input": randn(5, 4) * 3, "target": torch.rand(5, 4), "weight": positive_weight(5).reshape(5, 1),
                       "pos_weight": positive_weight(4) * 2}, {"reduction": red}, grad=both)

    def extreme():
        return {"input": torch.tensor([100.0, -100.0, 100.0, -100.0, 0.0, 30.0, -30.0, 0.0]),
                "target": torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0])}
    for red in REDUCTIONS:
        c.add(f"bce_logits_extreme_{red}", "binary_cross_entropy_with_logits", extreme, {"reduction": red}, grad=both)
    c.add("bce_logits_extreme_pos_weight_mean", "binary_cross_entropy_with_logits",
          lambda: dict(extreme(), pos_weight=torch.tensor([3.0])), {"reduction": "mean"}, grad=both)
    c.add("bce_logits_float64_4d_pos_weight", "binary_cross_entropy_with_logits",
          lambda: {"input": randn(2, 3, 4, dtype=f64), "target": torch.rand(2, 3, 4, dtype=f64),
                   "pos_weight": positive_weight(4, f64)}, {"reduction": "mean"}, grad=both)


def gen_kl(c):
    for red in REDUCTIONS + ["batchmean"]:
        c.add(f"kl_{red}", "kl_div",
              lambda: {"input": torch.log_softmax(randn(4, 6), 1), "target": probabilities(4, 6)},
              {"reduction": red, "log_target": False}, grad=("input", "target"))
        c.add(f"kl_{red}_log_target", "kl_div",
              lambda: {"input": torch.log_softmax(randn(4, 6), 1), "target": torch.log_softmax(randn(4, 6), 1)},
              {"reduction": red, "log_target": True}, grad=("input", "target"))

    def with_zeros():
        t = probabilities(3, 5)
        t[0, 1] = 0
        t[2, 4] = 0
        return {"input": torch.log_softmax(randn(3, 5), 1), "target": t}
    c.add("kl_zero_targets_batchmean", "kl_div", with_zeros, {"reduction": "batchmean", "log_target": False})
    c.add("kl_zero_targets_none", "kl_div", with_zeros, {"reduction": "none", "log_target": False})
    c.add("kl_float64_3d_batchmean", "kl_div",
          lambda: {"input": torch.log_softmax(randn(2, 3, 4, dtype=f64), 1), "target": probabilities(2, 3, 4, dtype=f64)},
          {"reduction": "batchmean", "log_target": False}, grad=("input", "target"))


def gen_pairs(c):
    def signs(n, dtype=f32):
        return torch.where(torch.rand(n) < 0.5, -1.0, 1.0).to(dtype)
    for red in REDUCTIONS:
        for margin in (0.0, 0.3):
            c.add(f"cosine_embedding_{red}_margin{margin}", "cosine_embedding_loss",
                  lambda: {"input1": randn(6, 4), "input2": randn(6, 4), "target": signs(6)},
                  {"reduction": red, "margin": margin}, grad=("input1", "input2"))
            c.add(f"margin_ranking_{red}_margin{margin}", "margin_ranking_loss",
                  lambda: {"input1": randn(7), "input2": randn(7), "target": signs(7)},
                  {"reduction": red, "margin": margin}, grad=("input1", "input2", "target"))
    c.add("cosine_embedding_int_labels_mean", "cosine_embedding_loss",
          lambda: {"input1": randn(5, 3), "input2": randn(5, 3), "target": torch.tensor([1, -1, -1, 1, -1])},
          {"reduction": "mean", "margin": -0.2}, grad=("input1", "input2"))
    c.add("cosine_embedding_unbatched_none", "cosine_embedding_loss",
          lambda: {"input1": randn(5), "input2": randn(5), "target": torch.tensor(-1.0)},
          {"reduction": "none", "margin": -0.5}, grad=("input1", "input2"))
    c.add("cosine_embedding_zero_vector_sum", "cosine_embedding_loss",
          lambda: {"input1": torch.cat([torch.zeros(1, 3), randn(2, 3)]), "input2": randn(3, 3),
                   "target": torch.tensor([1.0, 1.0, -1.0])},
          {"reduction": "sum", "margin": -0.9}, grad=("input1", "input2"))
    c.add("cosine_embedding_float64_mean", "cosine_embedding_loss",
          lambda: {"input1": randn(4, 6, dtype=f64), "input2": randn(4, 6, dtype=f64), "target": signs(4, f64)},
          {"reduction": "mean", "margin": 0.1}, grad=("input1", "input2"))
    c.add("margin_ranking_2d_mean_margin1.0", "margin_ranking_loss",
          lambda: {"input1": randn(3, 4), "input2": randn(3, 4), "target": signs(4).reshape(1, 4)},
          {"reduction": "mean", "margin": 1.0}, grad=("input1", "input2", "target"))


def main():
    c = Cases()
    for gen in (gen_cross_entropy, gen_nll, gen_regression, gen_bce, gen_kl, gen_pairs):
        gen(c)
    n, size = c.write()
    losses = sorted({case["loss"] for case in c.cases})
    print(f"torch {torch.__version__}: wrote {n} cases ({size} bytes) for {len(losses)} losses to "
          f"{os.path.relpath(OUT_PATH, ROOT)}")


if __name__ == "__main__":
    main()
