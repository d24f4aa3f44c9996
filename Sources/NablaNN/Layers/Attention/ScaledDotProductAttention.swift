import Nabla

/// Scaled dot-product attention (PyTorch's `F.scaled_dot_product_attention`), a composite:
/// `softmax(query · keyᵀ · scale + mask) · value`.
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
/// in PyTorch's math backend. Only the scores [..., L, S] and the softmax over them are materialised;
/// the mask and the causal triangle stay at their own (broadcast) shapes.
///
/// ```swift
/// let q = Tensor.randn([2, 8, 16, 64]), k = Tensor.randn([2, 8, 16, 64]), v = Tensor.randn([2, 8, 16, 64])
/// let y = scaledDotProductAttention(query: q, key: k, value: v, isCausal: true)   // [2, 8, 16, 64]
/// ```
public func scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, mask: Tensor? = nil, isCausal: Bool = false,
                                      dropout: Double = 0, scale: Double? = nil, generator: Generator? = nil,
                                      file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    attentionWithWeights(query: query, key: key, value: value, mask: mask, isCausal: isCausal, dropout: dropout,
                         scale: scale, generator: generator, file: file, line: line).output
}

/// Scaled dot-product attention that also returns the attention weights [..., L, S] (after dropout,
/// as `nn.MultiheadAttention` returns them); see `scaledDotProductAttention(query:key:value:mask:isCausal:dropout:scale:generator:)`.
public func scaledDotProductAttentionWithWeights(query: Tensor, key: Tensor, value: Tensor, mask: Tensor? = nil,
                                                 isCausal: Bool = false, dropout: Double = 0, scale: Double? = nil,
                                                 generator: Generator? = nil,
                                                 file: StaticString = #fileID, line: UInt = #line) -> (output: Tensor, weights: Tensor) {
    attentionWithWeights(query: query, key: key, value: value, mask: mask, isCausal: isCausal, dropout: dropout,
                         scale: scale, generator: generator, file: file, line: line)
}

func attentionWithWeights(query: Tensor, key: Tensor, value: Tensor, mask: Tensor?, isCausal: Bool, dropout p: Double,
                          scale: Double?, generator: Generator?, file: StaticString, line: UInt) -> (output: Tensor, weights: Tensor) {
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
    let (l, s, e) = (query.shape[query.rank - 2], key.shape[key.rank - 2], query.shape[query.rank - 1])
    if let mask {
        let trailing = Array(mask.shape.suffix(2))
        let fits = mask.rank == 0 || zip(trailing.reversed(), [s, l]).allSatisfy { $0 == 1 || $0 == $1 }
        guard fits else {
            fatalError("scaledDotProductAttention: mask \(mask.shape) does not broadcast to the scores [..., \(l), \(s)]",
                       file: file, line: line)
        }
    }
    let factor = scale ?? 1 / Double(e).squareRoot()
    // Scaling the query ([..., L, E]) is cheaper than scaling the scores ([..., L, S]) when E < S.
    var scores = matmul(query * factor, key.transposed(), file: file, line: line)
    if let additive = additiveMask(mask, causal: isCausal ? (l, s) : nil, dtype: query.dtype) {
        scores = scores + additive
    }
    let weights = dropout(safeSoftmax(scores), p: p, training: p > 0, generator: generator)
    return (matmul(weights, value, file: file, line: line), weights)
}

/// The mask as a tensor added to the scores (0 where allowed, -∞ where not), at the mask's own
/// broadcast shape; nil when there is nothing to add.
func additiveMask(_ mask: Tensor?, causal: (Int, Int)?, dtype: DType) -> Tensor? {
    var keep: Tensor? = mask.flatMap { $0.dtype == .bool ? $0 : nil }
    if let (l, s) = causal {
        let triangle = Tensor.arange(0, Double(l), dtype: .int64).unsqueezed(axis: 1) .>= Tensor.arange(0, Double(s), dtype: .int64).unsqueezed(axis: 0)
        keep = keep.map { $0 .&& triangle } ?? triangle
    }
    var additive = keep.map { booleanToAdditive($0, keepWhere: true, dtype: dtype) }
    if let mask, mask.dtype != .bool {
        let floatMask = mask.dtype == dtype ? mask : mask.cast(to: dtype)
        additive = additive.map { $0 + floatMask } ?? floatMask
    }
    return additive
}

/// A boolean mask as 0/-∞ values: -∞ where the mask differs from `keepWhere`.
func booleanToAdditive(_ mask: Tensor, keepWhere: Bool, dtype: DType) -> Tensor {
    let zero = Tensor.zeros([], dtype: dtype), minusInfinity = Tensor.full([], value: -.infinity, dtype: dtype)
    return keepWhere ? Tensor.where(mask, zero, minusInfinity) : Tensor.where(mask, minusInfinity, zero)
}
