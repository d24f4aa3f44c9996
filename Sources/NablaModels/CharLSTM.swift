import Foundation
import Nabla
import NablaNN

/// The sizes of a `CharLSTM`.
public struct CharLSTMConfig: Codable, Sendable, Equatable {
    /// The number of token ids (a `CharacterVocabulary`'s `count`).
    public var vocabularySize: Int
    /// The size of each character's embedding.
    public var embeddingDim: Int
    /// The LSTM's hidden size.
    public var hiddenSize: Int
    /// The number of stacked LSTM layers.
    public var numLayers: Int
    /// The dropout between LSTM layers (training only).
    public var dropout: Double

    /// A configuration; the defaults train on the fortune corpus in a few minutes on two cores.
    public init(vocabularySize: Int, embeddingDim: Int = 64, hiddenSize: Int = 256, numLayers: Int = 1, dropout: Double = 0) {
        (self.vocabularySize, self.embeddingDim, self.hiddenSize, self.numLayers, self.dropout) =
            (vocabularySize, embeddingDim, hiddenSize, numLayers, dropout)
    }

    /// What is wrong with the sizes, or nil.
    public var validationProblem: String? {
        if vocabularySize < 1 { return "vocabularySize must be at least 1, got \(vocabularySize)" }
        if embeddingDim < 1 { return "embeddingDim must be at least 1, got \(embeddingDim)" }
        if hiddenSize < 1 { return "hiddenSize must be at least 1, got \(hiddenSize)" }
        if numLayers < 1 { return "numLayers must be at least 1, got \(numLayers)" }
        if !(dropout >= 0 && dropout < 1) { return "dropout must be in [0, 1), got \(dropout)" }
        return nil
    }
}

/// A character-level LSTM language model: `Embedding` → `LSTM` (batch first) → `Linear` to the
/// next-character logits at every position.
///
/// State-dict names, as a PyTorch module with attributes `embedding`, `lstm` and `head` would have them:
/// `embedding.weight`, `lstm.weight_ih_l0`, `lstm.weight_hh_l0`, `lstm.bias_ih_l0`, `lstm.bias_hh_l0`, …,
/// `head.weight`, `head.bias`. Generation carries the LSTM state from step to step, so each new
/// character costs one step whatever the length of the text so far.
///
/// ```swift
/// let model = CharLSTM(CharLSTMConfig(vocabularySize: vocabulary.count))
/// let logits = model(tokens)                               // [B, T] → [B, T, vocabularySize]
/// let loss = languageModelLoss(model, inputs: x, targets: y)
/// ```
public final class CharLSTM: Module, Layer, AutoregressiveLanguageModel {
    /// The LSTM's hidden and cell states, each [numLayers, batch, hiddenSize].
    public typealias DecodingState = (h: Tensor, c: Tensor)

    /// The sizes.
    public let config: CharLSTMConfig
    /// `embedding`: [vocabularySize, embeddingDim].
    public let embedding: Embedding
    /// `lstm`: embeddingDim → hiddenSize, batch first.
    public let lstm: LSTM
    /// `head`: hiddenSize → vocabularySize.
    public let head: Linear

    /// A randomly initialised model (PyTorch's default initialisations).
    public init(_ config: CharLSTMConfig) {
        precondition(config.validationProblem == nil, "CharLSTM: \(config.validationProblem ?? "")")
        self.config = config
        embedding = Embedding(config.vocabularySize, config.embeddingDim)
        lstm = LSTM(config.embeddingDim, config.hiddenSize, numLayers: config.numLayers, batchFirst: true, dropout: config.dropout)
        head = Linear(config.hiddenSize, config.vocabularySize)
        super.init()
    }

    public override func namedChildren() -> [(String, Module)] {
        [("embedding", embedding), ("lstm", lstm), ("head", head)]
    }

    /// The number of token ids.
    public var vocabularySize: Int { config.vocabularySize }

    /// The next-character logits [B, T, vocabularySize] of integer `tokens` [B, T], from a zero state.
    public func callAsFunction(_ tokens: Tensor) -> Tensor { self(tokens, state: nil).logits }

    /// The logits [B, T, vocabularySize] of `tokens` [B, T] continuing from `state` (zeros when nil),
    /// and the state after the last token.
    public func callAsFunction(_ tokens: Tensor, state: DecodingState?) -> (logits: Tensor, state: DecodingState) {
        precondition(tokens.rank == 2 && tokens.dtype.isInteger, "CharLSTM: tokens must be an integer [B, T] tensor, got \(tokens.dtype) \(tokens.shape)")
        let (output, h, c) = lstm(embedding(tokens), state)
        return (reportOutput(head(output)), (h, c))
    }

    /// The logits [B, T, vocabularySize] of `tokens` [B, T].
    public func logits(_ tokens: Tensor) -> Tensor { self(tokens) }

    /// One generation step: runs `newTokens` from the carried LSTM state.
    public func nextTokenLogits(after newTokens: [Int], state: inout DecodingState?) -> Tensor {
        let input = Tensor(shape: [1, newTokens.count], scalars: newTokens.map(Int64.init))
        let (logits, next) = self(input, state: state)
        state = next
        return logits[0, newTokens.count - 1]
    }
}
