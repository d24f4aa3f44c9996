#!/usr/bin/env python3
"""Generate PyTorch golden fixtures for NablaNN's recurrent layers (Tests/NablaNNTests/Fixtures/recurrent.json).

README
------
Regenerate with

    python3 scripts/generate_rnn_fixtures.py

from the repository root (needs the `torch` CPU wheel only). Output is deterministic: every case
seeds torch.manual_seed with the CRC32 of its name, torch runs single-threaded, and the JSON is
written with a fixed key order. The fixture is committed so `swift test` never needs Python.

File format
-----------
    {"generator": "scripts/generate_rnn_fixtures.py", "torch_version": "...",
     "cases": [CASE, ...], "models": [MODEL, ...]}

    CASE  = {"name", "module": "RNNCell" | "LSTMCell" | "GRUCell" | "RNN" | "LSTM" | "GRU",
             "attrs": {...},                      # constructor arguments, PyTorch's snake_case names
             "training": bool,
             "state": [[key, TENSOR], ...],       # module.state_dict() (the weights)
             "input": TENSOR,                     # cells: [batch, input] (or [input]); layers: padded sequence
             "h0": TENSOR | null, "c0": TENSOR | null,   # initial states (null: zeros, the default)
             "lengths": [int, ...] | null,        # layers: valid steps per batch entry (packed sequences)
             "output": TENSOR,                    # cells: h'; layers: the padded output (zeros past each length)
             "h_n": TENSOR | null, "c_n": TENSOR | null, # cells: c' of LSTMCell in c_n; layers: final states
             "upstream": {"output": TENSOR, "h_n": TENSOR | null, "c_n": TENSOR | null},
             "input_grad": TENSOR, "h0_grad": TENSOR | null, "c0_grad": TENSOR | null,
             "param_grads": [[name, TENSOR], ...]}
    MODEL = {"name", "module", "attrs", "parameter_names": [...], "shapes": [[...], ...]}
    TENSOR = {"dtype", "shape", "data"}           # flat row-major data, floats as exact reprs

The gradients are those of loss = sum(output * upstream.output) + sum(h_n * upstream.h_n)
+ sum(c_n * upstream.c_n). Cases with "lengths" run the layer on
torch.nn.utils.rnn.pack_padded_sequence(input, lengths, batch_first, enforce_sorted=False) and
unpack with pad_packed_sequence(total_length=T), so the output has the input's length. Most cases
are float64 (compared tightly); the "_f32" cases are float32 (compared with rtol 1e-5).
"""

import math
import os
import sys
import zlib

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_json import ser, write_fixture  # noqa: E402

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_PATH = os.path.join(ROOT, "Tests", "NablaNNTests", "Fixtures", "recurrent.json")

CASES = []
NAMES = set()


CLASSES = {"RNNCell": nn.RNNCell, "LSTMCell": nn.LSTMCell, "GRUCell": nn.GRUCell,
           "RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}


def add(name, module_name, attrs, batch=3, steps=5, unbatched=False, h0=False, lengths=None,
        dtype=torch.float64, training=False):
    """One case: the module, inputs and upstream gradients are drawn after seeding with CRC32(name)."""
    assert name not in NAMES, name
    NAMES.add(name)
    torch.manual_seed(zlib.crc32(name.encode()))
    module = CLASSES[module_name](**attrs).to(dtype)
    module.train(training)
    state = [[k, ser(v)] for k, v in module.state_dict().items()]
    is_cell = module_name.endswith("Cell")
    is_lstm = module_name.startswith("LSTM")
    hidden = attrs["hidden_size"]
    if is_cell:
        x = torch.randn((attrs["input_size"],) if unbatched else (batch, attrs["input_size"]), dtype=dtype)
        state_shape = (hidden,) if unbatched else (batch, hidden)
    else:
        batch_first = attrs.get("batch_first", False)
        if unbatched:
            shape = (steps, attrs["input_size"])
        else:
            shape = (batch, steps, attrs["input_size"]) if batch_first else (steps, batch, attrs["input_size"])
        x = torch.randn(shape, dtype=dtype)
        layers = attrs.get("num_layers", 1) * (2 if attrs.get("bidirectional", False) else 1)
        state_shape = (layers, hidden) if unbatched else (layers, batch, hidden)
    x.requires_grad_(True)
    hx = torch.randn(state_shape, dtype=dtype).requires_grad_(True) if h0 else None
    cx = torch.randn(state_shape, dtype=dtype).requires_grad_(True) if (h0 and is_lstm) else None

    if is_cell:
        out = module(x, (hx, cx) if is_lstm and h0 else hx)
        if is_lstm:
            output, h_n, c_n = out[0], None, out[1]
        else:
            output, h_n, c_n = out, None, None
    else:
        state_in = ((hx, cx) if is_lstm else hx) if h0 else None
        if lengths is not None:
            packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=attrs.get("batch_first", False),
                                          enforce_sorted=False)
            packed_out, final = module(packed, state_in)
            output, _ = pad_packed_sequence(packed_out, batch_first=attrs.get("batch_first", False),
                                            total_length=steps)
        else:
            output, final = module(x, state_in)
        if is_lstm:
            h_n, c_n = final
        else:
            h_n, c_n = final, None

    up_out = torch.randn(output.shape, dtype=dtype)
    up_h = torch.randn(h_n.shape, dtype=dtype) if h_n is not None else None
    up_c = torch.randn(c_n.shape, dtype=dtype) if c_n is not None else None
    loss = (output * up_out).sum()
    if h_n is not None:
        loss = loss + (h_n * up_h).sum()
    if c_n is not None:
        loss = loss + (c_n * up_c).sum()
    loss.backward()
    CASES.append({
        "name": name,
        "module": module_name,
        "attrs": attrs,
        "training": training,
        "state": state,
        "input": ser(x),
        "h0": ser(hx),
        "c0": ser(cx),
        "lengths": lengths,
        "output": ser(output),
        "h_n": ser(h_n),
        "c_n": ser(c_n),
        "upstream": {"output": ser(up_out), "h_n": ser(up_h), "c_n": ser(up_c)},
        "input_grad": ser(x.grad),
        "h0_grad": ser(hx.grad) if hx is not None else None,
        "c0_grad": ser(cx.grad) if cx is not None else None,
        "param_grads": [[n, ser(p.grad if p.grad is not None else torch.zeros_like(p))]
                        for n, p in module.named_parameters()],
    })


def gen_cases():
    # Cells.
    add("rnn_cell_tanh", "RNNCell", {"input_size": 4, "hidden_size": 3})
    add("rnn_cell_relu_h0", "RNNCell", {"input_size": 4, "hidden_size": 3, "nonlinearity": "relu"}, h0=True)
    add("rnn_cell_no_bias_unbatched", "RNNCell", {"input_size": 4, "hidden_size": 3, "bias": False},
        unbatched=True, h0=True)
    add("lstm_cell", "LSTMCell", {"input_size": 4, "hidden_size": 3})
    add("lstm_cell_h0", "LSTMCell", {"input_size": 4, "hidden_size": 3}, h0=True)
    add("gru_cell", "GRUCell", {"input_size": 4, "hidden_size": 3})
    add("gru_cell_h0", "GRUCell", {"input_size": 4, "hidden_size": 3}, h0=True)
    add("gru_cell_no_bias_h0", "GRUCell", {"input_size": 4, "hidden_size": 3, "bias": False}, h0=True)

    # RNN, tanh and relu.
    add("rnn_tanh", "RNN", {"input_size": 4, "hidden_size": 3})
    add("rnn_relu_2layers_h0", "RNN", {"input_size": 4, "hidden_size": 3, "num_layers": 2, "nonlinearity": "relu"},
        h0=True)
    add("rnn_tanh_bidirectional_batch_first", "RNN",
        {"input_size": 4, "hidden_size": 3, "bidirectional": True, "batch_first": True})
    add("rnn_relu_bidirectional_lengths", "RNN",
        {"input_size": 4, "hidden_size": 3, "nonlinearity": "relu", "bidirectional": True},
        batch=4, lengths=[5, 2, 4, 1], h0=True)
    add("rnn_tanh_unbatched", "RNN", {"input_size": 4, "hidden_size": 3, "num_layers": 2}, unbatched=True, h0=True)

    # LSTM.
    add("lstm", "LSTM", {"input_size": 4, "hidden_size": 3})
    add("lstm_2layers", "LSTM", {"input_size": 4, "hidden_size": 3, "num_layers": 2})
    add("lstm_bidirectional", "LSTM", {"input_size": 4, "hidden_size": 3, "bidirectional": True})
    add("lstm_2layers_bidirectional_h0", "LSTM",
        {"input_size": 4, "hidden_size": 3, "num_layers": 2, "bidirectional": True}, h0=True)
    add("lstm_batch_first_h0", "LSTM", {"input_size": 4, "hidden_size": 3, "batch_first": True}, h0=True)
    add("lstm_no_bias", "LSTM", {"input_size": 4, "hidden_size": 3, "bias": False})
    add("lstm_lengths_unsorted", "LSTM", {"input_size": 4, "hidden_size": 3}, batch=4, lengths=[3, 5, 1, 4])
    add("lstm_2layers_bidirectional_batch_first_lengths_h0", "LSTM",
        {"input_size": 4, "hidden_size": 3, "num_layers": 2, "bidirectional": True, "batch_first": True},
        batch=4, lengths=[2, 5, 5, 3], h0=True)
    add("lstm_dropout_eval", "LSTM", {"input_size": 4, "hidden_size": 3, "num_layers": 2, "dropout": 0.5})
    add("lstm_unbatched_h0", "LSTM", {"input_size": 4, "hidden_size": 3, "bidirectional": True},
        unbatched=True, h0=True)
    add("lstm_2layers_bidirectional_f32", "LSTM",
        {"input_size": 4, "hidden_size": 3, "num_layers": 2, "bidirectional": True}, h0=True, dtype=torch.float32)

    # GRU.
    add("gru", "GRU", {"input_size": 4, "hidden_size": 3})
    add("gru_2layers_h0", "GRU", {"input_size": 4, "hidden_size": 3, "num_layers": 2}, h0=True)
    add("gru_bidirectional_batch_first", "GRU",
        {"input_size": 4, "hidden_size": 3, "bidirectional": True, "batch_first": True})
    add("gru_2layers_bidirectional_h0", "GRU",
        {"input_size": 4, "hidden_size": 3, "num_layers": 2, "bidirectional": True}, h0=True)
    add("gru_lengths_sorted", "GRU", {"input_size": 4, "hidden_size": 3}, batch=3, lengths=[5, 3, 2])
    add("gru_2layers_bidirectional_lengths_unsorted", "GRU",
        {"input_size": 4, "hidden_size": 3, "num_layers": 2, "bidirectional": True},
        batch=4, lengths=[1, 4, 5, 2], h0=True)
    add("gru_batch_first_f32", "GRU", {"input_size": 4, "hidden_size": 3, "num_layers": 2, "batch_first": True},
        h0=True, dtype=torch.float32)


def gen_models():
    configs = [
        ("rnn_2layers_bidirectional", "RNN", {"input_size": 5, "hidden_size": 7, "num_layers": 2, "bidirectional": True}),
        ("lstm_3layers", "LSTM", {"input_size": 5, "hidden_size": 7, "num_layers": 3}),
        ("lstm_2layers_bidirectional_no_bias", "LSTM",
         {"input_size": 5, "hidden_size": 7, "num_layers": 2, "bidirectional": True, "bias": False}),
        ("gru_2layers_bidirectional", "GRU", {"input_size": 5, "hidden_size": 7, "num_layers": 2, "bidirectional": True}),
        ("rnn_cell", "RNNCell", {"input_size": 5, "hidden_size": 7}),
        ("lstm_cell", "LSTMCell", {"input_size": 5, "hidden_size": 7}),
        ("gru_cell_no_bias", "GRUCell", {"input_size": 5, "hidden_size": 7, "bias": False}),
    ]
    models = []
    for name, module_name, attrs in configs:
        m = CLASSES[module_name](**attrs)
        models.append({"name": name, "module": module_name, "attrs": attrs,
                       "parameter_names": [n for n, _ in m.named_parameters()],
                       "shapes": [list(p.shape) for _, p in m.named_parameters()]})
    return models


def main():
    gen_cases()
    size = write_fixture(OUT_PATH, "scripts/generate_rnn_fixtures.py", CASES, [("models", gen_models())], ROOT)
    print(f"torch {torch.__version__}: {len(CASES)} recurrent cases, {size} bytes -> "
          f"{os.path.relpath(OUT_PATH, ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
