import Nabla

/// The activation of a transformer's feed-forward block.
public enum TransformerActivation: Sendable, Hashable {
    /// `max(x, 0)` (PyTorch's default).
    case relu
    /// The exact (erf) GELU.
    case gelu

    func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .relu: return Nabla.relu(x)
        case .gelu: return Nabla.gelu(x)
        }
    }
}

/// One transformer encoder block (PyTorch's `nn.TransformerEncoderLayer`): self-attention then a
/// feed-forward network `linear2(dropout(activation(linear1(x))))`, each with a residual connection
/// and a layer norm, after it (post-norm, the default) or before it (`normFirst`, pre-norm).
///
/// Parameter names match PyTorch's: `self_attn.in_proj_weight`, `self_attn.out_proj.weight`,
/// `linear1.weight`, `linear2.weight`, `norm1.weight`, `norm2.weight` and their biases.
///
/// ```swift
/// let layer = TransformerEncoderLayer(dModel: 64, nhead: 4, dimFeedforward: 256, batchFirst: true)
/// let y = layer(Tensor.randn([2, 10, 64]))    // [2, 10, 64]
/// ```
public final class TransformerEncoderLayer: Module, Layer {
    /// The self-attention block (`self_attn`).
    public let selfAttn: MultiheadAttention
    /// The feed-forward network's first layer, dModel → dimFeedforward.
    public let linear1: Linear
    /// The dropout inside the feed-forward network.
    public let dropout: Dropout
    /// The feed-forward network's second layer, dimFeedforward → dModel.
    public let linear2: Linear
    /// The norm of the attention block.
    public let norm1: LayerNorm
    /// The norm of the feed-forward block.
    public let norm2: LayerNorm
    /// The dropout after the attention block.
    public let dropout1: Dropout
    /// The dropout after the feed-forward block.
    public let dropout2: Dropout
    /// The feed-forward activation.
    public let activation: TransformerActivation
    /// Pre-norm (true) or post-norm (false).
    public let normFirst: Bool
    /// Whether inputs are [B, T, dModel] rather than [T, B, dModel].
    public let batchFirst: Bool

    /// An encoder block of width `dModel` with `nhead` attention heads.
    public init(dModel: Int, nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1, activation: TransformerActivation = .relu,
                layerNormEps: Double = 1e-5, batchFirst: Bool = false, normFirst: Bool = false, bias: Bool = true,
                generator: Generator? = nil) {
        selfAttn = MultiheadAttention(embedDim: dModel, numHeads: nhead, dropout: dropout, bias: bias, batchFirst: batchFirst,
                                      generator: generator)
        linear1 = Linear(dModel, dimFeedforward, bias: bias)
        self.dropout = Dropout(p: dropout, generator: generator)
        linear2 = Linear(dimFeedforward, dModel, bias: bias)
        norm1 = LayerNorm(dModel, eps: layerNormEps, bias: bias)
        norm2 = LayerNorm(dModel, eps: layerNormEps, bias: bias)
        dropout1 = Dropout(p: dropout, generator: generator)
        dropout2 = Dropout(p: dropout, generator: generator)
        (self.activation, self.normFirst, self.batchFirst) = (activation, normFirst, batchFirst)
        super.init()
    }

    public override func namedChildren() -> [(String, Module)] {
        [("self_attn", selfAttn), ("linear1", linear1), ("dropout", dropout), ("linear2", linear2),
         ("norm1", norm1), ("norm2", norm2), ("dropout1", dropout1), ("dropout2", dropout2)]
    }

    /// The block applied to `input` without masks.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        self(input, srcMask: nil, srcKeyPaddingMask: nil, isCausal: false)
    }

    /// The block applied to `src` ([T, B, dModel], [B, T, dModel] with `batchFirst`, or [T, dModel]).
    ///
    /// `srcMask` is an attention mask [T, T] or [B·nhead, T, T] and `srcKeyPaddingMask` [B, T]; boolean
    /// masks are **true where attention is not allowed**, as in `MultiheadAttention`. `isCausal` applies a
    /// causal mask when `srcMask` is nil.
    ///
    /// With a `cache` (a `.growing` `KeyValueCache`), the block is a decoder-only (GPT) block decoding
    /// incrementally: `src` holds only the new positions, their keys and values are appended to the cache,
    /// and they attend to every cached position (causally within the chunk with `isCausal`). Masks then
    /// span all cached positions: `srcMask` [T, S], `srcKeyPaddingMask` [B, S], S = `cache.length` after
    /// the call. Chunk by chunk, the outputs equal those of one causal pass over the whole sequence.
    ///
    /// ```swift
    /// let block = TransformerEncoderLayer(dModel: 64, nhead: 4, dropout: 0, batchFirst: true, normFirst: true)
    /// let cache = KeyValueCache()
    /// let prompt = block(Tensor.randn([1, 5, 64]), srcMask: nil, isCausal: true, cache: cache)   // [1, 5, 64]
    /// let next = block(Tensor.randn([1, 1, 64]), srcMask: nil, isCausal: true, cache: cache)     // [1, 1, 64]
    /// ```
    public func callAsFunction(_ src: Tensor, srcMask: Tensor?, srcKeyPaddingMask: Tensor? = nil, isCausal: Bool = false,
                               cache: KeyValueCache? = nil) -> Tensor {
        precondition(cache.map { $0.mode == .growing } ?? true, "TransformerEncoderLayer: the self-attention cache must be .growing")
        func attentionBlock(_ x: Tensor) -> Tensor {
            let (y, _) = selfAttn(x, x, x, keyPaddingMask: srcKeyPaddingMask, needWeights: false, attnMask: srcMask, isCausal: isCausal,
                                  cache: cache)
            return dropout1(y)
        }
        func feedForwardBlock(_ x: Tensor) -> Tensor {
            dropout2(linear2(dropout(activation(linear1(x)))))
        }
        let x = residual(src, norm1, normFirst: normFirst, attentionBlock)
        return reportOutput(residual(x, norm2, normFirst: normFirst, feedForwardBlock))
    }
}

/// A stack of encoder blocks with an optional final norm (PyTorch's `nn.TransformerEncoder`);
/// parameters are named `layers.0.self_attn.in_proj_weight`, …, `norm.weight`.
///
/// ```swift
/// let encoder = TransformerEncoder(numLayers: 6, norm: LayerNorm(512)) {
///     TransformerEncoderLayer(dModel: 512, nhead: 8, batchFirst: true)
/// }
/// let y = encoder(Tensor.randn([2, 10, 512]), srcKeyPaddingMask: padding)
/// ```
public final class TransformerEncoder: TransformerStack<TransformerEncoderLayer>, Layer {
    /// Empty self-attention caches, one per layer, for incremental decoding.
    ///
    /// ```swift
    /// let cache = encoder.makeCache()   // cache.count == encoder.layers.count
    /// ```
    public func makeCache() -> [KeyValueCache] { layers.map { _ in KeyValueCache(mode: .growing) } }

    /// The encoder applied to `input` without masks.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        self(input, mask: nil, srcKeyPaddingMask: nil, isCausal: false)
    }

    /// The encoder applied to `src`, every block with the same masks (see
    /// `TransformerEncoderLayer.callAsFunction(_:srcMask:srcKeyPaddingMask:isCausal:cache:)`).
    ///
    /// `cache` (from `makeCache()`, one `KeyValueCache` per layer) decodes incrementally: `src` holds the
    /// new positions only.
    ///
    /// ```swift
    /// let gpt = TransformerEncoder(numLayers: 2) { TransformerEncoderLayer(dModel: 64, nhead: 4, batchFirst: true) }
    /// gpt.eval()
    /// let cache = gpt.makeCache()
    /// let h = gpt(Tensor.randn([1, 5, 64]), mask: nil, isCausal: true, cache: cache)      // the prompt
    /// let h6 = gpt(Tensor.randn([1, 1, 64]), mask: nil, isCausal: true, cache: cache)     // one more position
    /// ```
    public func callAsFunction(_ src: Tensor, mask: Tensor?, srcKeyPaddingMask: Tensor? = nil, isCausal: Bool = false,
                               cache: [KeyValueCache]? = nil) -> Tensor {
        run(src, cache: cache) { x, layer, layerCache in
            layer(x, srcMask: mask, srcKeyPaddingMask: srcKeyPaddingMask, isCausal: isCausal, cache: layerCache)
        }
    }
}
