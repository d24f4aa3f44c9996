import Nabla

/// Scaled dot-product attention (PyTorch's `F.scaled_dot_product_attention`):
/// `softmax(query · keyᵀ · scale + mask) · value`, through the fused `attention` primitive
/// (`fusedAttention`) when there is no dropout, through the materialised weights otherwise.
///
/// - Parameters:
///   - query: [..., L, E].
///   - key: [..., S, E] (leading axes broadcast with the query's).
///   - value: [..., S, Ev].
///   - mask: broadcastable to [..., L, S]. A boolean mask keeps the positions where it is **true**
///     (false positions get -∞ before the softmax); a floating-point mask is added to the scores.
///     Keep it small ([L, S], [B, 1, 1, S], …): it is broadcast, never expanded to the scores' shape.
///   - isCausal: masks the upper triangle: query i attends to keys 0...i (top-left aligned, as in
///     PyTorch). It combines with `mask` (PyTorch refuses both at once).
///   - dropout: the probability of dropping an attention weight. The function always applies it when
///     positive, like PyTorch's; layers pass `isTraining ? p : 0`.
///   - scale: the factor applied to the scores; 1/√E when nil.
///   - generator: the source of dropout masks (`Generator.default` when nil).
/// - Returns: [..., L, Ev].
///
/// A query row whose keys are all masked gets zero weights (and a zero output) rather than NaN, as
/// in PyTorch's math backend. Without dropout the scores [..., L, S] are never materialised (one
/// tile per thread at a time); with dropout they are, as the dropped weights need them. The mask and
/// the causal triangle stay at their own (broadcast) shapes.
///
/// ```swift
/// let q = Tensor.randn([2, 8, 16, 64]), k = Tensor.randn([2, 8, 16, 64]), v = Tensor.randn([2, 8, 16, 64])
/// let y = scaledDotProductAttention(query: q, key: k, value: v, isCausal: true)   // [2, 8, 16, 64]
/// ```
public func scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, mask: Tensor? = nil, isCausal: Bool = false,
                                      dropout: Double = 0, scale: Double? = nil, generator: Generator? = nil,
                                      file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard dropout == 0 else {
        return attentionWithWeights(query: query, key: key, value: value, mask: mask, isCausal: isCausal, dropout: dropout,
                                    scale: scale, generator: generator, file: file, line: line).output
    }
    checkAttentionArguments(query: query, key: key, value: value, mask: mask, dropout: dropout, file: file, line: line)
    return fusedAttention(query: query, key: key, value: value, additiveMask: additiveMask(mask, dtype: query.dtype), isCausal: isCausal,
                          scale: scale, file: file, line: line)
}

/// Scaled dot-product attention that also returns the attention weights [..., L, S] (after dropout,
/// as `nn.MultiheadAttention` returns them); see `scaledDotProductAttention(query:key:value:mask:isCausal:dropout:scale:generator:)`.
/// The weights are materialised (`attentionWeights`), so this is the composite, not the fused kernel.
public func scaledDotProductAttentionWithWeights(query: Tensor, key: Tensor, value: Tensor, mask: Tensor? = nil,
                                                 isCausal: Bool = false, dropout: Double = 0, scale: Double? = nil,
                                                 generator: Generator? = nil,
                                                 file: StaticString = #fileID, line: UInt = #line) -> (output: Tensor, weights: Tensor) {
    attentionWithWeights(query: query, key: key, value: value, mask: mask, isCausal: isCausal, dropout: dropout,
                         scale: scale, generator: generator, file: file, line: line)
}

/// Attention through the materialised weights: `dropout(attentionWeights(...)) · value`.
func attentionWithWeights(query: Tensor, key: Tensor, value: Tensor, mask: Tensor?, isCausal: Bool, dropout p: Double,
                          scale: Double?, generator: Generator?, file: StaticString, line: UInt) -> (output: Tensor, weights: Tensor) {
    checkAttentionArguments(query: query, key: key, value: value, mask: mask, dropout: p, file: file, line: line)
    let scores = attentionWeights(query: query, key: key, additiveMask: additiveMask(mask, dtype: query.dtype), isCausal: isCausal, scale: scale)
    let weights = dropout(scores, p: p, training: p > 0, generator: generator)
    return (matmul(weights, value, file: file, line: line), weights)
}

/// Traps with a message naming the caller's line when the operands, the mask or the dropout probability do not fit.
private func checkAttentionArguments(query: Tensor, key: Tensor, value: Tensor, mask: Tensor?, dropout p: Double,
                                     file: StaticString, line: UInt) {
    guard query.rank >= 2, key.rank >= 2, value.rank >= 2, query.shape[query.rank - 1] == key.shape[key.rank - 1],
          key.shape[key.rank - 2] == value.shape[value.rank - 2] else {
        fatalError("scaledDotProductAttention: query \(query.shape), key \(key.shape) and value \(value.shape) do not fit "
                   + "(expected [..., L, E], [..., S, E], [..., S, Ev])", file: file, line: line)
    }
    guard query.dtype.isFloatingPoint, key.dtype == query.dtype, value.dtype == query.dtype else {
        fatalError("scaledDotProductAttention: query, key and value must share one floating-point dtype, got "
                   + "\(query.dtype), \(key.dtype) and \(value.dtype)", file: file, line: line)
    }
    precondition(p >= 0 && p <= 1, "scaledDotProductAttention: dropout probability has to be between 0 and 1, but got \(p)",
                 file: file, line: line)
    let (l, s) = (query.shape[query.rank - 2], key.shape[key.rank - 2])
    if let mask {
        let trailing = Array(mask.shape.suffix(2))
        let fits = mask.rank == 0 || zip(trailing.reversed(), [s, l]).allSatisfy { $0 == 1 || $0 == $1 }
        guard fits else {
            fatalError("scaledDotProductAttention: mask \(mask.shape) does not broadcast to the scores [..., \(l), \(s)]",
                       file: file, line: line)
        }
    }
}

/// The mask as a tensor added to the scores (0 where allowed, -∞ where not) at its own broadcast
/// shape: a boolean mask keeps where it is true, a floating-point one is cast to `dtype`.
func additiveMask(_ mask: Tensor?, dtype: DType) -> Tensor? {
    guard let mask else { return nil }
    if mask.dtype == .bool { return booleanToAdditive(mask, keepWhere: true, dtype: dtype) }
    return mask.dtype == dtype ? mask : mask.cast(to: dtype)
}
