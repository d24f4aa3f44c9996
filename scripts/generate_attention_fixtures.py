#!/usr/bin/env python3
"""Generate PyTorch golden fixtures for NablaNN's attention layers (Tests/NablaNNTests/Fixtures/attention.json).

README
------
Regenerate with

    python3 scripts/generate_attention_fixtures.py

from the repository root (needs the `torch` CPU wheel only). Every case seeds torch.manual_seed with
the CRC32 of its name and torch runs single-threaded, so the output is deterministic for a given torch
version. The fixture is committed so `swift test` never needs Python.

File format
-----------
    {"generator": "scripts/generate_attention_fixtures.py", "torch_version": "...", "cases": [CASE, ...]}

    CASE = {"name", "kind": "sdpa" | "mha" | "encoder_layer" | "encoder" | "decoder_layer" | "decoder"
                    | "sinusoidal" | "learned_pos" | "rotary",
            "attrs": {...},                     # constructor / call arguments, PyTorch's names
            "training": bool,                   # module mode (dropout is 0 whenever training is true)
            "state": [[key, TENSOR], ...],      # module.state_dict() (affine terms and biases perturbed)
            "inputs": {name: TENSOR},           # query/key/value/src and masks (bool masks as dtype "bool")
            "output": TENSOR,                   # the first output
            "weights": TENSOR | null,           # MultiheadAttention's attention weights (need_weights)
            "upstream": TENSOR,                 # seed gradient of output
            "input_grads": {name: TENSOR},      # d(sum(output * upstream)) / d(float input)
            "param_grads": [[name, TENSOR], ...]}
    TENSOR = {"dtype", "shape", "data"}         # flat row-major; float32 values as their shortest repr,
                                                # "nan"/"inf"/"-inf" as strings

Masks follow each API's own convention: scaled_dot_product_attention's boolean attn_mask is true where
attention is allowed; MultiheadAttention's, the encoder's and the decoder's boolean masks are true where it
is NOT.

Position embeddings have no PyTorch module, so their references are written here: "sinusoidal" (input "x",
output x + pe[offset:offset+T] with pe from NumPy in float64, "Attention is all you need"), "learned_pos"
(state "weight" [max_len, d_model] as nn.Embedding initialises it; output x + weight[offset:offset+T]) and
"rotary" (inputs "query", "key" [..., T, head_dim]; output torch.stack([rope(query), rope(key)]) from
`rope_reference`, the rotate-half GPT-NeoX/Llama convention with float64 tables). Unbatched inputs are
[T, d_model]; sequence-first ones [T, B, d_model].
"""

import json
import math
import os
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_PATH = os.path.join(ROOT, "Tests", "NablaNNTests", "Fixtures", "attention.json")

CASES = []


def num(v, dtype):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if dtype == torch.float32:
        return float(str(np.float32(v)))  # shortest decimal that round-trips to the same float32
    return v


def ser(t):
    t = t.detach().contiguous()
    flat = t.reshape(-1)
    if t.dtype == torch.bool:
        return {"dtype": "bool", "shape": list(t.shape), "data": [int(v) for v in flat.tolist()]}
    if t.dtype.is_floating_point:
        name = {torch.float32: "float32", torch.float64: "float64"}[t.dtype]
        return {"dtype": name, "shape": list(t.shape), "data": [num(v, t.dtype) for v in flat.tolist()]}
    return {"dtype": "int64", "shape": list(t.shape), "data": [int(v) for v in flat.tolist()]}


def randn(*shape):
    return torch.randn(shape, dtype=torch.float64).to(torch.float32)


def perturb(module):
    """Random biases and norm parameters (their defaults are zeros and ones)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.3 * torch.randn(p.shape))
            elif name.endswith("bias"):
                p.copy_(0.3 * torch.randn(p.shape))


def seed(name):
    torch.manual_seed(zlib.crc32(name.encode()))


def record(name, kind, attrs, training, module, inputs, run):
    """Runs `run(inputs) -> (output, weights)`, backpropagates a random upstream, stores the case."""
    for t in inputs.values():
        if t.dtype.is_floating_point and not getattr(t, "_is_mask", False):
            t.requires_grad_(True)
    out, weights = run(inputs)
    upstream = randn(*out.shape)
    out.backward(upstream)
    input_grads = {k: ser(t.grad) for k, t in inputs.items() if t.grad is not None}
    param_grads = []
    if module is not None:
        for pname, p in module.named_parameters():
            param_grads.append([pname, ser(p.grad if p.grad is not None else torch.zeros_like(p))])
    CASES.append({
        "name": name, "kind": kind, "attrs": attrs, "training": training,
        "state": [[k, ser(v)] for k, v in module.state_dict().items()] if module is not None else [],
        "inputs": {k: ser(t) for k, t in inputs.items()},
        "output": ser(out),
        "weights": ser(weights) if weights is not None else None,
        "upstream": ser(upstream),
        "input_grads": input_grads,
        "param_grads": param_grads,
    })


def mask_tensor(t):
    t._is_mask = True
    return t


# ---------------------------------------------------------------- scaled_dot_product_attention

def sdpa_case(name, q_shape, k_shape, v_dim, mask=None, is_causal=False, scale=None):
    seed(name)
    q, k = randn(*q_shape), randn(*k_shape)
    v = randn(*(k_shape[:-1] + (v_dim,)))
    inputs = {"query": q, "key": k, "value": v}
    L, S = q_shape[-2], k_shape[-2]
    if mask == "bool":
        m = torch.rand(L, S) > 0.3
        m[:, 0] = True  # no fully masked row
        inputs["mask"] = mask_tensor(m)
    elif mask == "float":
        inputs["mask"] = mask_tensor(randn(q_shape[0], 1, L, S))
    elif mask == "bool_full_row":
        m = torch.rand(q_shape[0], 1, L, S) > 0.3
        m[..., 0] = True
        m[0, 0, 1, :] = False  # one fully masked query row: PyTorch's math backend gives zeros
        inputs["mask"] = mask_tensor(m)
    attrs = {"is_causal": is_causal, "scale": scale}

    def run(x):
        with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.MATH):
            y = F.scaled_dot_product_attention(x["query"], x["key"], x["value"], attn_mask=x.get("mask"),
                                               is_causal=is_causal, scale=scale)
        return y, None

    record(name, "sdpa", attrs, False, None, inputs, run)


def gen_sdpa():
    sdpa_case("sdpa_plain", (2, 3, 4, 8), (2, 3, 5, 8), 6)
    sdpa_case("sdpa_bool_mask", (2, 3, 4, 8), (2, 3, 5, 8), 6, mask="bool")
    sdpa_case("sdpa_float_mask", (2, 3, 4, 8), (2, 3, 5, 8), 6, mask="float")
    sdpa_case("sdpa_causal", (2, 2, 5, 4), (2, 2, 5, 4), 4, is_causal=True)
    sdpa_case("sdpa_causal_rectangular", (1, 2, 3, 4), (1, 2, 5, 4), 3, is_causal=True)
    sdpa_case("sdpa_scale", (3, 4, 8), (3, 6, 8), 5, scale=0.7)
    sdpa_case("sdpa_fully_masked_row", (2, 2, 3, 4), (2, 2, 4, 4), 4, mask="bool_full_row")


# ---------------------------------------------------------------- MultiheadAttention

def mha_case(name, E, H, L, S, B, batch_first=False, kpm=None, attn_mask=None, need_weights=True, average=True,
             is_causal=False, training=False, dropout=0.0, bias=True, self_attention=False, unbatched=False):
    seed(name)
    mha = nn.MultiheadAttention(E, H, dropout=dropout, bias=bias, batch_first=batch_first)
    perturb(mha)
    mha.train(training)

    def seq(n):
        if unbatched:
            return randn(n, E)
        return randn(B, n, E) if batch_first else randn(n, B, E)

    q = seq(L)
    inputs = {"query": q} if self_attention else {"query": q, "key": seq(S), "value": seq(S)}
    if self_attention:
        S = L
    if kpm == "bool":
        m = torch.rand(S) > 0.6 if unbatched else torch.rand(B, S) > 0.6
        m[..., 0] = False
        inputs["key_padding_mask"] = mask_tensor(m)
    elif kpm == "float":
        inputs["key_padding_mask"] = mask_tensor(randn(B, S))
    if attn_mask == "bool":
        m = torch.rand(L, S) > 0.7
        m[:, 0] = False
        inputs["attn_mask"] = mask_tensor(m)
    elif attn_mask == "float":
        inputs["attn_mask"] = mask_tensor(randn(L, S))
    elif attn_mask == "float3d":
        inputs["attn_mask"] = mask_tensor(randn(B * H, L, S))
    elif attn_mask == "causal":
        inputs["attn_mask"] = mask_tensor(nn.Transformer.generate_square_subsequent_mask(L))
    attrs = {"embed_dim": E, "num_heads": H, "batch_first": batch_first, "need_weights": need_weights,
             "average_attn_weights": average, "is_causal": is_causal, "dropout": dropout, "bias": bias,
             "self_attention": self_attention}

    def run(x):
        query = x["query"]
        key = query if self_attention else x["key"]
        value = query if self_attention else x["value"]
        return mha(query, key, value, key_padding_mask=x.get("key_padding_mask"), need_weights=need_weights,
                   attn_mask=x.get("attn_mask"), average_attn_weights=average, is_causal=is_causal)

    record(name, "mha", attrs, training, mha, inputs, run)


def gen_mha():
    mha_case("mha_seq_first", 8, 2, 4, 5, 3)
    mha_case("mha_batch_first", 8, 2, 4, 5, 3, batch_first=True)
    mha_case("mha_self_kpm_bool", 12, 3, 5, 5, 2, batch_first=True, kpm="bool", self_attention=True)
    mha_case("mha_kpm_float_attn_bool", 8, 4, 4, 6, 2, kpm="float", attn_mask="bool")
    mha_case("mha_attn_float3d", 8, 2, 3, 4, 2, batch_first=True, attn_mask="float3d")
    mha_case("mha_per_head_weights", 8, 2, 3, 4, 2, batch_first=True, attn_mask="float", average=False)
    mha_case("mha_no_weights_causal", 8, 2, 5, 5, 2, batch_first=True, attn_mask="causal", is_causal=True,
             need_weights=False, self_attention=True)
    mha_case("mha_eval_dropout_no_bias", 8, 2, 4, 5, 2, dropout=0.5, bias=False)
    mha_case("mha_unbatched", 6, 3, 4, 5, 1, kpm="bool", unbatched=True)


# ---------------------------------------------------------------- TransformerEncoderLayer / TransformerEncoder

def encoder_inputs(d, T, B, batch_first, src_mask, kpm):
    src = randn(B, T, d) if batch_first else randn(T, B, d)
    inputs = {"src": src}
    if src_mask == "bool":
        m = torch.rand(T, T) > 0.7
        m.fill_diagonal_(False)
        inputs["src_mask"] = mask_tensor(m)
    elif src_mask == "causal":
        inputs["src_mask"] = mask_tensor(nn.Transformer.generate_square_subsequent_mask(T))
    if kpm:
        m = torch.zeros(B, T, dtype=torch.bool)
        m[0, T - 2:] = True
        inputs["src_key_padding_mask"] = mask_tensor(m)
    return inputs


def layer_case(name, d, nhead, ff, T, B, activation="relu", norm_first=False, batch_first=False, src_mask=None,
               kpm=False, training=False, dropout=0.1, eps=1e-5, is_causal=False):
    seed(name)
    layer = nn.TransformerEncoderLayer(d, nhead, dim_feedforward=ff, dropout=dropout, activation=activation,
                                       layer_norm_eps=eps, batch_first=batch_first, norm_first=norm_first)
    perturb(layer)
    layer.train(training)
    inputs = encoder_inputs(d, T, B, batch_first, src_mask, kpm)
    attrs = {"d_model": d, "nhead": nhead, "dim_feedforward": ff, "dropout": dropout, "activation": activation,
             "layer_norm_eps": eps, "batch_first": batch_first, "norm_first": norm_first, "is_causal": is_causal}

    def run(x):
        return layer(x["src"], src_mask=x.get("src_mask"), src_key_padding_mask=x.get("src_key_padding_mask"),
                     is_causal=is_causal), None

    record(name, "encoder_layer", attrs, training, layer, inputs, run)


def encoder_case(name, d, nhead, ff, T, B, num_layers, norm=True, norm_first=False, batch_first=True,
                 src_mask=None, kpm=False, activation="gelu"):
    seed(name)
    layer = nn.TransformerEncoderLayer(d, nhead, dim_feedforward=ff, dropout=0.1, activation=activation,
                                       batch_first=batch_first, norm_first=norm_first)
    encoder = nn.TransformerEncoder(layer, num_layers, norm=nn.LayerNorm(d) if norm else None,
                                    enable_nested_tensor=False)
    with torch.no_grad():  # the deep copies share initial values: make the layers differ
        for p in encoder.parameters():
            p.add_(0.05 * torch.randn(p.shape))
    perturb(encoder)
    encoder.eval()
    inputs = encoder_inputs(d, T, B, batch_first, src_mask, kpm)
    attrs = {"d_model": d, "nhead": nhead, "dim_feedforward": ff, "num_layers": num_layers, "norm": norm,
             "norm_first": norm_first, "batch_first": batch_first, "activation": activation}

    def run(x):
        return encoder(x["src"], mask=x.get("src_mask"), src_key_padding_mask=x.get("src_key_padding_mask")), None

    record(name, "encoder", attrs, False, encoder, inputs, run)


def gen_encoder():
    layer_case("layer_post_relu", 8, 2, 16, 4, 3, training=True, dropout=0.0)
    layer_case("layer_pre_gelu_batch_first", 8, 2, 16, 5, 2, activation="gelu", norm_first=True, batch_first=True,
               training=True, dropout=0.0)
    layer_case("layer_masks_eval", 12, 3, 20, 5, 2, src_mask="bool", kpm=True, batch_first=True)
    layer_case("layer_pre_causal_eval", 8, 4, 16, 4, 2, norm_first=True, src_mask="causal", is_causal=True, eps=1e-6)
    encoder_case("encoder_post_norm", 8, 2, 16, 5, 2, 2, src_mask="bool", kpm=True)
    encoder_case("encoder_pre_no_final_norm", 8, 2, 12, 4, 2, 3, norm=False, norm_first=True, batch_first=False,
                 activation="relu")


# ---------------------------------------------------------------- TransformerDecoderLayer / TransformerDecoder

def decoder_inputs(d, T, S, B, batch_first, tgt_mask, memory_mask, tgt_kpm, memory_kpm, nhead, unbatched=False):
    def seq(n):
        if unbatched:
            return randn(n, d)
        return randn(B, n, d) if batch_first else randn(n, B, d)

    inputs = {"tgt": seq(T), "memory": seq(S)}
    if tgt_mask == "bool":
        m = torch.rand(T, T) > 0.7
        m.fill_diagonal_(False)
        inputs["tgt_mask"] = mask_tensor(m)
    elif tgt_mask == "causal":
        inputs["tgt_mask"] = mask_tensor(nn.Transformer.generate_square_subsequent_mask(T))
    if memory_mask == "float":
        inputs["memory_mask"] = mask_tensor(randn(T, S))
    elif memory_mask == "float3d":
        inputs["memory_mask"] = mask_tensor(randn(B * nhead, T, S))
    elif memory_mask == "bool":
        m = torch.rand(T, S) > 0.7
        m[:, 0] = False
        inputs["memory_mask"] = mask_tensor(m)
    if tgt_kpm:
        m = torch.zeros(B, T, dtype=torch.bool)
        m[0, T - 1:] = True
        inputs["tgt_key_padding_mask"] = mask_tensor(m)
    if memory_kpm:
        m = torch.zeros(B, S, dtype=torch.bool)
        m[-1, S - 2:] = True
        inputs["memory_key_padding_mask"] = mask_tensor(m)
    return inputs


def decoder_layer_case(name, d, nhead, ff, T, S, B, activation="relu", norm_first=False, batch_first=False, tgt_mask=None,
                       memory_mask=None, tgt_kpm=False, memory_kpm=False, training=False, dropout=0.1, eps=1e-5,
                       tgt_is_causal=False, unbatched=False):
    seed(name)
    layer = nn.TransformerDecoderLayer(d, nhead, dim_feedforward=ff, dropout=dropout, activation=activation,
                                       layer_norm_eps=eps, batch_first=batch_first, norm_first=norm_first)
    perturb(layer)
    layer.train(training)
    inputs = decoder_inputs(d, T, S, B, batch_first, tgt_mask, memory_mask, tgt_kpm, memory_kpm, nhead, unbatched)
    attrs = {"d_model": d, "nhead": nhead, "dim_feedforward": ff, "dropout": dropout, "activation": activation,
             "layer_norm_eps": eps, "batch_first": batch_first, "norm_first": norm_first, "tgt_is_causal": tgt_is_causal}

    def run(x):
        return layer(x["tgt"], x["memory"], tgt_mask=x.get("tgt_mask"), memory_mask=x.get("memory_mask"),
                     tgt_key_padding_mask=x.get("tgt_key_padding_mask"),
                     memory_key_padding_mask=x.get("memory_key_padding_mask"), tgt_is_causal=tgt_is_causal), None

    record(name, "decoder_layer", attrs, training, layer, inputs, run)


def decoder_case(name, d, nhead, ff, T, S, B, num_layers, norm=True, norm_first=False, batch_first=True, tgt_mask=None,
                 memory_mask=None, tgt_kpm=False, memory_kpm=False, activation="gelu", tgt_is_causal=False):
    seed(name)
    layer = nn.TransformerDecoderLayer(d, nhead, dim_feedforward=ff, dropout=0.1, activation=activation,
                                       batch_first=batch_first, norm_first=norm_first)
    decoder = nn.TransformerDecoder(layer, num_layers, norm=nn.LayerNorm(d) if norm else None)
    with torch.no_grad():  # the deep copies share initial values: make the layers differ
        for p in decoder.parameters():
            p.add_(0.05 * torch.randn(p.shape))
    perturb(decoder)
    decoder.eval()
    inputs = decoder_inputs(d, T, S, B, batch_first, tgt_mask, memory_mask, tgt_kpm, memory_kpm, nhead)
    attrs = {"d_model": d, "nhead": nhead, "dim_feedforward": ff, "num_layers": num_layers, "norm": norm,
             "norm_first": norm_first, "batch_first": batch_first, "activation": activation,
             "tgt_is_causal": tgt_is_causal}

    def run(x):
        return decoder(x["tgt"], x["memory"], tgt_mask=x.get("tgt_mask"), memory_mask=x.get("memory_mask"),
                       tgt_key_padding_mask=x.get("tgt_key_padding_mask"),
                       memory_key_padding_mask=x.get("memory_key_padding_mask"), tgt_is_causal=tgt_is_causal), None

    record(name, "decoder", attrs, False, decoder, inputs, run)


def gen_decoder():
    decoder_layer_case("decoder_layer_post_relu", 8, 2, 16, 4, 5, 3, training=True, dropout=0.0)
    decoder_layer_case("decoder_layer_pre_gelu_batch_first", 8, 2, 16, 5, 3, 2, activation="gelu", norm_first=True,
                       batch_first=True, training=True, dropout=0.0)
    decoder_layer_case("decoder_layer_masks_eval", 12, 3, 20, 5, 6, 2, tgt_mask="bool", memory_mask="bool", tgt_kpm=True,
                       memory_kpm=True, batch_first=True)
    decoder_layer_case("decoder_layer_float_memory_masks", 8, 2, 12, 4, 5, 2, memory_mask="float3d", batch_first=True,
                       memory_kpm=True, activation="gelu")
    decoder_layer_case("decoder_layer_pre_causal_eval", 8, 4, 16, 4, 6, 2, norm_first=True, tgt_mask="causal",
                       memory_mask="float", tgt_is_causal=True, eps=1e-6)
    decoder_layer_case("decoder_layer_post_causal_kpm", 8, 2, 16, 5, 4, 2, tgt_mask="causal", tgt_kpm=True,
                       tgt_is_causal=True, activation="gelu")
    decoder_layer_case("decoder_layer_unbatched", 6, 3, 10, 4, 5, 1, tgt_mask="causal", tgt_is_causal=True,
                       unbatched=True)
    decoder_case("decoder_post_norm", 8, 2, 16, 5, 6, 2, 2, tgt_mask="causal", tgt_kpm=True, memory_kpm=True,
                 tgt_is_causal=True)
    decoder_case("decoder_pre_no_final_norm", 8, 2, 12, 4, 5, 2, 3, norm=False, norm_first=True, batch_first=False,
                 memory_mask="bool", tgt_mask="bool", activation="relu")


# ---------------------------------------------------------------- position embeddings

def randn64(*shape):
    return torch.randn(shape, dtype=torch.float64)


def sinusoid_reference(length, d, offset):
    """pe[p, 2i] = sin(p / 10000^(2i/d)), pe[p, 2i+1] = cos(p / 10000^(2i/d)) in float64 (NumPy)."""
    pos = np.arange(offset, offset + length, dtype=np.float64)[:, None]
    two_i = np.arange(0, d, 2, dtype=np.float64)[None, :]
    angle = pos / np.power(10000.0, two_i / d)
    pe = np.zeros((length, d), dtype=np.float64)
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle[:, : d // 2])
    return torch.from_numpy(pe)


def position_input(T, B, d, layout, dtype):
    make = randn64 if dtype == torch.float64 else randn
    if layout == "unbatched":
        return make(T, d)
    return make(B, T, d) if layout == "batch_first" else make(T, B, d)


def rows_for(table, layout):
    return table.unsqueeze(1) if layout == "seq_first" else table  # [T, 1, d] or [T, d]


def sinusoidal_case(name, d, T, B, offset, max_len, layout="seq_first", dtype=torch.float32):
    seed(name)
    inputs = {"x": position_input(T, B, d, layout, dtype)}
    pe = sinusoid_reference(T, d, offset).to(dtype)
    attrs = {"d_model": d, "max_len": max_len, "offset": offset, "batch_first": layout == "batch_first"}
    record(name, "sinusoidal", attrs, False, None, inputs, lambda x: (x["x"] + rows_for(pe, layout), None))


class LearnedPositions(nn.Module):
    """GPT-2's wpe: an embedding table whose rows offset ..< offset + T are added to the input."""

    def __init__(self, max_len, d, dtype):
        super().__init__()
        self.weight = nn.Parameter(nn.Embedding(max_len, d).weight.detach().to(dtype))

    def forward(self, x, offset, layout):
        T = x.shape[1] if layout == "batch_first" else x.shape[0]
        return x + rows_for(self.weight[offset:offset + T], layout)


def learned_case(name, d, T, B, offset, max_len, layout="seq_first", dtype=torch.float32):
    seed(name)
    module = LearnedPositions(max_len, d, dtype)
    inputs = {"x": position_input(T, B, d, layout, dtype)}
    attrs = {"d_model": d, "max_len": max_len, "offset": offset, "batch_first": layout == "batch_first"}
    record(name, "learned_pos", attrs, False, module, inputs, lambda x: (module(x["x"], offset, layout), None))


def rope_reference(x, offset, base):
    """Rotary embedding, rotate-half convention (GPT-NeoX / Llama), tables in float64."""
    D, T = x.shape[-1], x.shape[-2]
    inv_freq = 1.0 / (base ** (torch.arange(0, D, 2, dtype=torch.float64) / D))
    t = torch.arange(offset, offset + T, dtype=torch.float64)
    freqs = torch.outer(t, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos().to(x.dtype), emb.sin().to(x.dtype)

    def rotate_half(v):
        return torch.cat((-v[..., D // 2:], v[..., : D // 2]), dim=-1)

    return x * cos + rotate_half(x) * sin


def rotary_case(name, shape, offset, base=10000.0, dtype=torch.float32):
    seed(name)
    make = randn64 if dtype == torch.float64 else randn
    inputs = {"query": make(*shape), "key": make(*shape)}
    attrs = {"head_dim": shape[-1], "offset": offset, "base": base}
    record(name, "rotary", attrs, False, None, inputs,
           lambda x: (torch.stack([rope_reference(x["query"], offset, base), rope_reference(x["key"], offset, base)]), None))


def gen_positions():
    sinusoidal_case("sinusoidal_seq_first", 8, 5, 2, 0, 16)
    sinusoidal_case("sinusoidal_batch_first_offset", 6, 4, 3, 7, 32, layout="batch_first")
    sinusoidal_case("sinusoidal_odd_unbatched_f64", 7, 5, 1, 3, 64, layout="unbatched", dtype=torch.float64)
    sinusoidal_case("sinusoidal_far_positions_f64", 16, 6, 2, 4990, 5000, layout="batch_first", dtype=torch.float64)
    learned_case("learned_pos_seq_first", 8, 4, 2, 0, 10)
    learned_case("learned_pos_batch_first_offset", 6, 3, 2, 5, 12, layout="batch_first")
    learned_case("learned_pos_unbatched_f64", 4, 3, 1, 2, 8, layout="unbatched", dtype=torch.float64)
    rotary_case("rotary_heads", (2, 3, 5, 8), 0)
    rotary_case("rotary_offset_base", (1, 2, 4, 16), 7, base=500.0)
    rotary_case("rotary_f64", (3, 6, 4), 13, dtype=torch.float64)


def main():
    gen_sdpa()
    gen_mha()
    gen_encoder()
    gen_decoder()
    gen_positions()
    head = json.dumps({"generator": "scripts/generate_attention_fixtures.py", "torch_version": torch.__version__},
                      allow_nan=False)[:-1]
    body = '"cases": [\n' + ",\n".join(json.dumps(c, separators=(",", ":"), allow_nan=False) for c in CASES) + "\n]"
    os.makedirs(os.path.dirname(OUT_PATH), exist_ok=True)
    with open(OUT_PATH, "w") as f:
        f.write(head + ", " + body + "}\n")
    print(f"wrote {len(CASES)} cases to {os.path.relpath(OUT_PATH, ROOT)} ({os.path.getsize(OUT_PATH)} bytes)")


if __name__ == "__main__":
    main()
