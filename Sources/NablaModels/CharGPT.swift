import Foundation
import Nabla
import NablaNN

/// The sizes of a `CharGPT`.
public struct CharGPTConfig: Codable, Sendable, Equatable {
    /// The number of token ids (a `CharacterVocabulary`'s `count`).
    public var vocabularySize: Int
    /// The longest context, in tokens (the number of learned positions).
    public var blockSize: Int
    /// The width of the residual stream.
    public var dModel: Int
    /// The number of attention heads (must divide `dModel`).
    public var numHeads: Int
    /// The number of transformer blocks.
    public var numLayers: Int
    /// The width of each block's feed-forward network.
    public var dimFeedforward: Int
    /// The dropout inside the blocks (training only).
    public var dropout: Double

    /// A configuration; the defaults train on the fortune corpus in a few minutes on two cores.
    public init(vocabularySize: Int, blockSize: Int = 64, dModel: Int = 96, numHeads: Int = 4, numLayers: Int = 3,
                dimFeedforward: Int? = nil, dropout: Double = 0) {
        (self.vocabularySize, self.blockSize, self.dModel, self.numHeads, self.numLayers) =
            (vocabularySize, blockSize, dModel, numHeads, numLayers)
        self.dimFeedforward = dimFeedforward ?? 4 * dModel
        self.dropout = dropout
    }

    /// What is wrong with the sizes, or nil.
    public var validationProblem: String? {
        if vocabularySize < 1 { return "vocabularySize must be at least 1, got \(vocabularySize)" }
        if blockSize < 1 { return "blockSize must be at least 1, got \(blockSize)" }
        if dModel < 1 || numHeads < 1 || dModel % numHeads != 0 {
            return "dModel (\(dModel)) must be a positive multiple of numHeads (\(numHeads))"
        }
        if numLayers < 1 { return "numLayers must be at least 1, got \(numLayers)" }
        if dimFeedforward < 1 { return "dimFeedforward must be at least 1, got \(dimFeedforward)" }
        if !(dropout >= 0 && dropout < 1) { return "dropout must be in [0, 1), got \(dropout)" }
        return nil
    }
}

/// A small character-level GPT: token embedding plus a learned position embedding, `numLayers`
/// pre-norm causal `TransformerEncoderLayer`s (GELU), a final `LayerNorm` and a `Linear` head to the
/// next-character logits at every position.
///
/// State-dict names: `token_embedding.weight`, `position_embedding.weight`,
/// `layers.0.self_attn.in_proj_weight`, `layers.0.self_attn.out_proj.weight`, `layers.0.linear1.weight`,
/// `layers.0.norm1.weight`, …, `norm.weight`, `norm.bias`, `head.weight`, `head.bias` (what a PyTorch
/// module built from `nn.Embedding`, `nn.TransformerEncoderLayer(norm_first=True, batch_first=True)`,
/// `nn.LayerNorm` and `nn.Linear` under those attribute names has).
///
/// Position i only attends to positions 0...i, so the logits at i never depend on later tokens.
/// Generation runs each new token through the blocks against a key/value cache of the earlier ones
/// while the context fits the `blockSize` learned positions; after that it crops the context to the
/// last `blockSize` tokens and recomputes it at every step (the positions of the kept tokens shift).
///
/// ```swift
/// let model = CharGPT(CharGPTConfig(vocabularySize: vocabulary.count, blockSize: 64))
/// let logits = model(tokens)                               // [B, T ≤ 64] → [B, T, vocabularySize]
/// ```
public final class CharGPT: Module, Layer, AutoregressiveLanguageModel {
    /// What generation keeps between steps: the tokens of the current window and, while the window
    /// still fits the learned positions, each block's key/value cache.
    public struct DecodingState {
        /// The context window (at most `blockSize` tokens).
        public var tokens: [Int] = []
        /// One self-attention cache per block, holding the keys and values of `tokens`; nil once the
        /// window has slid (the positions of the cached keys changed, so each step recomputes).
        public var caches: [KeyValueCache]?
    }

    /// The sizes.
    public let config: CharGPTConfig
    /// `token_embedding`: [vocabularySize, dModel].
    public let tokenEmbedding: Embedding
    /// `position_embedding`: [blockSize, dModel].
    public let positionEmbedding: Embedding
    /// `layers.N`: the transformer blocks (pre-norm, causal, batch first).
    public let layers: [TransformerEncoderLayer]
    /// `norm`: the final layer norm.
    public let norm: LayerNorm
    /// `head`: dModel → vocabularySize.
    public let head: Linear

    /// A randomly initialised model; embeddings are drawn from N(0, 0.02²) as in GPT-2, the blocks
    /// and the head keep PyTorch's default initialisations.
    public init(_ config: CharGPTConfig) {
        precondition(config.validationProblem == nil, "CharGPT: \(config.validationProblem ?? "")")
        self.config = config
        tokenEmbedding = Embedding(config.vocabularySize, config.dModel)
        positionEmbedding = Embedding(config.blockSize, config.dModel)
        layers = (0..<config.numLayers).map { _ in
            TransformerEncoderLayer(dModel: config.dModel, nhead: config.numHeads, dimFeedforward: config.dimFeedforward,
                                    dropout: config.dropout, activation: .gelu, batchFirst: true, normFirst: true)
        }
        norm = LayerNorm(config.dModel)
        head = Linear(config.dModel, config.vocabularySize)
        super.init()
        Init.normal(tokenEmbedding.weight, std: 0.02)
        Init.normal(positionEmbedding.weight, std: 0.02)
    }

    public override func namedChildren() -> [(String, Module)] {
        [("token_embedding", tokenEmbedding), ("position_embedding", positionEmbedding)]
            + layers.enumerated().map { ("layers.\($0.offset)", $0.element as Module) }
            + [("norm", norm), ("head", head)]
    }

    /// The number of token ids.
    public var vocabularySize: Int { config.vocabularySize }

    /// The next-character logits [B, T, vocabularySize] of integer `tokens` [B, T], T ≤ blockSize.
    public func callAsFunction(_ tokens: Tensor) -> Tensor {
        precondition(tokens.rank == 2 && tokens.dtype.isInteger, "CharGPT: tokens must be an integer [B, T] tensor, got \(tokens.dtype) \(tokens.shape)")
        let length = tokens.shape[1]
        precondition(length >= 1 && length <= config.blockSize, "CharGPT: sequence length \(length) must be in 1...\(config.blockSize) (the block size)")
        let positions = Tensor.arange(0, Double(length), dtype: .int64)
        var x = tokenEmbedding(tokens) + positionEmbedding(positions)
        for layer in layers { x = layer(x, srcMask: nil, isCausal: true) }
        return reportOutput(head(norm(x)))
    }

    /// The logits [B, T, vocabularySize] of `tokens` [B, T].
    public func logits(_ tokens: Tensor) -> Tensor { self(tokens) }

    /// One generation step: the next-token logits [vocabularySize] after appending `newTokens` to the context.
    ///
    /// While the context fits `blockSize`, only the new tokens run through the blocks, attending to the
    /// cached keys and values of the earlier ones; then it is cropped to the last `blockSize` tokens and
    /// recomputed. Both give the logits of a full forward pass over the window.
    public func nextTokenLogits(after newTokens: [Int], state: inout DecodingState?) -> Tensor {
        var current = state ?? DecodingState(tokens: [], caches: layers.map { _ in KeyValueCache() })
        defer { state = current }
        if let caches = current.caches, current.tokens.count + newTokens.count <= config.blockSize {
            let start = current.tokens.count
            let input = Tensor(shape: [1, newTokens.count], scalars: newTokens.map(Int64.init))
            let positions = Tensor.arange(Double(start), Double(start + newTokens.count), dtype: .int64)
            var x = tokenEmbedding(input) + positionEmbedding(positions)
            for (layer, cache) in zip(layers, caches) { x = layer(x, srcMask: nil, isCausal: true, cache: cache) }
            current.tokens += newTokens
            return head(norm(x))[0, newTokens.count - 1]
        }
        current.caches = nil
        current.tokens = Array((current.tokens + newTokens).suffix(config.blockSize))
        let input = Tensor(shape: [1, current.tokens.count], scalars: current.tokens.map(Int64.init))
        return self(input)[0, current.tokens.count - 1]
    }
}
