import Nabla

/// One transformer decoder block (PyTorch's `nn.TransformerDecoderLayer`): self-attention over the
/// target, cross-attention from the target to the encoder's `memory`, then a feed-forward network
/// `linear2(dropout(activation(linear1(x))))`; each with a residual connection and a layer norm, after
/// it (post-norm, the default) or before it (`normFirst`, pre-norm).
///
/// Parameter names match PyTorch's: `self_attn.in_proj_weight`, `multihead_attn.in_proj_weight`,
/// `multihead_attn.out_proj.weight`, `linear1.weight`, `linear2.weight`, `norm1.weight`, `norm2.weight`,
/// `norm3.weight` and their biases.
///
/// ```swift
/// let layer = TransformerDecoderLayer(dModel: 64, nhead: 4, dimFeedforward: 256, batchFirst: true)
/// let memory = Tensor.randn([2, 7, 64]), tgt = Tensor.randn([2, 5, 64])
/// let y = layer(tgt, memory: memory, tgtIsCausal: true)    // [2, 5, 64]
/// ```
public final class TransformerDecoderLayer: Module {
    /// The self-attention block (`self_attn`).
    public let selfAttn: MultiheadAttention
    /// The cross-attention block (`multihead_attn`): queries from the target, keys and values from the memory.
    public let multiheadAttn: MultiheadAttention
    /// The feed-forward network's first layer, dModel → dimFeedforward.
    public let linear1: Linear
    /// The dropout inside the feed-forward network.
    public let dropout: Dropout
    /// The feed-forward network's second layer, dimFeedforward → dModel.
    public let linear2: Linear
    /// The norm of the self-attention block.
    public let norm1: LayerNorm
    /// The norm of the cross-attention block.
    public let norm2: LayerNorm
    /// The norm of the feed-forward block.
    public let norm3: LayerNorm
    /// The dropout after the self-attention block.
    public let dropout1: Dropout
    /// The dropout after the cross-attention block.
    public let dropout2: Dropout
    /// The dropout after the feed-forward block.
    public let dropout3: Dropout
    /// The feed-forward activation.
    public let activation: TransformerActivation
    /// Pre-norm (true) or post-norm (false).
    public let normFirst: Bool
    /// Whether inputs are [B, T, dModel] rather than [T, B, dModel].
    public let batchFirst: Bool

    /// A decoder block of width `dModel` with `nhead` attention heads, PyTorch's defaults and initialisation.
    ///
    /// ```swift
    /// let preNorm = TransformerDecoderLayer(dModel: 512, nhead: 8, activation: .gelu, normFirst: true)
    /// ```
    public init(dModel: Int, nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1, activation: TransformerActivation = .relu,
                layerNormEps: Double = 1e-5, batchFirst: Bool = false, normFirst: Bool = false, bias: Bool = true,
                generator: Generator? = nil) {
        selfAttn = MultiheadAttention(embedDim: dModel, numHeads: nhead, dropout: dropout, bias: bias, batchFirst: batchFirst,
                                      generator: generator)
        multiheadAttn = MultiheadAttention(embedDim: dModel, numHeads: nhead, dropout: dropout, bias: bias, batchFirst: batchFirst,
                                           generator: generator)
        linear1 = Linear(dModel, dimFeedforward, bias: bias)
        self.dropout = Dropout(p: dropout, generator: generator)
        linear2 = Linear(dimFeedforward, dModel, bias: bias)
        norm1 = LayerNorm(dModel, eps: layerNormEps, bias: bias)
        norm2 = LayerNorm(dModel, eps: layerNormEps, bias: bias)
        norm3 = LayerNorm(dModel, eps: layerNormEps, bias: bias)
        dropout1 = Dropout(p: dropout, generator: generator)
        dropout2 = Dropout(p: dropout, generator: generator)
        dropout3 = Dropout(p: dropout, generator: generator)
        (self.activation, self.normFirst, self.batchFirst) = (activation, normFirst, batchFirst)
        super.init()
    }

    public override func namedChildren() -> [(String, Module)] {
        [("self_attn", selfAttn), ("multihead_attn", multiheadAttn), ("linear1", linear1), ("dropout", dropout),
         ("linear2", linear2), ("norm1", norm1), ("norm2", norm2), ("norm3", norm3), ("dropout1", dropout1),
         ("dropout2", dropout2), ("dropout3", dropout3)]
    }

    /// The block applied to `tgt` ([T, B, dModel], [B, T, dModel] with `batchFirst`, or [T, dModel])
    /// attending to `memory` ([S, B, dModel], likewise).
    ///
    /// Masks follow `MultiheadAttention`: boolean masks are **true where attention is not allowed**,
    /// floating-point masks are added to the scores. `tgtMask` is [T, T] or [B·nhead, T, T],
    /// `memoryMask` [T, S] or [B·nhead, T, S], `tgtKeyPaddingMask` [B, T], `memoryKeyPaddingMask` [B, S].
    /// `tgtIsCausal` (`memoryIsCausal`) applies a causal mask when `tgtMask` (`memoryMask`) is nil; with
    /// a mask, the mask is used as given (PyTorch treats the flag as a hint).
    ///
    /// With a `cache`, `tgt` holds only the new positions: their self-attention keys and values are
    /// appended to `cache.selfAttention` and they attend to every cached position (causally within the
    /// chunk with `tgtIsCausal`); the memory's keys and values are projected on the first call and kept in
    /// `cache.crossAttention` (later calls ignore `memory`'s values but still check its shape). Then
    /// `tgtMask` is [T, P] and `tgtKeyPaddingMask` [B, P], P = `cache.length` after the call, `memoryMask`
    /// holds the new positions' rows [T, S], and `memoryIsCausal` is not allowed.
    ///
    /// ```swift
    /// let cache = DecoderLayerCache()
    /// var y = layer(prompt, memory: memory, tgtIsCausal: true, cache: cache)        // [B, 5, dModel] with batchFirst
    /// y = layer(nextToken, memory: memory, tgtIsCausal: true, cache: cache)         // [B, 1, dModel]
    /// ```
    public func callAsFunction(_ tgt: Tensor, memory: Tensor, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                               tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil, tgtIsCausal: Bool = false,
                               memoryIsCausal: Bool = false, cache: DecoderLayerCache? = nil) -> Tensor {
        precondition(tgt.rank == memory.rank && (tgt.rank == 2 || tgt.rank == 3) && tgt.shape.last == memory.shape.last,
                     "TransformerDecoderLayer: tgt \(tgt.shape) and memory \(memory.shape) must both be "
                     + "\(batchFirst ? "[B, T, dModel]" : "[T, B, dModel]") or [T, dModel]")
        precondition(cache == nil || !memoryIsCausal, "TransformerDecoderLayer: memoryIsCausal is not supported with a cache")
        func selfAttentionBlock(_ x: Tensor) -> Tensor {
            let (y, _) = selfAttn(x, x, x, keyPaddingMask: tgtKeyPaddingMask, needWeights: false, attnMask: tgtMask, isCausal: tgtIsCausal,
                                  cache: cache?.selfAttention)
            return dropout1(y)
        }
        func crossAttentionBlock(_ x: Tensor) -> Tensor {
            let (y, _) = multiheadAttn(x, memory, memory, keyPaddingMask: memoryKeyPaddingMask, needWeights: false, attnMask: memoryMask,
                                       isCausal: memoryIsCausal, cache: cache?.crossAttention)
            return dropout2(y)
        }
        func feedForwardBlock(_ x: Tensor) -> Tensor {
            dropout3(linear2(dropout(activation(linear1(x)))))
        }
        var x = residual(tgt, norm1, normFirst: normFirst, selfAttentionBlock)
        x = residual(x, norm2, normFirst: normFirst, crossAttentionBlock)
        return reportOutput(residual(x, norm3, normFirst: normFirst, feedForwardBlock))
    }
}

/// A stack of decoder blocks with an optional final norm (PyTorch's `nn.TransformerDecoder`);
/// parameters are named `layers.0.self_attn.in_proj_weight`, …, `norm.weight`.
///
/// ```swift
/// let decoder = TransformerDecoder(numLayers: 6, norm: LayerNorm(512)) {
///     TransformerDecoderLayer(dModel: 512, nhead: 8, batchFirst: true)
/// }
/// let y = decoder(Tensor.randn([2, 9, 512]), memory: encoded, tgtIsCausal: true)   // [2, 9, 512]
/// ```
public final class TransformerDecoder: TransformerStack<TransformerDecoderLayer> {
    /// Empty caches, one per layer, for incremental decoding.
    ///
    /// ```swift
    /// let cache = decoder.makeCache()   // cache.count == decoder.layers.count
    /// ```
    public func makeCache() -> [DecoderLayerCache] { layers.map { _ in DecoderLayerCache() } }

    /// The decoder applied to `tgt` attending to `memory`, every block with the same masks (see
    /// `TransformerDecoderLayer.callAsFunction(_:memory:tgtMask:memoryMask:tgtKeyPaddingMask:memoryKeyPaddingMask:tgtIsCausal:memoryIsCausal:cache:)`).
    ///
    /// `cache` (from `makeCache()`) decodes incrementally: `tgt` holds the new positions only; the
    /// memory's keys and values are projected once per layer.
    ///
    /// ```swift
    /// let cache = decoder.makeCache()
    /// var h = decoder(prompt, memory: memory, tgtIsCausal: true, cache: cache)
    /// h = decoder(nextToken, memory: memory, tgtIsCausal: true, cache: cache)
    /// ```
    public func callAsFunction(_ tgt: Tensor, memory: Tensor, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                               tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil, tgtIsCausal: Bool = false,
                               memoryIsCausal: Bool = false, cache: [DecoderLayerCache]? = nil) -> Tensor {
        run(tgt, cache: cache) { x, layer, layerCache in
            layer(x, memory: memory, tgtMask: tgtMask, memoryMask: memoryMask, tgtKeyPaddingMask: tgtKeyPaddingMask,
                  memoryKeyPaddingMask: memoryKeyPaddingMask, tgtIsCausal: tgtIsCausal, memoryIsCausal: memoryIsCausal,
                  cache: layerCache)
        }
    }
}
