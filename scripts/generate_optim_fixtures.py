#!/usr/bin/env python3
"""Generate PyTorch golden values for Nabla's optimizers, gradient clipping and LR schedules.

README
------
Regenerate with

    python3 scripts/generate_optim_fixtures.py

from the repository root (needs the `torch` CPU wheel; nothing else). It writes
Tests/NablaOptimTests/Fixtures/optim.json and prints a summary. Output is deterministic: every
case seeds torch.manual_seed with the CRC32 of its name, torch runs single-threaded, and the JSON is
written with a fixed key order, so two runs give byte-identical files (with the same torch
version). The fixture is committed, so `swift test` never needs Python.

File format
-----------
    {"generator": "scripts/generate_optim_fixtures.py", "torch_version": "...",
     "optimizers": [OPT], "clipping": [CLIP], "schedulers": [SCHED]}

    TENSOR = {"dtype", "shape", "data"}   (as in scripts/generate_fixtures.py: flat row-major
             data, floats as the repr of their exact float64 value)

    OPT = {"name", "optimizer": "SGD" | "Adam" | "AdamW" | "RMSprop" | "Adagrad" | "Adadelta" | "Lion",
           "options": {HYPER: value},                  # optimizer-wide defaults passed to the constructor
           "groups": [{"params": [int], "options": {HYPER: value}}],   # per-group overrides
           "params": [TENSOR],                         # initial parameter values (float32)
           "grads": [[TENSOR | null]],                 # per step, per parameter (null = no grad: skipped)
           "expected": [[TENSOR]]}                     # per step, the parameters after optimizer.step()

      HYPER names are Nabla's `Hyperparameter` raw values, PyTorch's names with `betas` split:
      lr, weight_decay, momentum, dampening, nesterov, maximize, beta1, beta2, eps, amsgrad,
      alpha, centered, lr_decay, initial_accumulator_value, rho. Flags are JSON booleans.
      Every optimizer runs torch's single-tensor path (foreach=False).

    CLIP = {"name", "kind": "norm" | "value", "max_norm", "norm_type": number | "inf",
            "clip_value", "grads": [TENSOR], "total_norm": TENSOR | null, "clipped": [TENSOR]}
      kind "norm" is torch.nn.utils.clip_grad_norm_ (total_norm is its return value); kind
      "value" is clip_grad_value_ (max_norm, norm_type and total_norm are null).

    SCHED = {"name", "scheduler", "args": {...}, "optimizer": "SGD" | "Adam",
             "base_lrs": [float], "metrics": [float] | null,
             "lrs": [[float]],          # lrs[t][g]: group g's lr after construction (t = 0) and after
                                        # t calls of scheduler.step() (t = 1 ... steps)
             "momenta": [[float]] | null}   # OneCycleLR with cycle_momentum: momentum (SGD) or
                                            # beta1 (Adam) per group, same indexing as lrs
      args use Nabla's parameter names (step_size, gamma, milestones, t_max, eta_min, t0, t_mult,
      max_lr, total_steps, pct_start, div_factor, final_div_factor, cycle_momentum,
      base_momentum, max_momentum, mode, factor, patience, threshold, threshold_mode, cooldown,
      min_lr, warmup_steps, start_factor). For ReduceLROnPlateau, scheduler.step(metrics[t-1])
      produces lrs[t].

Reference implementations not in torch (written here from their papers)
---------------------------------------------------------------------------
* Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", the authors' PyTorch
  listing):  p *= 1 - lr * wd;  u = sign(m * beta1 + g * (1 - beta1));  p += -lr * u;
  m = m * beta2 + g * (1 - beta2).
* LinearWarmupCosine is checked against torch's own SequentialLR(LinearLR(start_factor, 1.0,
  warmup_steps), CosineAnnealingLR(total_steps - warmup_steps, eta_min), milestones=[warmup_steps]),
  which is the formula Nabla documents:
      t <  W: lr = base * (s + (1 - s) * t / W)
      W <= t <= T: lr = eta_min + (base - eta_min) * (1 + cos(pi * (t - W) / (T - W))) / 2
"""

import json
import math
import os
import zlib

import torch

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_PATH = os.path.join(ROOT, "Tests", "NablaOptimTests", "Fixtures", "optim.json")
STEPS = 5
SCHEDULE_STEPS = 30


def ser(t):
    t = t.detach().contiguous()
    assert t.dtype == torch.float32, t.dtype
    data = t.reshape(-1).to(torch.float64).tolist()
    assert all(math.isfinite(v) for v in data)
    return {"dtype": "float32", "shape": list(t.shape), "data": data}


def seed(name):
    torch.manual_seed(zlib.crc32(name.encode("utf-8")))


# ----------------------------------------------------------------------------- optimizers

class Lion(torch.optim.Optimizer):
    """The reference Lion step, as listed by its authors (see the header)."""

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["exp_avg"] = torch.zeros_like(p)
                m = state["exp_avg"]
                p.mul_(1 - group["lr"] * group["weight_decay"])
                update = m * beta1 + p.grad * (1 - beta1)
                p.add_(torch.sign(update), alpha=-group["lr"])
                m.mul_(beta2).add_(p.grad, alpha=1 - beta2)


def torch_kwargs(optimizer, options):
    """Nabla hyperparameter names -> torch keyword arguments."""
    kw = {}
    betas = [None, None]
    for key, value in options.items():
        if key == "beta1":
            betas[0] = value
        elif key == "beta2":
            betas[1] = value
        else:
            kw[key] = value
    if betas != [None, None]:
        defaults = {"Adam": (0.9, 0.999), "AdamW": (0.9, 0.999), "Lion": (0.9, 0.99)}[optimizer]
        kw["betas"] = (betas[0] if betas[0] is not None else defaults[0],
                       betas[1] if betas[1] is not None else defaults[1])
    if optimizer != "Lion":
        kw["foreach"] = False
    return kw


def make_optimizer(optimizer, params, options, groups):
    cls = Lion if optimizer == "Lion" else getattr(torch.optim, optimizer)
    if groups is None:
        return cls(params, **torch_kwargs(optimizer, options))
    torch_groups = []
    for g in groups:
        entry = {"params": [params[i] for i in g["params"]]}
        entry.update({k: v for k, v in torch_kwargs(optimizer, g["options"]).items() if k != "foreach"})
        torch_groups.append(entry)
    return cls(torch_groups, **torch_kwargs(optimizer, options))


def optimizer_case(name, optimizer, options, groups=None, shapes=((3, 4), (4,), (2, 3)),
                   missing=(), grad_scale=1.0):
    """missing: (step, param) pairs whose gradient is None (the parameter must be skipped)."""
    seed(name)
    params = [torch.randn(s, dtype=torch.float32).requires_grad_() for s in shapes]
    initial = [ser(p) for p in params]
    opt = make_optimizer(optimizer, params, options, groups)
    grads, expected = [], []
    for step in range(STEPS):
        step_grads = []
        for i, p in enumerate(params):
            g = torch.randn(p.shape, dtype=torch.float32) * grad_scale
            if (step, i) in missing:
                p.grad = None
                step_grads.append(None)
            else:
                p.grad = g
                step_grads.append(ser(g))
        opt.step()
        grads.append(step_grads)
        expected.append([ser(p) for p in params])
    return {"name": name, "optimizer": optimizer, "options": options,
            "groups": groups if groups is not None else [{"params": list(range(len(shapes))), "options": {}}],
            "params": initial, "grads": grads, "expected": expected}


def optimizer_cases():
    c = []
    add = lambda *a, **k: c.append(optimizer_case(*a, **k))
    # SGD
    add("sgd_plain", "SGD", {"lr": 0.1})
    add("sgd_momentum", "SGD", {"lr": 0.1, "momentum": 0.9})
    add("sgd_momentum_dampening_wd", "SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01})
    add("sgd_nesterov_wd", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.001})
    add("sgd_maximize", "SGD", {"lr": 0.1, "momentum": 0.5, "maximize": True})
    add("sgd_momentum_skipped_grad", "SGD", {"lr": 0.1, "momentum": 0.9}, missing={(0, 1), (2, 0), (3, 2)})
    add("sgd_groups", "SGD", {"lr": 0.1, "momentum": 0.9},
        groups=[{"params": [0, 2], "options": {}}, {"params": [1], "options": {"lr": 0.01, "momentum": 0.5}}])
    # Adam
    add("adam_default", "Adam", {"lr": 0.01})
    add("adam_wd_amsgrad", "Adam", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}, grad_scale=0.5)
    add("adam_betas_eps_maximize", "Adam", {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "maximize": True})
    add("adam_skipped_grad", "Adam", {"lr": 0.01}, missing={(1, 0), (2, 0), (4, 1)})
    add("adam_groups", "Adam", {"lr": 0.01},
        groups=[{"params": [0], "options": {"lr": 0.001, "weight_decay": 0.1}}, {"params": [1, 2], "options": {}}])
    # AdamW
    add("adamw_default", "AdamW", {"lr": 0.01})
    add("adamw_wd_amsgrad", "AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True})
    add("adamw_betas_maximize", "AdamW", {"lr": 0.03, "beta1": 0.7, "beta2": 0.95, "weight_decay": 0.05, "maximize": True})
    # RMSprop
    add("rmsprop_default", "RMSprop", {"lr": 0.01})
    add("rmsprop_momentum_wd", "RMSprop", {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.01})
    add("rmsprop_centered", "RMSprop", {"lr": 0.01, "alpha": 0.9, "centered": True})
    add("rmsprop_centered_momentum_maximize", "RMSprop",
        {"lr": 0.005, "alpha": 0.95, "eps": 1e-6, "momentum": 0.5, "centered": True, "maximize": True})
    # Adagrad
    add("adagrad_default", "Adagrad", {"lr": 0.1})
    add("adagrad_lr_decay_wd_init", "Adagrad",
        {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.01, "initial_accumulator_value": 0.1, "eps": 1e-8})
    add("adagrad_maximize", "Adagrad", {"lr": 0.05, "maximize": True})
    # Adadelta
    add("adadelta_default", "Adadelta", {"lr": 1.0})
    add("adadelta_rho_eps_wd", "Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-5, "weight_decay": 0.01})
    add("adadelta_maximize", "Adadelta", {"lr": 1.0, "maximize": True})
    # Lion
    add("lion_default", "Lion", {"lr": 1e-3})
    add("lion_betas_wd", "Lion", {"lr": 0.01, "beta1": 0.95, "beta2": 0.98, "weight_decay": 0.1})
    return c


# ----------------------------------------------------------------------------- clipping

def clip_case(name, kind, shapes, max_norm=None, norm_type=None, clip_value=None, scale=1.0):
    seed(name)
    grads = [torch.randn(s, dtype=torch.float32) * scale for s in shapes]
    params = [torch.zeros(s, dtype=torch.float32, requires_grad=True) for s in shapes]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    total = None
    if kind == "norm":
        total = torch.nn.utils.clip_grad_norm_(params, max_norm=max_norm, norm_type=norm_type, foreach=False)
    else:
        torch.nn.utils.clip_grad_value_(params, clip_value=clip_value, foreach=False)
    nt = None if norm_type is None else ("inf" if math.isinf(norm_type) else norm_type)
    return {"name": name, "kind": kind, "max_norm": max_norm, "norm_type": nt, "clip_value": clip_value,
            "grads": [ser(g) for g in grads], "total_norm": ser(total) if total is not None else None,
            "clipped": [ser(p.grad) for p in params]}


def clipping_cases():
    shapes = [(4, 5), (5,), (2, 3, 2)]
    return [
        clip_case("clip_norm_l2", "norm", shapes, max_norm=1.0, norm_type=2.0),
        clip_case("clip_norm_l2_no_op", "norm", shapes, max_norm=100.0, norm_type=2.0),
        clip_case("clip_norm_inf", "norm", shapes, max_norm=0.5, norm_type=math.inf),
        clip_case("clip_norm_l1", "norm", shapes, max_norm=2.0, norm_type=1.0),
        clip_case("clip_norm_tiny", "norm", [(3,)], max_norm=1e-4, norm_type=2.0, scale=1e-4),
        clip_case("clip_value", "value", shapes, clip_value=0.7),
    ]


# ----------------------------------------------------------------------------- schedules

BASE_LRS = [0.1, 0.05]


def schedule_case(name, scheduler, args, make, optimizer="SGD", optimizer_options=None, metrics=None,
                  momentum_key=None):
    params = [torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)]
    groups = [{"params": [params[0]], "lr": BASE_LRS[0]}, {"params": [params[1]], "lr": BASE_LRS[1]}]
    opt = getattr(torch.optim, optimizer)(groups, **(optimizer_options or {}))
    sched = make(opt)

    def momenta():
        if momentum_key is None:
            return None
        return [g["betas"][0] if momentum_key == "betas" else g["momentum"] for g in opt.param_groups]

    lrs, moms = [[g["lr"] for g in opt.param_groups]], [momenta()]
    for t in range(SCHEDULE_STEPS):
        opt.step()
        if metrics is not None:
            sched.step(metrics[t])
        else:
            sched.step()
        lrs.append([float(g["lr"]) for g in opt.param_groups])
        moms.append(momenta())
    return {"name": name, "scheduler": scheduler, "args": args, "optimizer": optimizer,
            "base_lrs": BASE_LRS, "metrics": metrics, "lrs": lrs,
            "momenta": moms if momentum_key is not None else None}


def schedule_cases():
    S = torch.optim.lr_scheduler
    c = []
    c.append(schedule_case("step_lr", "StepLR", {"step_size": 7, "gamma": 0.5},
                           lambda o: S.StepLR(o, step_size=7, gamma=0.5)))
    c.append(schedule_case("multi_step_lr", "MultiStepLR", {"milestones": [3, 10, 10, 22], "gamma": 0.3},
                           lambda o: S.MultiStepLR(o, milestones=[3, 10, 10, 22], gamma=0.3)))
    c.append(schedule_case("exponential_lr", "ExponentialLR", {"gamma": 0.9},
                           lambda o: S.ExponentialLR(o, gamma=0.9)))
    c.append(schedule_case("cosine_annealing_lr", "CosineAnnealingLR", {"t_max": 12, "eta_min": 0.001},
                           lambda o: S.CosineAnnealingLR(o, T_max=12, eta_min=0.001)))
    c.append(schedule_case("cosine_warm_restarts_mult2", "CosineAnnealingWarmRestarts",
                           {"t0": 3, "t_mult": 2, "eta_min": 0.002},
                           lambda o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.002)))
    c.append(schedule_case("cosine_warm_restarts_mult1", "CosineAnnealingWarmRestarts",
                           {"t0": 7, "t_mult": 1, "eta_min": 0.0},
                           lambda o: S.CosineAnnealingWarmRestarts(o, T_0=7, T_mult=1, eta_min=0.0)))

    def warmup_cosine(o, w, t, s, eta):
        return S.SequentialLR(o, [S.LinearLR(o, start_factor=s, end_factor=1.0, total_iters=w),
                                  S.CosineAnnealingLR(o, T_max=t - w, eta_min=eta)], milestones=[w])
    c.append(schedule_case("linear_warmup_cosine", "LinearWarmupCosine",
                           {"warmup_steps": 5, "total_steps": 30, "start_factor": 0.1, "eta_min": 0.001},
                           lambda o: warmup_cosine(o, 5, 30, 0.1, 0.001)))
    c.append(schedule_case("linear_warmup_cosine_short", "LinearWarmupCosine",
                           {"warmup_steps": 3, "total_steps": 30, "start_factor": 0.25, "eta_min": 0.0},
                           lambda o: warmup_cosine(o, 3, 30, 0.25, 0.0)))
    c.append(schedule_case("one_cycle_sgd", "OneCycleLR",
                           {"max_lr": [1.0, 0.5], "total_steps": 30, "cycle_momentum": True},
                           lambda o: S.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=30),
                           optimizer="SGD", optimizer_options={"momentum": 0.9}, momentum_key="momentum"))
    c.append(schedule_case("one_cycle_adam", "OneCycleLR",
                           {"max_lr": [0.01, 0.02], "total_steps": 30, "pct_start": 0.25, "div_factor": 10.0,
                            "final_div_factor": 100.0, "cycle_momentum": True, "base_momentum": 0.8,
                            "max_momentum": 0.9},
                           lambda o: S.OneCycleLR(o, max_lr=[0.01, 0.02], total_steps=30, pct_start=0.25,
                                                  div_factor=10.0, final_div_factor=100.0,
                                                  base_momentum=0.8, max_momentum=0.9),
                           optimizer="Adam", momentum_key="betas"))
    c.append(schedule_case("one_cycle_no_momentum", "OneCycleLR",
                           {"max_lr": [0.3, 0.3], "total_steps": 30, "cycle_momentum": False},
                           lambda o: S.OneCycleLR(o, max_lr=0.3, total_steps=30, cycle_momentum=False)))
    metrics = [1.0, 0.9, 0.95, 0.95, 0.96, 0.97, 0.899, 0.8999, 0.9, 0.9, 0.9, 0.9, 0.5, 0.5, 0.5,
               0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    c.append(schedule_case("plateau_min_rel", "ReduceLROnPlateau",
                           {"mode": "min", "factor": 0.5, "patience": 2, "threshold": 1e-3,
                            "threshold_mode": "rel", "cooldown": 1, "min_lr": 0.01},
                           lambda o: S.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=2, threshold=1e-3,
                                                         threshold_mode="rel", cooldown=1, min_lr=0.01),
                           metrics=metrics))
    up = [0.1, 0.2, 0.2, 0.25, 0.3, 0.3, 0.3, 0.3, 0.31, 0.305, 0.5, 0.5, 0.5, 0.5, 0.5, 0.6,
          0.6, 0.6, 0.6, 0.6, 0.6, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
    c.append(schedule_case("plateau_max_abs", "ReduceLROnPlateau",
                           {"mode": "max", "factor": 0.1, "patience": 1, "threshold": 0.02,
                            "threshold_mode": "abs", "cooldown": 0, "min_lr": 0.0},
                           lambda o: S.ReduceLROnPlateau(o, mode="max", factor=0.1, patience=1, threshold=0.02,
                                                         threshold_mode="abs"),
                           metrics=up))
    return c


def main():
    import warnings
    warnings.filterwarnings("ignore")
    root = {"generator": "scripts/generate_optim_fixtures.py", "torch_version": torch.__version__,
            "optimizers": optimizer_cases(), "clipping": clipping_cases(), "schedulers": schedule_cases()}
    os.makedirs(os.path.dirname(OUT_PATH), exist_ok=True)
    dump = lambda v: json.dumps(v, separators=(",", ":"), allow_nan=False)
    lines = ['{"generator":%s,"torch_version":%s,' % (dump(root["generator"]), dump(root["torch_version"]))]
    sections = ["optimizers", "clipping", "schedulers"]
    for k, section in enumerate(sections):
        entries = root[section]
        lines.append('"%s":[' % section)
        lines += [dump(e) + ("," if i + 1 < len(entries) else "") for i, e in enumerate(entries)]
        lines.append("]" + ("," if k + 1 < len(sections) else ""))
    lines.append("}")
    with open(OUT_PATH, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"wrote {os.path.relpath(OUT_PATH, ROOT)}: {len(root['optimizers'])} optimizer cases, "
          f"{len(root['clipping'])} clipping cases, {len(root['schedulers'])} schedules")


if __name__ == "__main__":
    main()
