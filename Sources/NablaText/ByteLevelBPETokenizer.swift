/// GPT-2's byte-level BPE tokenizer, matching HuggingFace `tokenizers` (`ByteLevel` pre-tokenizer,
/// `BPE` model, `ByteLevel` decoder) token for token.
///
/// ```swift
/// let tokenizer = try ByteLevelBPETokenizer(vocabularyFile: dir.appendingPathComponent("vocab.json"),
///                                           mergesFile: dir.appendingPathComponent("merges.txt"))
/// let e = tokenizer.encode("Hello world")
/// e.tokens                     // ["Hello", "Ġworld"]   (`Ġ` is the byte-level space)
/// tokenizer.decode(e.ids)      // "Hello world"
/// ```
///
/// The text is split with GPT-2's pattern (`ByteLevel.split`), each piece is spelled in the byte-level
/// alphabet, and adjacent symbols are merged repeatedly, lowest merge rank first, until no listed merge applies.
public struct ByteLevelBPETokenizer: TextTokenizer {
    /// Tokens by id.
    let tokens: [String]
    /// Ids by token.
    let ids: [String: Int]
    /// For a pair of ids `(a << 32) | b`: the merge's rank and the id of the merged token.
    let merges: [UInt64: (rank: Int, id: Int)]
    /// The id of each byte's one-character token, or `nil` when the vocabulary lacks it.
    let byteIds: [Int?]
    /// Prepend a space to a text that does not start with one (`add_prefix_space`).
    public let addPrefixSpace: Bool
    /// The token used for padding (GPT-2 has none: by default the first token of the vocabulary).
    public let paddingToken: String
    /// The id used for padding.
    public let paddingId: Int
    /// The longest input the model takes; the default `maxLength` of truncation.
    public let modelMaxLength: Int

    /// Creates a tokenizer from an id-ordered vocabulary and the merges in rank order.
    ///
    /// - Parameters:
    ///   - vocabulary: tokens in the byte-level alphabet, the id of each being its index.
    ///   - merges: the merge rules, most frequent (rank 0) first.
    ///   - paddingToken: the padding token; `nil` uses the token with id 0.
    ///   - source: the file name used in errors.
    /// - Throws: `TokenizerError.mergeTokenNotInVocabulary` (naming the merge's 1-based position) when a
    ///   merge uses or produces a token the vocabulary lacks; `.duplicateToken` for a repeated token;
    ///   `.missingSpecialToken` for an unknown padding token or an empty vocabulary.
    public init(vocabulary: [String], merges: [(String, String)], addPrefixSpace: Bool = false,
                paddingToken: String? = nil, modelMaxLength: Int = 1024, source: String = "vocabulary",
                mergesSource: String? = nil, mergesFirstLine: Int = 1) throws(TokenizerError) {
        var ids: [String: Int] = [:]
        ids.reserveCapacity(vocabulary.count)
        for (id, token) in vocabulary.enumerated() {
            guard ids.updateValue(id, forKey: token) == nil else {
                throw .duplicateToken(file: source, line: 0, token: token)
            }
        }
        var table: [UInt64: (rank: Int, id: Int)] = [:]
        table.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            let line = rank + mergesFirstLine
            let mergesFile = mergesSource ?? source
            func lookup(_ token: String) throws(TokenizerError) -> Int {
                guard let id = ids[token] else { throw .mergeTokenNotInVocabulary(file: mergesFile, line: line, token: token) }
                return id
            }
            let a = try lookup(merge.0), b = try lookup(merge.1), merged = try lookup(merge.0 + merge.1)
            let key = UInt64(a) << 32 | UInt64(b)
            if table[key] == nil { table[key] = (rank, merged) }
        }
        guard let pad = paddingToken ?? vocabulary.first else { throw .missingSpecialToken(file: source, token: "padding") }
        guard let padId = ids[pad] else { throw .missingSpecialToken(file: source, token: pad) }
        self.tokens = vocabulary
        self.ids = ids
        self.merges = table
        self.byteIds = ByteLevel.byteToCharacter.map { ids[String($0)] }
        self.addPrefixSpace = addPrefixSpace
        self.paddingToken = pad
        self.paddingId = padId
        self.modelMaxLength = modelMaxLength
    }

    /// The number of tokens in the vocabulary.
    public var vocabularySize: Int { tokens.count }

    /// The id of `token` (in the byte-level alphabet), if it is in the vocabulary.
    public func id(for token: String) -> Int? { ids[token] }

    /// The token with id `id`, if there is one.
    public func token(for id: Int) -> String? { tokens.indices.contains(id) ? tokens[id] : nil }

    /// Encodes `text` (and `pair`, whose tokens get type id 1). GPT-2 adds no special tokens, so
    /// `addSpecialTokens` changes nothing; `truncation` cuts as HuggingFace `tokenizers` does.
    public func encode(_ text: String, pair: String? = nil, addSpecialTokens: Bool = true,
                       truncation: Truncation = .none, maxLength: Int? = nil) -> Encoding {
        let first = encodeSequence(text, typeId: 0)
        let second = pair.map { encodeSequence($0, typeId: 1) }
        return postProcess(first, second, prefix: nil, separator: nil, truncation: truncation,
                           maxLength: maxLength ?? modelMaxLength)
    }

    /// The text that `ids` spell: tokens joined, then byte-level characters turned back into UTF-8
    /// (invalid sequences become U+FFFD). Unknown ids are skipped.
    public func decode(_ ids: [Int]) -> String {
        ByteLevel.decode(ids.compactMap(token(for:)).joined())
    }

    /// One text, pre-tokenized and merged; no special tokens.
    func encodeSequence(_ text: String, typeId: Int) -> Encoding {
        let text = addPrefixSpace && text.utf8.first != 0x20 ? " " + text : text
        var result: [Int] = []
        for piece in ByteLevel.split(text) {
            result += bpe(Array(piece.utf8))
        }
        return Encoding(ids: result, tokens: result.map { tokens[$0] }, typeIds: Array(repeating: typeId, count: result.count))
    }

    /// Merges the byte symbols of one pre-tokenized piece, lowest rank first, leftmost first among equals.
    func bpe(_ bytes: [UInt8]) -> [Int] {
        // Bytes whose character is not in the vocabulary are dropped (there is no unknown token).
        var symbols = bytes.compactMap { byteIds[Int($0)] }
        while symbols.count > 1 {
            var best: (rank: Int, index: Int, id: Int)?
            for i in 0..<(symbols.count - 1) {
                if let m = merges[UInt64(symbols[i]) << 32 | UInt64(symbols[i + 1])], m.rank < (best?.rank ?? .max) {
                    best = (m.rank, i, m.id)
                }
            }
            guard let best else { break }
            // Apply this merge everywhere, left to right, without overlaps (as GPT-2 does).
            let a = symbols[best.index], b = symbols[best.index + 1]
            var merged: [Int] = []
            merged.reserveCapacity(symbols.count)
            var i = 0
            while i < symbols.count {
                if i + 1 < symbols.count && symbols[i] == a && symbols[i + 1] == b {
                    merged.append(best.id); i += 2
                } else {
                    merged.append(symbols[i]); i += 1
                }
            }
            symbols = merged
        }
        return symbols
    }
}
