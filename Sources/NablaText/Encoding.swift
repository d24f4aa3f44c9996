import Nabla

/// One tokenized text (or text pair): ids, tokens and the model inputs that go with them.
///
/// ```swift
/// let e = try WordPieceTokenizer(vocabularyFile: url).encode("Hello!")
/// e.tokens   // ["[CLS]", "hello", "!", "[SEP]"]
/// e.ids      // [101, 7592, 999, 102]
/// ```
public struct Encoding: Sendable, Equatable {
    /// Token ids.
    public var ids: [Int]
    /// Token strings, one per id.
    public var tokens: [String]
    /// Segment ids: 0 for the first text and its special tokens, 1 for the second text of a pair.
    public var typeIds: [Int]
    /// 1 for real tokens, 0 for padding.
    public var attentionMask: [Int]
    /// 1 for special tokens (`[CLS]`, `[SEP]`, `[PAD]`), 0 for tokens from the text.
    public var specialTokensMask: [Int]

    /// Creates an encoding; the masks default to "all real, no special".
    public init(ids: [Int], tokens: [String], typeIds: [Int]? = nil, attentionMask: [Int]? = nil,
                specialTokensMask: [Int]? = nil) {
        precondition(ids.count == tokens.count, "Encoding: \(ids.count) ids but \(tokens.count) tokens")
        self.ids = ids
        self.tokens = tokens
        self.typeIds = typeIds ?? Array(repeating: 0, count: ids.count)
        self.attentionMask = attentionMask ?? Array(repeating: 1, count: ids.count)
        self.specialTokensMask = specialTokensMask ?? Array(repeating: 0, count: ids.count)
    }

    /// The number of tokens (padding included).
    public var count: Int { ids.count }

    /// Appends `other` (used to join the parts of a pair).
    mutating func append(_ other: Encoding) {
        ids += other.ids; tokens += other.tokens; typeIds += other.typeIds
        attentionMask += other.attentionMask; specialTokensMask += other.specialTokensMask
    }

    /// Keeps the first `length` tokens.
    mutating func truncate(to length: Int) {
        guard length < count else { return }
        let n = max(0, length)
        ids.removeSubrange(n...); tokens.removeSubrange(n...); typeIds.removeSubrange(n...)
        attentionMask.removeSubrange(n...); specialTokensMask.removeSubrange(n...)
    }

    /// Pads on the right to `length` with `padId`/`padToken` (attention 0, type 0, special 1).
    public mutating func pad(to length: Int, padId: Int, padToken: String) {
        let extra = length - count
        guard extra > 0 else { return }
        ids += Array(repeating: padId, count: extra)
        tokens += Array(repeating: padToken, count: extra)
        typeIds += Array(repeating: 0, count: extra)
        attentionMask += Array(repeating: 0, count: extra)
        specialTokensMask += Array(repeating: 1, count: extra)
    }
}

/// How `encodeBatch` pads the encodings of a batch.
public enum Padding: Sendable, Equatable {
    /// No padding: every text must give the same number of tokens to make a tensor.
    case none
    /// Pad every encoding to the longest one in the batch.
    case longest
    /// Pad every encoding to this many tokens (longer ones are left as they are unless truncated).
    case length(Int)
}

/// How a text (or pair) longer than `maxLength` tokens is shortened; as HuggingFace `tokenizers`.
///
/// The special tokens count towards `maxLength`: with `[CLS] A [SEP] B [SEP]` and `maxLength: 8` the
/// texts keep 5 tokens between them.
public enum Truncation: Sendable, Equatable {
    /// Never truncate.
    case none
    /// Remove tokens from the longer of the two texts first (HuggingFace's default).
    case longestFirst
    /// Remove tokens only from the first text.
    case onlyFirst
    /// Remove tokens only from the second text of a pair.
    case onlySecond
}

/// The tensors a transformer takes, for a padded batch, with the encodings they came from.
public struct BatchEncoding: Sendable {
    /// Token ids, int64 `[B, T]`.
    public var inputIds: Tensor
    /// 1 for real tokens and 0 for padding, int64 `[B, T]`.
    public var attentionMask: Tensor
    /// Segment ids, int64 `[B, T]`.
    public var tokenTypeIds: Tensor
    /// The padded encodings, one per text.
    public var encodings: [Encoding]
}

/// Shortens the two parts of an input so that they fit `budget` tokens (special tokens excluded).
///
/// Follows HuggingFace `tokenizers`' `truncate_encodings`, including its split for `longestFirst`:
/// the shorter part keeps its length when the longer one can absorb the cut, else both get half.
func truncate(_ first: inout Encoding, _ second: inout Encoding?, budget: Int, strategy: Truncation) {
    let budget = max(0, budget)
    let total = first.count + (second?.count ?? 0)
    guard strategy != .none, total > budget else { return }
    switch strategy {
    case .none:
        return
    case .onlyFirst:
        first.truncate(to: first.count - (total - budget))
    case .onlySecond:
        if var s = second { s.truncate(to: s.count - (total - budget)); second = s }
    case .longestFirst:
        guard var s = second else { first.truncate(to: budget); return }
        var n1 = first.count, n2 = s.count
        let swap = n1 > n2
        if swap { Swift.swap(&n1, &n2) }
        n2 = n1 > budget ? n1 : max(n1, budget - n1)
        if n1 + n2 > budget {
            n1 = budget / 2
            n2 = n1 + budget % 2
        }
        if swap { Swift.swap(&n1, &n2) }
        first.truncate(to: n1)
        s.truncate(to: n2)
        second = s
    }
}
