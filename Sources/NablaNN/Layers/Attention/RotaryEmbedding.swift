import Nabla

/// Rotary position embedding (RoPE, Su et al.), in the rotate-half convention of GPT-NeoX and Llama:
/// each query and key head vector x [headDim] at position p becomes
/// `x · cos(p·θ) + rotateHalf(x) · sin(p·θ)`, where `θ_i = base^(-2i/headDim)` for i < headDim/2 is repeated
/// over both halves and `rotateHalf([x1, x2]) = [-x2, x1]`. Attention scores then depend on positions
/// only through their difference.
///
/// Inputs are heads [..., T, headDim] (for example [B, H, T, headDim]); positions are
/// `offset ..< offset + T`, so decoding with a `KeyValueCache` passes `offset: cache.length` and
/// appends the rotated keys. The cos/sin tables are computed in float64, cached (growing as longer
/// positions are asked for) and cast once per dtype. It has no parameters or buffers.
///
/// ```swift
/// let rope = RotaryEmbedding(headDim: 64)
/// let (q, k) = rope(query: Tensor.randn([2, 8, 10, 64]), key: Tensor.randn([2, 8, 10, 64]))
/// let y = scaledDotProductAttention(query: q, key: k, value: v, isCausal: true)
/// ```
public final class RotaryEmbedding: Module {
    /// The size of each head (even).
    public let headDim: Int
    /// The base of the frequencies (10000 in RoFormer, GPT-NeoX and Llama 2).
    public let base: Double
    /// cos and sin of position × frequency, [positions, headDim], float64.
    private var tables: (cos: Tensor, sin: Tensor)
    /// `tables` cast to other dtypes.
    private var castTables: [DType: (cos: Tensor, sin: Tensor)] = [:]

    /// Rotary embeddings for heads of size `headDim`, with tables precomputed for `maxLength` positions
    /// (longer sequences extend them).
    ///
    /// ```swift
    /// let rope = RotaryEmbedding(headDim: 128, base: 500_000, maxLength: 8192)
    /// ```
    public init(headDim: Int, base: Double = 10_000, maxLength: Int = 2048) {
        precondition(headDim > 0 && headDim % 2 == 0, "RotaryEmbedding: headDim must be even and positive, got \(headDim)")
        precondition(base > 0 && maxLength > 0, "RotaryEmbedding: base \(base) and maxLength \(maxLength) must be positive")
        (self.headDim, self.base) = (headDim, base)
        tables = RotaryEmbedding.makeTables(length: maxLength, headDim: headDim, base: base)
        super.init()
    }

    /// The number of positions the cached tables cover.
    public var cachedLength: Int { tables.cos.shape[0] }

    /// cos and sin for positions `offset ..< offset + length`, [length, headDim], in `dtype`.
    ///
    /// ```swift
    /// let (cos, sin) = rope.cosSin(length: 4, offset: 10, dtype: .float32)   // [4, headDim] each
    /// ```
    public func cosSin(length: Int, offset: Int = 0, dtype: DType = .float32) -> (cos: Tensor, sin: Tensor) {
        precondition(length >= 0 && offset >= 0, "RotaryEmbedding: length \(length) and offset \(offset) must be non-negative")
        if offset + length > cachedLength {
            tables = RotaryEmbedding.makeTables(length: Swift.max(offset + length, 2 * cachedLength), headDim: headDim, base: base)
            castTables = [:]
        }
        var full = tables
        if dtype != .float64 {
            if let cached = castTables[dtype] {
                full = cached
            } else {
                full = (tables.cos.cast(to: dtype), tables.sin.cast(to: dtype))
                castTables[dtype] = full
            }
        }
        return (full.cos.slice(axis: 0, start: offset, end: offset + length),
                full.sin.slice(axis: 0, start: offset, end: offset + length))
    }

    /// `x` [..., T, headDim] rotated for positions `offset ..< offset + T`.
    ///
    /// ```swift
    /// let rotated = rope(Tensor.randn([1, 4, 1, 64]), offset: 9)   // one new position, 9
    /// ```
    public func callAsFunction(_ x: Tensor, offset: Int = 0) -> Tensor {
        guard x.rank >= 2, x.shape[x.rank - 1] == headDim, x.dtype.isFloatingPoint else {
            fatalError("RotaryEmbedding: input \(x.shape) (\(x.dtype)) must be floating-point heads [..., T, \(headDim)]")
        }
        let (cos, sin) = cosSin(length: x.shape[x.rank - 2], offset: offset, dtype: x.dtype)
        return reportOutput(applyRotaryEmbedding(x, cos: cos, sin: sin))
    }

    /// `query` and `key` [..., T, headDim] rotated for positions `offset ..< offset + T` (query and key may
    /// differ in their leading axes, as with grouped-query attention, but not in T).
    ///
    /// ```swift
    /// let (q, k) = rope(query: newQueries, key: newKeys, offset: cache.length)
    /// let (keys, values) = cache.append(keys: k, values: newValues)
    /// ```
    public func callAsFunction(query: Tensor, key: Tensor, offset: Int = 0) -> (query: Tensor, key: Tensor) {
        guard query.rank >= 2, key.rank >= 2, query.shape[query.rank - 2] == key.shape[key.rank - 2] else {
            fatalError("RotaryEmbedding: query \(query.shape) and key \(key.shape) must be [..., T, \(headDim)] with the same T")
        }
        return (self(query, offset: offset), self(key, offset: offset))
    }

    private static func makeTables(length: Int, headDim: Int, base: Double) -> (cos: Tensor, sin: Tensor) {
        let half = headDim / 2
        // θ_i = base^(-2i/headDim) = exp(-(2i/headDim)·ln(base)).
        let exponents = Tensor.arange(0, Double(headDim), step: 2, dtype: .float64) * (1 / Double(headDim))
        let theta = (exponents * -Tensor(base).log().item()).exp()
        let angles = Tensor.arange(0, Double(length), dtype: .float64).reshaped([length, 1]) * theta.reshaped([1, half])
        let both = concat([angles, angles], axis: 1)
        return (both.cos().contiguous(), both.sin().contiguous())
    }
}

/// `x · cos + rotateHalf(x) · sin` for x [..., T, D] and cos/sin broadcastable to it ([T, D]), with
/// `rotateHalf([x1, x2]) = [-x2, x1]` over the last axis (the GPT-NeoX/Llama rotary embedding).
///
/// ```swift
/// let (cos, sin) = rope.cosSin(length: 10)
/// let q = applyRotaryEmbedding(query, cos: cos, sin: sin)
/// ```
public func applyRotaryEmbedding(_ x: Tensor, cos: Tensor, sin: Tensor) -> Tensor {
    let d = x.shape.last ?? 0
    guard d % 2 == 0, cos.shape == sin.shape, cos.shape.last == d else {
        fatalError("applyRotaryEmbedding: x \(x.shape), cos \(cos.shape) and sin \(sin.shape) must end in the same even size")
    }
    let x1 = x.slice(axis: -1, start: 0, end: d / 2), x2 = x.slice(axis: -1, start: d / 2)
    return x * cos + concat([-x2, x1], axis: -1) * sin
}
