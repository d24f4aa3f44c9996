// NablaText: tokenizers (WordPiece, byte-level BPE).
