import Foundation

/// BERT's WordPiece tokenizer, matching HuggingFace `tokenizers` (`BertNormalizer`, `BertPreTokenizer`,
/// `WordPiece`, BERT's post-processor) token for token.
///
/// ```swift
/// let tokenizer = try WordPieceTokenizer(vocabularyFile: URL(fileURLWithPath: "vocab.txt"))
/// let e = tokenizer.encode("Unbelievable!", pair: "Really?")
/// e.tokens    // ["[CLS]", "unbelievable", "!", "[SEP]", "really", "?", "[SEP]"]
/// e.typeIds   // [0, 0, 0, 0, 1, 1, 1]
/// let batch = tokenizer.encodeBatch(["first text", "second"], padding: .longest)   // int64 [2, T] tensors
/// ```
///
/// Each word is split greedily into the longest vocabulary entry first, continuations spelled with the
/// `##` prefix; a word that cannot be split, or is longer than `maxInputCharactersPerWord` characters,
/// becomes `[UNK]`. Special tokens (`[CLS]`, `[SEP]`, `[MASK]`, …) written in the text are kept whole.
public struct WordPieceTokenizer: TextTokenizer {
    /// The text normalizer (lower-casing, accent stripping, CJK spacing).
    public let normalizer: BertNormalizer
    /// The prefix of word-continuation pieces (`##`).
    public let continuingSubwordPrefix: String
    /// Words with more Unicode scalars than this become the unknown token.
    public let maxInputCharactersPerWord: Int
    /// The unknown token (`[UNK]`) and its id.
    public let unknownToken: String, unknownId: Int
    /// The classifier token put first (`[CLS]`) and its id.
    public let classifierToken: String, classifierId: Int
    /// The separator token put after each text (`[SEP]`) and its id.
    public let separatorToken: String, separatorId: Int
    /// The padding token (`[PAD]`) and its id.
    public let paddingToken: String, paddingId: Int
    /// The longest input the model takes; the default `maxLength` of truncation.
    public let modelMaxLength: Int

    /// Tokens by id.
    let tokens: [String]
    /// Ids by the UTF-8 bytes of their token (bytes, not `String`: Swift's `String` equality is
    /// canonical equivalence, while vocabulary lookups must be exact).
    let idsByBytes: [[UInt8]: Int]
    let prefixBytes: [UInt8]
    let specialTokens: SpecialTokenMatcher

    /// Creates a tokenizer from an id-ordered vocabulary.
    ///
    /// - Parameters:
    ///   - vocabulary: tokens, the id of each being its index.
    ///   - normalizer: the text clean-up; `BertNormalizer()` for uncased models,
    ///     `BertNormalizer(lowercase: false)` for cased ones.
    ///   - specialTokens: tokens matched whole in the raw text before normalisation; by default
    ///     `[PAD]`, `[UNK]`, `[CLS]`, `[SEP]`, `[MASK]` when the vocabulary has them.
    ///   - source: the file name used in errors.
    /// - Throws: `TokenizerError.missingSpecialToken` when the unknown, classifier, separator or padding
    ///   token is not in the vocabulary; `.duplicateToken` when a token appears twice.
    public init(vocabulary: [String], normalizer: BertNormalizer = BertNormalizer(),
                continuingSubwordPrefix: String = "##", maxInputCharactersPerWord: Int = 100,
                unknownToken: String = "[UNK]", classifierToken: String = "[CLS]", separatorToken: String = "[SEP]",
                paddingToken: String = "[PAD]", specialTokens: [String]? = nil, modelMaxLength: Int = 512,
                source: String = "vocabulary") throws(TokenizerError) {
        var ids: [[UInt8]: Int] = [:]
        ids.reserveCapacity(vocabulary.count)
        for (id, token) in vocabulary.enumerated() {
            guard ids.updateValue(id, forKey: Array(token.utf8)) == nil else {
                throw .duplicateToken(file: source, line: id + 1, token: token)
            }
        }
        func id(_ token: String) throws(TokenizerError) -> Int {
            guard let id = ids[Array(token.utf8)] else { throw .missingSpecialToken(file: source, token: token) }
            return id
        }
        self.tokens = vocabulary
        self.idsByBytes = ids
        self.normalizer = normalizer
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.prefixBytes = Array(continuingSubwordPrefix.utf8)
        self.maxInputCharactersPerWord = maxInputCharactersPerWord
        self.unknownToken = unknownToken
        self.unknownId = try id(unknownToken)
        self.classifierToken = classifierToken
        self.classifierId = try id(classifierToken)
        self.separatorToken = separatorToken
        self.separatorId = try id(separatorToken)
        self.paddingToken = paddingToken
        self.paddingId = try id(paddingToken)
        self.modelMaxLength = modelMaxLength
        let special = specialTokens ?? [paddingToken, unknownToken, classifierToken, separatorToken, "[MASK]"]
        self.specialTokens = SpecialTokenMatcher(special.compactMap { t in ids[Array(t.utf8)].map { (t, $0) } })
    }

    /// The number of tokens in the vocabulary.
    public var vocabularySize: Int { tokens.count }

    /// The id of `token`, if it is in the vocabulary.
    public func id(for token: String) -> Int? { idsByBytes[Array(token.utf8)] }

    /// The token with id `id`, if there is one.
    public func token(for id: Int) -> String? { tokens.indices.contains(id) ? tokens[id] : nil }

    /// The WordPiece tokens of `text`, without special tokens added.
    public func tokenize(_ text: String) -> [String] {
        encodeSequence(text, typeId: 0).tokens
    }

    /// Encodes `text` (and `pair`) as `[CLS] text [SEP]` (`[CLS] text [SEP] pair [SEP]`).
    ///
    /// With `truncation` other than `.none`, the result is at most `maxLength` tokens long (default
    /// `modelMaxLength`), special tokens included, cut as HuggingFace `tokenizers` cuts.
    public func encode(_ text: String, pair: String? = nil, addSpecialTokens: Bool = true,
                       truncation: Truncation = .none, maxLength: Int? = nil) -> Encoding {
        let first = encodeSequence(text, typeId: 0)
        let second = pair.map { encodeSequence($0, typeId: 1) }
        return postProcess(first, second,
                           prefix: addSpecialTokens ? (classifierToken, classifierId) : nil,
                           separator: addSpecialTokens ? (separatorToken, separatorId) : nil,
                           truncation: truncation, maxLength: maxLength ?? modelMaxLength)
    }

    /// Turns ids back into text as HuggingFace's WordPiece decoder does: special tokens skipped, pieces
    /// joined with spaces, `##` continuations glued on, and in each piece the space before `.`, `?`, `!`,
    /// `,` and a few English contractions removed (the decoder's per-token `cleanup`).
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = true) -> String {
        let special = Set(specialTokens.ids + [classifierId, separatorId, paddingId, unknownId])
        let kept = ids.compactMap { id in skipSpecialTokens && special.contains(id) ? nil : token(for: id) }
        var text: [UInt8] = []
        for (i, token) in kept.enumerated() {
            var piece = Array(token.utf8)
            if i != 0 {
                if piece.starts(with: prefixBytes) { piece.removeFirst(prefixBytes.count) } else { piece.insert(0x20, at: 0) }
            }
            for (from, to) in Self.cleanups { piece = Self.replacing(from, with: to, in: piece) }
            text += piece
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The decoder's clean-up replacements, as UTF-8.
    static let cleanups: [([UInt8], [UInt8])] = [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
        (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    /// Every occurrence of `pattern` in `bytes` replaced by `replacement`, left to right (exact bytes).
    static func replacing(_ pattern: [UInt8], with replacement: [UInt8], in bytes: [UInt8]) -> [UInt8] {
        guard bytes.count >= pattern.count else { return bytes }
        var result: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if i + pattern.count <= bytes.count && bytes[i..<(i + pattern.count)].elementsEqual(pattern) {
                result += replacement; i += pattern.count
            } else {
                result.append(bytes[i]); i += 1
            }
        }
        return result
    }

    /// One text, normalized, pre-tokenized and split into pieces; no special tokens added.
    func encodeSequence(_ text: String, typeId: Int) -> Encoding {
        var ids: [Int] = []
        var special: [Int] = []
        for segment in specialTokens.segments(text) {
            switch segment {
            case let .special(_, id):
                ids.append(id); special.append(1)
            case let .text(piece):
                for word in BertPreTokenizer.split(normalizer.normalize(piece)) {
                    let pieces = wordPieces(word)
                    ids += pieces
                    special += Array(repeating: 0, count: pieces.count)
                }
            }
        }
        return Encoding(ids: ids, tokens: ids.map { tokens[$0] }, typeIds: Array(repeating: typeId, count: ids.count),
                        specialTokensMask: special)
    }

    /// Greedy longest-match-first split of one word; `[unknownId]` when it cannot be split.
    func wordPieces(_ word: String) -> [Int] {
        let bytes = Array(word.utf8)
        // Byte offsets of the scalar boundaries: pieces start and end on them.
        var boundaries: [Int] = []
        boundaries.reserveCapacity(bytes.count + 1)
        for (offset, byte) in bytes.enumerated() where byte & 0xC0 != 0x80 { boundaries.append(offset) }
        let scalarCount = boundaries.count
        boundaries.append(bytes.count)
        guard scalarCount <= maxInputCharactersPerWord else { return [unknownId] }
        var pieces: [Int] = []
        var start = 0
        var key: [UInt8] = []
        while start < scalarCount {
            var end = scalarCount
            var found: Int?
            while start < end {
                key.removeAll(keepingCapacity: true)
                if start > 0 { key += prefixBytes }
                key += bytes[boundaries[start]..<boundaries[end]]
                if let id = idsByBytes[key] { found = id; break }
                end -= 1
            }
            guard let id = found else { return [unknownId] }
            pieces.append(id)
            start = end
        }
        return pieces
    }
}
