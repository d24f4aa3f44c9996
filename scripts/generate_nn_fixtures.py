#!/usr/bin/env python3
"""Generate PyTorch golden fixtures for NablaNN's layers (Tests/NablaNNTests/Fixtures/layers.json).

README
------
Regenerate with

    python3 scripts/generate_nn_fixtures.py

from the repository root (needs the `torch` CPU wheel only). Output is deterministic: every case
seeds torch.manual_seed with the CRC32 of its name, torch runs single-threaded, and the JSON is
written with a fixed key order, so two runs give byte-identical files (same torch version). The
fixture is committed so `swift test` never needs Python.

File format
-----------
    {"generator": "scripts/generate_nn_fixtures.py", "torch_version": "...",
     "cases": [CASE, ...], "models": [MODEL, ...], "fans": [FAN, ...], "gains": [GAIN, ...]}

    CASE  = {"name", "layer", "attrs", "training": bool,
             "state": [[key, TENSOR], ...],        # module.state_dict() before the forward pass
             "inputs": [TENSOR, ...],              # the forward arguments
             "output": TENSOR,
             "upstream": TENSOR | null,            # seed gradient of the output (null: no backward)
             "input_grads": [TENSOR | null, ...],  # d(sum(output * upstream)) / d(inputs[i]); null for integer inputs
             "param_grads": [[name, TENSOR], ...], # the same for every named parameter (zeros if it got none)
             "state_after": [[key, TENSOR], ...]}  # state_dict() after the forward pass (BatchNorm running stats)
    MODEL = {"name", "parameter_names": [...], "state_keys": [...], "parameter_count": int,
             "trainable_count": int}
    FAN   = {"shape": [...], "fan_in": int, "fan_out": int}          # torch.nn.init._calculate_fan_in_and_fan_out
    GAIN  = {"nonlinearity": str, "param": number | null, "gain": number}   # torch.nn.init.calculate_gain
    TENSOR = {"dtype", "shape", "data"}   # as in scripts/generate_fixtures.py: flat row-major data,
                                          # floats as exact reprs, "nan"/"inf"/"-inf" as strings

attrs use PyTorch's constructor arguments (snake_case) and the values passed to them; an "int or
pair" argument is a JSON int or a list of two ints. Parameters of normalisation layers (default
ones/zeros) and BatchNorm running statistics are perturbed to random values before the state is
saved, so the fixture exercises the affine terms and the running-statistics path.
"""

import math
import os
import sys
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_json import ser, write_fixture  # noqa: E402

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_PATH = os.path.join(ROOT, "Tests", "NablaNNTests", "Fixtures", "layers.json")


def ser_state(module):
    return [[k, ser(v)] for k, v in module.state_dict().items()]


CASES = []
NAMES = set()


def perturb_norm(module):
    """Random affine parameters and running statistics (defaults are ones/zeros)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name == "weight":
                p.copy_(1 + 0.5 * torch.randn(p.shape))
            else:
                p.copy_(0.5 * torch.randn(p.shape))
        if getattr(module, "running_mean", None) is not None:
            module.running_mean.copy_(0.5 * torch.randn(module.running_mean.shape))
            module.running_var.copy_(torch.rand(module.running_var.shape) + 0.5)


def add(name, layer, attrs, make_module, make_inputs, training=False, backward=True, perturb=False):
    """One layer case: build the module and inputs right after seeding with CRC32(name)."""
    assert name not in NAMES, name
    NAMES.add(name)
    torch.manual_seed(zlib.crc32(name.encode()))
    module = make_module()
    if perturb:
        perturb_norm(module)
    module.train(training)
    state = ser_state(module)
    inputs = [t.detach().clone() for t in make_inputs()]
    for t in inputs:
        if t.dtype.is_floating_point and backward:
            t.requires_grad_(True)
    out = module(*inputs)
    upstream = None
    input_grads = []
    param_grads = []
    if backward:
        upstream = torch.randn(out.shape, dtype=out.dtype)
        out.backward(upstream)
        for t in inputs:
            input_grads.append(ser(t.grad) if t.dtype.is_floating_point else None)
        for pname, p in module.named_parameters():
            g = p.grad if p.grad is not None else torch.zeros_like(p)
            param_grads.append([pname, ser(g)])
    CASES.append({
        "name": name,
        "layer": layer,
        "attrs": attrs,
        "training": training,
        "state": state,
        "inputs": [ser(t) for t in inputs],
        "output": ser(out),
        "upstream": ser(upstream) if upstream is not None else None,
        "input_grads": input_grads,
        "param_grads": param_grads,
        "state_after": ser_state(module),
    })


def randn(*shape):
    return torch.randn(shape, dtype=torch.float64).to(torch.float32)


def away(*shape, margin=0.05):
    """Normal values with |x| >= margin (away from the kinks at 0)."""
    x = torch.randn(shape, dtype=torch.float64)
    return (x + torch.where(x >= 0, margin, -margin)).to(torch.float32)


def distinct(*shape):
    """Values without ties (for max pooling)."""
    n = math.prod(shape)
    perm = torch.randperm(n).to(torch.float64)
    return ((perm - n / 2) * 0.37 + 0.05 * torch.rand(n, dtype=torch.float64)).reshape(shape).to(torch.float32)


def kw(**kwargs):
    """attrs: Python tuples become lists."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in kwargs.items()}


def gen_cases():
    # Linear / Bilinear / Identity
    for name, a, shape in [("linear", kw(in_features=5, out_features=3, bias=True), (4, 5)),
                           ("linear_nobias", kw(in_features=5, out_features=3, bias=False), (4, 5)),
                           ("linear_3d", kw(in_features=6, out_features=4, bias=True), (2, 3, 6)),
                           ("linear_1d", kw(in_features=6, out_features=2, bias=True), (6,))]:
        add(name, "Linear", a, lambda a=a: nn.Linear(**a), lambda s=shape: [randn(*s)])
    for name, a, n in [("bilinear", kw(in1_features=3, in2_features=4, out_features=5, bias=True), (6,)),
                       ("bilinear_nobias_3d", kw(in1_features=2, in2_features=3, out_features=4, bias=False), (2, 3))]:
        add(name, "Bilinear", a, lambda a=a: nn.Bilinear(**a),
            lambda a=a, n=n: [randn(*n, a["in1_features"]), randn(*n, a["in2_features"])])
    add("identity", "Identity", {}, lambda: nn.Identity(), lambda: [randn(3, 4)])

    # Convolutions
    conv1 = [("conv1d", kw(in_channels=2, out_channels=3, kernel_size=3), (2, 2, 9)),
             ("conv1d_strided", kw(in_channels=4, out_channels=4, kernel_size=3, stride=2, padding=2, dilation=2,
                                   groups=2, bias=False), (2, 4, 11)),
             ("conv1d_unbatched", kw(in_channels=2, out_channels=3, kernel_size=2, padding=1), (2, 7))]
    for name, a, shape in conv1:
        add(name, "Conv1d", a, lambda a=a: nn.Conv1d(**a), lambda s=shape: [randn(*s)])
    conv2 = [("conv2d", kw(in_channels=2, out_channels=3, kernel_size=3), (2, 2, 6, 6)),
             ("conv2d_pairs", kw(in_channels=2, out_channels=4, kernel_size=(3, 2), stride=(2, 1), padding=(1, 2),
                                 dilation=(1, 2)), (2, 2, 7, 6)),
             ("conv2d_groups_nobias", kw(in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=1, groups=2,
                                         bias=False), (1, 4, 7, 7)),
             ("conv2d_unbatched", kw(in_channels=1, out_channels=2, kernel_size=2), (1, 4, 5))]
    for name, a, shape in conv2:
        add(name, "Conv2d", a, lambda a=a: nn.Conv2d(**a), lambda s=shape: [randn(*s)])
    convt = [("conv_transpose2d", kw(in_channels=3, out_channels=2, kernel_size=3), (2, 3, 4, 4)),
             ("conv_transpose2d_strided", kw(in_channels=2, out_channels=4, kernel_size=(3, 2), stride=2, padding=1,
                                             output_padding=1, groups=2, bias=True, dilation=1), (1, 2, 4, 5)),
             ("conv_transpose2d_dilated", kw(in_channels=2, out_channels=2, kernel_size=2, dilation=2, bias=False),
              (2, 2, 3, 3))]
    for name, a, shape in convt:
        add(name, "ConvTranspose2d", a, lambda a=a: nn.ConvTranspose2d(**a), lambda s=shape: [randn(*s)])

    # Pooling
    pools = [("max_pool1d", "MaxPool1d", kw(kernel_size=2), (2, 3, 8)),
             ("max_pool1d_strided", "MaxPool1d", kw(kernel_size=3, stride=2, padding=1), (2, 2, 9)),
             ("max_pool2d", "MaxPool2d", kw(kernel_size=2), (2, 2, 6, 6)),
             ("max_pool2d_pairs", "MaxPool2d", kw(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0)), (1, 2, 7, 5)),
             ("avg_pool1d", "AvgPool1d", kw(kernel_size=3, stride=2, padding=1), (2, 2, 9)),
             ("avg_pool1d_exclude_pad", "AvgPool1d", kw(kernel_size=3, stride=2, padding=1, count_include_pad=False), (2, 2, 9)),
             ("avg_pool2d", "AvgPool2d", kw(kernel_size=2), (2, 3, 6, 6)),
             ("avg_pool2d_exclude_pad", "AvgPool2d", kw(kernel_size=3, stride=2, padding=1, count_include_pad=False),
              (1, 2, 7, 6)),
             ("adaptive_avg_pool2d", "AdaptiveAvgPool2d", kw(output_size=2), (2, 2, 6, 4)),
             ("adaptive_avg_pool2d_uneven", "AdaptiveAvgPool2d", kw(output_size=(3, 2)), (1, 2, 7, 5))]
    for name, layer, a, shape in pools:
        mk = (lambda a=a, layer=layer: getattr(nn, layer)(**a))
        inp = (lambda s=shape: [distinct(*s)]) if layer.startswith("Max") else (lambda s=shape: [randn(*s)])
        add(name, layer, a, mk, inp)

    # BatchNorm: train (batch statistics, running-stat update) and eval (running statistics).
    bns = [("batch_norm1d_train", "BatchNorm1d", kw(num_features=3), (5, 3), True),
           ("batch_norm1d_train_3d", "BatchNorm1d", kw(num_features=2, momentum=0.3), (3, 2, 4), True),
           ("batch_norm1d_eval", "BatchNorm1d", kw(num_features=3), (4, 3, 2), False),
           ("batch_norm2d_train", "BatchNorm2d", kw(num_features=3), (2, 3, 3, 4), True),
           ("batch_norm2d_eval", "BatchNorm2d", kw(num_features=3, eps=1e-3), (2, 3, 3, 4), False),
           ("batch_norm2d_no_affine", "BatchNorm2d", kw(num_features=2, affine=False), (3, 2, 2, 2), True),
           ("batch_norm2d_no_running_stats_eval", "BatchNorm2d", kw(num_features=2, track_running_stats=False),
            (3, 2, 2, 3), False)]
    for name, layer, a, shape, training in bns:
        add(name, layer, a, lambda a=a, layer=layer: getattr(nn, layer)(**a), lambda s=shape: [randn(*s)],
            training=training, perturb=True)

    def cumulative_bn():
        m = nn.BatchNorm2d(2, momentum=None)
        with torch.no_grad():
            m.num_batches_tracked.fill_(3)
        return m
    add("batch_norm2d_cumulative", "BatchNorm2d", kw(num_features=2, momentum=None), cumulative_bn,
        lambda: [randn(2, 2, 3, 3)], training=True, perturb=True)

    # LayerNorm / GroupNorm / RMSNorm
    norms = [("layer_norm", "LayerNorm", kw(normalized_shape=[5]), (3, 5)),
             ("layer_norm_2d", "LayerNorm", kw(normalized_shape=[3, 4], eps=1e-3), (2, 2, 3, 4)),
             ("layer_norm_no_affine", "LayerNorm", kw(normalized_shape=[6], elementwise_affine=False), (4, 6)),
             ("layer_norm_no_bias", "LayerNorm", kw(normalized_shape=[6], bias=False), (4, 6)),
             ("group_norm", "GroupNorm", kw(num_groups=2, num_channels=4), (2, 4, 3, 3)),
             ("group_norm_3d_no_affine", "GroupNorm", kw(num_groups=3, num_channels=6, affine=False, eps=1e-4), (2, 6, 5)),
             ("rms_norm", "RMSNorm", kw(normalized_shape=[5]), (3, 5)),
             ("rms_norm_eps_2d", "RMSNorm", kw(normalized_shape=[2, 3], eps=1e-3), (4, 2, 3)),
             ("rms_norm_no_affine", "RMSNorm", kw(normalized_shape=[4], elementwise_affine=False), (3, 4))]
    for name, layer, a, shape in norms:
        add(name, layer, a, lambda a=a, layer=layer: getattr(nn, layer)(**a), lambda s=shape: [randn(*s)], perturb=True)

    # Dropout in eval mode is the identity (train mode is tested statistically in Swift).
    add("dropout_eval", "Dropout", kw(p=0.3), lambda: nn.Dropout(0.3), lambda: [randn(4, 5)])
    add("dropout2d_eval", "Dropout2d", kw(p=0.5), lambda: nn.Dropout2d(0.5), lambda: [randn(2, 3, 2, 2)])
    # p = 0 keeps everything even in training mode.
    add("dropout_p0_train", "Dropout", kw(p=0.0), lambda: nn.Dropout(0.0), lambda: [randn(4, 5)], training=True)

    # Embedding
    add("embedding", "Embedding", kw(num_embeddings=7, embedding_dim=3), lambda: nn.Embedding(7, 3),
        lambda: [torch.tensor([[1, 2, 4, 5], [4, 3, 2, 6]])])
    add("embedding_padding", "Embedding", kw(num_embeddings=6, embedding_dim=4, padding_idx=2),
        lambda: nn.Embedding(6, 4, padding_idx=2), lambda: [torch.tensor([[2, 1, 2, 5], [0, 2, 3, 1]])])
    add("embedding_padding_negative", "Embedding", kw(num_embeddings=5, embedding_dim=2, padding_idx=-1),
        lambda: nn.Embedding(5, 2, padding_idx=-1), lambda: [torch.tensor([4, 0, 4, 1, 3])])

    # Shape layers
    add("flatten", "Flatten", {}, lambda: nn.Flatten(), lambda: [randn(2, 3, 2, 2)])
    add("flatten_range", "Flatten", kw(start_dim=0, end_dim=2), lambda: nn.Flatten(0, 2), lambda: [randn(2, 3, 2, 2)])
    add("unflatten", "Unflatten", kw(dim=1, unflattened_size=[2, 3]), lambda: nn.Unflatten(1, (2, 3)),
        lambda: [randn(4, 6)])
    add("unflatten_inferred", "Unflatten", kw(dim=-1, unflattened_size=[-1, 2]), lambda: nn.Unflatten(-1, (-1, 2)),
        lambda: [randn(3, 2, 8)])

    # Activations
    acts = [("relu", "ReLU", {}, lambda: nn.ReLU()),
            ("leaky_relu", "LeakyReLU", kw(negative_slope=0.2), lambda: nn.LeakyReLU(0.2)),
            ("leaky_relu_default", "LeakyReLU", {}, lambda: nn.LeakyReLU()),
            ("elu", "ELU", kw(alpha=1.5), lambda: nn.ELU(1.5)),
            ("gelu", "GELU", kw(approximate="none"), lambda: nn.GELU()),
            ("gelu_tanh", "GELU", kw(approximate="tanh"), lambda: nn.GELU(approximate="tanh")),
            ("silu", "SiLU", {}, lambda: nn.SiLU()),
            ("tanh", "Tanh", {}, lambda: nn.Tanh()),
            ("sigmoid", "Sigmoid", {}, lambda: nn.Sigmoid()),
            ("softmax", "Softmax", kw(dim=1), lambda: nn.Softmax(dim=1)),
            ("softmax_last", "Softmax", kw(dim=-1), lambda: nn.Softmax(dim=-1)),
            ("log_softmax", "LogSoftmax", kw(dim=-1), lambda: nn.LogSoftmax(dim=-1)),
            ("log_softmax_dim0", "LogSoftmax", kw(dim=0), lambda: nn.LogSoftmax(dim=0))]
    for name, layer, a, mk in acts:
        add(name, layer, a, mk, lambda: [away(3, 4, 5)])


# ----------------------------------------------------------------------------- module trees

class Net(nn.Module):
    """A user module with named properties (mirrored by a Swift subclass in the tests)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3)
        self.bn1 = nn.BatchNorm2d(4)
        self.fc1 = nn.Linear(4 * 3 * 3, 8)
        self.fc2 = nn.Linear(8, 2, bias=False)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


class Stack(nn.Module):
    """A ModuleList of blocks, each a Sequential, plus a head and a LayerNorm."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 6)
        self.blocks = nn.ModuleList([nn.Sequential(nn.Linear(6, 6), nn.GELU(), nn.Dropout(0.1)) for _ in range(2)])
        self.norm = nn.LayerNorm(6)
        self.head = nn.Linear(6, 3)


def gen_models():
    models = [
        ("sequential_cnn", lambda: nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                                 nn.Linear(4 * 13 * 13, 10))),
        ("net", Net),
        ("stack", Stack),
        ("sequential_norms", lambda: nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(),
                                                   nn.Linear(8, 8), nn.GroupNorm(2, 8), nn.RMSNorm(8),
                                                   nn.Linear(8, 2))),
    ]
    out = []
    for name, make in models:
        torch.manual_seed(0)
        m = make()
        out.append({
            "name": name,
            "parameter_names": [n for n, _ in m.named_parameters()],
            "state_keys": list(m.state_dict().keys()),
            "parameter_count": sum(p.numel() for p in m.parameters()),
            "trainable_count": sum(p.numel() for p in m.parameters() if p.requires_grad),
        })
    return out


def gen_fans():
    shapes = [[5, 3], [16, 8, 3, 3], [4, 6, 5], [3, 2, 2, 2, 2], [7, 1], [8, 4, 1, 1]]
    out = []
    for s in shapes:
        fi, fo = nn.init._calculate_fan_in_and_fan_out(torch.empty(s))
        out.append({"shape": s, "fan_in": fi, "fan_out": fo})
    return out


def gen_gains():
    out = []
    for nl, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                      ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None)]:
        out.append({"nonlinearity": nl, "param": param, "gain": nn.init.calculate_gain(nl, param)})
    return out


def main():
    gen_cases()
    size = write_fixture(OUT_PATH, "scripts/generate_nn_fixtures.py", CASES, [("models", gen_models()), ("fans", gen_fans()), ("gains", gen_gains())], ROOT)
    print(f"torch {torch.__version__}: {len(CASES)} layer cases, {size} bytes -> "
          f"{os.path.relpath(OUT_PATH, ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
