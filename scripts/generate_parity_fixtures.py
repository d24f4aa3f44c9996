#!/usr/bin/env python3
"""Generates Tests/NablaIntegrationTests/Fixtures/parity.json: a small CNN+MLP with fixed weights and
a fixed batch, run through PyTorch, so Nabla can prove end-to-end parity (outputs, loss, every
parameter gradient, and parameters after 3 steps of each optimizer).

Regenerate: python3 scripts/generate_parity_fixtures.py   (needs torch; output is deterministic)

Model (torch.nn.Sequential, so state-dict keys are "0.weight", "0.bias", "4.weight", …):
  Conv2d(1, 4, 3) - ReLU - MaxPool2d(2) - Flatten - Linear(36, 16) - ReLU - Linear(16, 10)
Input: a batch of 4 images 1x8x8, labels in 0..9, loss = cross-entropy (mean).
For each optimizer in OPTIMIZERS: a fresh copy of the initial weights, 3 steps of
(zero_grad, forward, loss, backward, step) on the same batch; parameters after each step.

TENSOR = {"dtype": "float32"|"int64", "shape": [...], "data": [flat row-major]}.
"""
import json, os, zlib
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "NablaIntegrationTests", "Fixtures", "parity.json")

OPTIMIZERS = {
    "sgd": (torch.optim.SGD, dict(lr=0.1)),
    "sgd_momentum_nesterov_wd": (torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2)),
    "adam": (torch.optim.Adam, dict(lr=1e-2)),
    "adam_amsgrad_wd": (torch.optim.Adam, dict(lr=1e-2, amsgrad=True, weight_decay=1e-2)),
    "adamw": (torch.optim.AdamW, dict(lr=1e-2, weight_decay=0.1)),
    "rmsprop": (torch.optim.RMSprop, dict(lr=1e-2)),
    "rmsprop_centered_momentum": (torch.optim.RMSprop, dict(lr=1e-2, centered=True, momentum=0.5)),
    "adagrad": (torch.optim.Adagrad, dict(lr=0.1)),
    "adadelta": (torch.optim.Adadelta, dict(lr=1.0)),
}


def tensor(t):
    t = t.detach().contiguous()
    dtype = {torch.float32: "float32", torch.int64: "int64"}[t.dtype]
    data = t.flatten().tolist()
    return {"dtype": dtype, "shape": list(t.shape), "data": data}


def model():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
        torch.nn.Linear(36, 16), torch.nn.ReLU(), torch.nn.Linear(16, 10))


def main():
    torch.manual_seed(zlib.crc32(b"parity"))
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    net = model()
    initial = {k: v.detach().clone() for k, v in net.state_dict().items()}
    x = torch.randn(4, 1, 8, 8)
    y = torch.tensor([3, 7, 0, 9], dtype=torch.int64)
    logits = net(x)
    loss = torch.nn.functional.cross_entropy(logits, y)
    loss.backward()
    result = {
        "generator": "scripts/generate_parity_fixtures.py", "torch_version": torch.__version__,
        "state_dict": {k: tensor(v) for k, v in initial.items()},
        "input": tensor(x), "labels": tensor(y), "logits": tensor(logits), "loss": loss.item(),
        "grads": {k: tensor(p.grad) for k, p in net.named_parameters()},
        "optimizers": {},
    }
    for name, (cls, options) in OPTIMIZERS.items():
        net = model()
        net.load_state_dict(initial)
        opt = cls(net.parameters(), **options)
        steps = []
        for _ in range(3):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
            steps.append({k: tensor(v) for k, v in net.state_dict().items()})
        result["optimizers"][name] = {"options": options, "steps": steps}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(result, f, separators=(",", ":"))
    print(f"wrote {OUT}: {os.path.getsize(OUT)} bytes, {len(OPTIMIZERS)} optimizers")


if __name__ == "__main__":
    main()
