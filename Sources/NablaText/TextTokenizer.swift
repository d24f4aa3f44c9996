import Nabla

/// What the tokenizers share: encoding one text or a pair, and (from that) padded batches as tensors.
public protocol TextTokenizer: Sendable {
    /// Encodes `text` (and `pair`, when given) into ids, tokens and masks.
    ///
    /// - Parameters:
    ///   - addSpecialTokens: add the model's special tokens (`[CLS] A [SEP] B [SEP]` for BERT).
    ///   - truncation: how to shorten an input longer than `maxLength` tokens (special tokens included).
    ///   - maxLength: the length truncation aims for; `nil` means `modelMaxLength`.
    func encode(_ text: String, pair: String?, addSpecialTokens: Bool, truncation: Truncation, maxLength: Int?) -> Encoding
    /// The id used for padding.
    var paddingId: Int { get }
    /// The token string used for padding.
    var paddingToken: String { get }
    /// The longest input the model takes (used when truncating without an explicit `maxLength`).
    var modelMaxLength: Int { get }
}

extension TextTokenizer {
    /// Encodes a batch of texts (or pairs) into padded int64 tensors `[B, T]` for a model.
    ///
    /// ```swift
    /// let batch = tokenizer.encodeBatch(["a short one", "and a longer sentence"], padding: .longest)
    /// let hidden = model(batch.inputIds, attentionMask: batch.attentionMask)
    /// ```
    ///
    /// - Parameters:
    ///   - texts: the first (or only) texts.
    ///   - pairs: second texts, one per text in `texts` (traps if the counts differ: a programmer error).
    ///   - padding: `.longest` pads to the longest encoding; `.length(n)` pads to `n`, or to the longest
    ///     encoding when one is longer than `n` and not truncated.
    ///   - truncation: how to shorten encodings longer than `maxLength`.
    ///   - maxLength: the truncation length; `nil` means `.length(n)`'s `n`, else `modelMaxLength`.
    public func encodeBatch(_ texts: [String], pairs: [String]? = nil, padding: Padding = .longest,
                            truncation: Truncation = .none, maxLength: Int? = nil) -> BatchEncoding {
        if let pairs {
            precondition(pairs.count == texts.count, "encodeBatch: \(texts.count) texts but \(pairs.count) pairs")
        }
        var limit = maxLength
        if limit == nil, case let .length(n) = padding { limit = n }
        var encodings = texts.indices.map { i in
            encode(texts[i], pair: pairs?[i], addSpecialTokens: true, truncation: truncation, maxLength: limit)
        }
        let longest = encodings.map(\.count).max() ?? 0
        var target = longest
        if case let .length(n) = padding { target = max(n, longest) }
        for i in encodings.indices { encodings[i].pad(to: target, padId: paddingId, padToken: paddingToken) }
        func tensor(_ rows: (Encoding) -> [Int]) -> Tensor {
            Tensor(shape: [encodings.count, target], scalars: encodings.flatMap { rows($0).map(Int64.init) })
        }
        return BatchEncoding(inputIds: tensor(\.ids), attentionMask: tensor(\.attentionMask),
                             tokenTypeIds: tensor(\.typeIds), encodings: encodings)
    }

    /// Encodes `text` with special tokens and without truncation.
    public func encode(_ text: String) -> Encoding {
        encode(text, pair: nil, addSpecialTokens: true, truncation: .none, maxLength: nil)
    }
}

/// Special-token matching on raw text, as HuggingFace's added vocabulary does for tokens that are not
/// normalized: leftmost match, longest token first.
struct SpecialTokenMatcher: Sendable {
    /// The tokens, longest first.
    private let tokens: [(bytes: [UInt8], token: String, id: Int)]

    /// The ids of the tokens.
    var ids: [Int] { tokens.map(\.id) }

    init(_ tokens: [(token: String, id: Int)]) {
        self.tokens = tokens.filter { !$0.token.isEmpty }
            .map { (Array($0.token.utf8), $0.token, $0.id) }
            .sorted { $0.bytes.count > $1.bytes.count }
    }

    /// A piece of text: plain text to tokenize, or a special token found in it.
    enum Segment { case text(String), special(token: String, id: Int) }

    /// `text` cut into plain pieces and the special tokens between them.
    func segments(_ text: String) -> [Segment] {
        guard !tokens.isEmpty else { return [.text(text)] }
        let bytes = Array(text.utf8)
        var segments: [Segment] = []
        var start = 0, i = 0
        while i < bytes.count {
            if let match = tokens.first(where: { t in
                i + t.bytes.count <= bytes.count && bytes[i..<(i + t.bytes.count)].elementsEqual(t.bytes)
            }) {
                if start < i { segments.append(.text(String(decoding: bytes[start..<i], as: UTF8.self))) }
                segments.append(.special(token: match.token, id: match.id))
                i += match.bytes.count
                start = i
            } else {
                i += 1
            }
        }
        if start < bytes.count { segments.append(.text(String(decoding: bytes[start...], as: UTF8.self))) }
        return segments
    }
}

/// Joins the encodings of a text and its pair with the model's special tokens around them, after
/// truncating them to fit `maxLength` (the special tokens count towards it).
func postProcess(_ first: Encoding, _ second: Encoding?, prefix: (token: String, id: Int)?,
                 separator: (token: String, id: Int)?, truncation: Truncation, maxLength: Int) -> Encoding {
    var first = first, second = second
    let added = (prefix == nil ? 0 : 1) + (separator == nil ? 0 : (second == nil ? 1 : 2))
    truncate(&first, &second, budget: maxLength - added, strategy: truncation)
    func special(_ s: (token: String, id: Int)?, typeId: Int) -> Encoding {
        guard let s else { return Encoding(ids: [], tokens: []) }
        return Encoding(ids: [s.id], tokens: [s.token], typeIds: [typeId], specialTokensMask: [1])
    }
    var result = special(prefix, typeId: 0)
    result.append(first)
    result.append(special(separator, typeId: 0))
    if let second {
        result.append(second)
        result.append(special(separator, typeId: 1))
    }
    return result
}
