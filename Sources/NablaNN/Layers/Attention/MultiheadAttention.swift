import Nabla

/// Multi-head attention (PyTorch's `nn.MultiheadAttention`), with PyTorch's parameter names so
/// its state dicts load unchanged: `in_proj_weight` [3E, E] (query, key and value projections stacked),
/// `in_proj_bias` [3E], `out_proj.weight` [E, E] and `out_proj.bias` [E].
///
/// Inputs are [L, B, E] (sequence first, PyTorch's default), [B, L, E] with `batchFirst`, or
/// unbatched [L, E]. Key and value must have the query's embedding size (PyTorch's `kdim`/`vdim` and
/// `add_bias_kv`/`add_zero_attn` are not supported).
///
/// ```swift
/// let attention = MultiheadAttention(embedDim: 64, numHeads: 8, batchFirst: true)
/// let x = Tensor.randn([2, 10, 64])
/// let (y, weights) = attention(x, x, x)            // y [2, 10, 64], weights [2, 10, 10] (averaged over heads)
///
/// // Incremental decoding: each call projects only the new step and attends to the cached ones.
/// let cache = KeyValueCache()
/// let (y1, _) = attention(x.slice(axis: 1, end: 9), x.slice(axis: 1, end: 9), x.slice(axis: 1, end: 9),
///                         needWeights: false, isCausal: true, cache: cache)
/// let step = x.slice(axis: 1, start: 9)
/// let (y2, _) = attention(step, step, step, needWeights: false, isCausal: true, cache: cache)   // [2, 1, 64]
/// ```
public final class MultiheadAttention: Module {
    /// The model dimension E.
    public let embedDim: Int
    /// The number of heads H (E is divisible by H).
    public let numHeads: Int
    /// E / H.
    public let headDim: Int
    /// The dropout probability of the attention weights (in training mode only).
    public let dropout: Double
    /// Whether inputs are [B, L, E] rather than [L, B, E].
    public let batchFirst: Bool
    /// The stacked query/key/value projection weights, [3E, E] (`in_proj_weight`).
    public var inProjWeight: Parameter
    /// The stacked projection biases, [3E] (`in_proj_bias`), or nil with `bias: false`.
    public var inProjBias: Parameter?
    /// The output projection (`out_proj`).
    public let outProj: Linear
    /// The source of dropout masks (`Generator.default` when nil).
    public let generator: Generator?

    /// Attention over `embedDim`-wide inputs split into `numHeads` heads.
    public init(embedDim: Int, numHeads: Int, dropout: Double = 0, bias: Bool = true, batchFirst: Bool = false,
                generator: Generator? = nil) {
        precondition(embedDim > 0 && numHeads > 0 && embedDim % numHeads == 0,
                     "MultiheadAttention: embedDim \(embedDim) must be divisible by numHeads \(numHeads)")
        precondition(dropout >= 0 && dropout <= 1, "MultiheadAttention: dropout has to be between 0 and 1, but got \(dropout)")
        (self.embedDim, self.numHeads, self.headDim) = (embedDim, numHeads, embedDim / numHeads)
        (self.dropout, self.batchFirst, self.generator) = (dropout, batchFirst, generator)
        inProjWeight = Parameter(Tensor.zeros([3 * embedDim, embedDim]))
        inProjBias = bias ? Parameter(Tensor.zeros([3 * embedDim])) : nil
        outProj = Linear(embedDim, embedDim, bias: bias)
        super.init()
        resetParameters()
    }

    /// PyTorch's initialisation: `in_proj_weight` from Xavier uniform, biases zero, `out_proj.weight`
    /// as a `Linear`'s.
    public func resetParameters() {
        Init.xavierUniform(inProjWeight)
        if let inProjBias { Init.zeros(inProjBias) }
        outProj.resetParameters()
        if let b = outProj.bias { Init.zeros(b) }
    }

    public override func namedDirectParameters() -> [(String, Parameter)] {
        [("in_proj_weight", inProjWeight)] + (inProjBias.map { [("in_proj_bias", $0)] } ?? [])
    }

    public override func namedChildren() -> [(String, Module)] { [("out_proj", outProj)] }

    /// Attends from `query` to `key`/`value`.
    ///
    /// - Parameters:
    ///   - query: [L, B, E] ([B, L, E] with `batchFirst`, or [L, E] unbatched).
    ///   - key: [S, B, E] (likewise).
    ///   - value: [S, B, E] (likewise).
    ///   - keyPaddingMask: [B, S] ([S] unbatched). Boolean: **true marks a key to ignore** (padding);
    ///     floating-point: added to the scores.
    ///   - needWeights: whether to return the attention weights.
    ///   - attnMask: [L, S] or [B·H, L, S]. Boolean: **true marks a disallowed position**;
    ///     floating-point: added to the scores.
    ///   - averageAttnWeights: return the weights averaged over heads ([B, L, S]) rather than per head
    ///     ([B, H, L, S]).
    ///   - isCausal: with no `attnMask`, applies a causal mask; with one, `attnMask` is used as given
    ///     (PyTorch treats the flag as a hint that `attnMask` is causal).
    ///   - cache: keys and values kept between calls for incremental decoding (see `KeyValueCache`). A
    ///     `.growing` cache appends the projections of `key`/`value` (the new chunk) and the chunk's queries
    ///     attend to every cached position; `isCausal` (with no `attnMask`) then lets query i of the chunk see
    ///     keys 0...`cachedLength + i`. A `.fixed` cache projects `key`/`value` on its first call only. With a
    ///     cache, S in the masks' shapes is the number of cached positions after the call.
    /// - Returns: the output shaped like `query`, and the weights (nil unless `needWeights`). Weights are
    ///   taken after dropout, as in PyTorch.
    public func callAsFunction(_ query: Tensor, _ key: Tensor, _ value: Tensor, keyPaddingMask: Tensor? = nil,
                               needWeights: Bool = true, attnMask: Tensor? = nil, averageAttnWeights: Bool = true,
                               isCausal: Bool = false, cache: KeyValueCache? = nil) -> (output: Tensor, weights: Tensor?) {
        let unbatched = query.rank == 2
        guard query.rank == 2 || query.rank == 3, key.rank == query.rank, value.rank == query.rank,
              query.shape.last == embedDim, key.shape.last == embedDim, value.shape.last == embedDim else {
            fatalError("MultiheadAttention: query \(query.shape), key \(key.shape) and value \(value.shape) must be "
                       + "\(batchFirst ? "[B, L, \(embedDim)]" : "[L, B, \(embedDim)]") or [L, \(embedDim)]")
        }
        // Everything below works on [B, T, E].
        func batched(_ x: Tensor) -> Tensor { unbatched ? x.unsqueezed(axis: 0) : (batchFirst ? x : x.transposed(0, 1)) }
        let (q, k, v) = (batched(query), batched(key), batched(value))
        let (b, l) = (q.shape[0], q.shape[1])
        guard k.shape[0] == b, v.shape[0] == b, v.shape[1] == k.shape[1] else {
            fatalError("MultiheadAttention: query \(query.shape), key \(key.shape) and value \(value.shape) disagree on batch or source length")
        }
        let e = embedDim
        func project(_ x: Tensor, _ index: Int) -> Tensor {
            let w = inProjWeight.value.slice(axis: 0, start: index * e, end: (index + 1) * e)
            let bias = inProjBias?.value.slice(axis: 0, start: index * e, end: (index + 1) * e)
            // [B, T, E] → [B, H, T, D]
            return linear(x, weight: w, bias: bias).reshaped([b, x.shape[1], numHeads, headDim]).permuted([0, 2, 1, 3])
        }
        let (projectedKeys, projectedValues, cachedLength) = cachedKeysAndValues(cache, key: k, value: v, batch: b, dtype: q.dtype,
                                                                                 isCausal: isCausal && attnMask == nil, project: project)
        let s = projectedKeys.shape[2]
        var mask = mergedMask(attnMask: attnMask, keyPaddingMask: keyPaddingMask.map { unbatched ? $0.unsqueezed(axis: 0) : $0 },
                              batch: b, targetLength: l, sourceLength: s, dtype: q.dtype)
        var causal = isCausal && attnMask == nil
        if causal && cachedLength > 0 {
            // Query i of the chunk sits at position cachedLength + i: it sees keys 0...cachedLength + i.
            let rows = Tensor.arange(Double(cachedLength), Double(cachedLength + l), dtype: .int64).unsqueezed(axis: 1)
            let keep = Tensor.arange(0, Double(s), dtype: .int64).unsqueezed(axis: 0) .<= rows
            let triangle = booleanToAdditive(keep, keepWhere: true, dtype: q.dtype)
            mask = mask.map { $0 + triangle } ?? triangle
            causal = false
        }
        // Without weights to return, the fused kernel runs (unless there is dropout to apply to the weights).
        let (heads, weights): (Tensor, Tensor?) = needWeights
            ? attentionWithWeights(query: project(q, 0), key: projectedKeys, value: projectedValues, mask: mask,
                                   isCausal: causal, dropout: isTraining ? dropout : 0, scale: nil, generator: generator,
                                   file: #fileID, line: #line)
            : (scaledDotProductAttention(query: project(q, 0), key: projectedKeys, value: projectedValues, mask: mask,
                                         isCausal: causal, dropout: isTraining ? dropout : 0, generator: generator), nil)
        var output = outProj(heads.permuted([0, 2, 1, 3]).reshaped([b, l, e]))
        output = unbatched ? output.squeezed(axis: 0) : (batchFirst ? output : output.transposed(0, 1))
        guard let weights else { return (reportOutput(output), nil) }
        var w = averageAttnWeights ? weights.mean(alongAxes: 1) : weights
        if unbatched { w = w.squeezed(axis: 0) }
        return (reportOutput(output), w)
    }

    /// The projected keys and values [B, H, S, D] to attend to, and the number of positions the cache held
    /// before this call (0 without a cache, or with a `.fixed` one).
    private func cachedKeysAndValues(_ cache: KeyValueCache?, key k: Tensor, value v: Tensor, batch b: Int, dtype: DType,
                                     isCausal: Bool, project: (Tensor, Int) -> Tensor) -> (Tensor, Tensor, Int) {
        guard let cache else { return (project(k, 1), project(v, 2), 0) }
        if let keys = cache.keys {
            guard keys.shape[0] == b, keys.shape[1] == numHeads, keys.shape[3] == headDim, keys.dtype == dtype else {
                fatalError("MultiheadAttention: the cache holds keys \(keys.shape) (\(keys.dtype)), which do not fit a batch of \(b) "
                           + "with \(numHeads) heads of size \(headDim) (\(dtype)); reset() it for a new batch")
            }
        }
        switch cache.mode {
        case .growing:
            let before = cache.length
            let (keys, values) = cache.append(keys: project(k, 1), values: project(v, 2))
            return (keys, values, before)
        case .fixed:
            precondition(!isCausal, "MultiheadAttention: isCausal needs a .growing cache (a .fixed cache holds cross-attention keys)")
            if let keys = cache.keys, let values = cache.values { return (keys, values, 0) }
            let (keys, values) = cache.append(keys: project(k, 1), values: project(v, 2))
            return (keys, values, 0)
        }
    }

    /// The attention and key padding masks as one additive mask broadcastable to [B, H, L, S]
    /// (at most [B, H, L, S] when the attention mask is per head, [B, 1, L, S] otherwise).
    private func mergedMask(attnMask: Tensor?, keyPaddingMask: Tensor?, batch b: Int, targetLength l: Int, sourceLength s: Int,
                            dtype: DType) -> Tensor? {
        func additive(_ m: Tensor) -> Tensor {
            m.dtype == .bool ? booleanToAdditive(m, keepWhere: false, dtype: dtype) : (m.dtype == dtype ? m : m.cast(to: dtype))
        }
        var merged: Tensor?
        if let attnMask {
            switch attnMask.shape {
            case [l, s]: merged = additive(attnMask)
            case [b * numHeads, l, s]: merged = additive(attnMask).reshaped([b, numHeads, l, s])
            default:
                fatalError("MultiheadAttention: attnMask \(attnMask.shape) must be [\(l), \(s)] or [\(b * numHeads), \(l), \(s)]")
            }
        }
        if let keyPaddingMask {
            guard keyPaddingMask.shape == [b, s] else {
                fatalError("MultiheadAttention: keyPaddingMask \(keyPaddingMask.shape) must be [\(b), \(s)] (batch, source length)")
            }
            let padding = additive(keyPaddingMask).reshaped([b, 1, 1, s])
            merged = merged.map { $0 + padding } ?? padding
        }
        return merged
    }
}
