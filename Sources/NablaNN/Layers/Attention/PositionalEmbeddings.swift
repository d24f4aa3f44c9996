import Nabla

/// The sinusoidal position encodings of "Attention is all you need", [length, dModel]:
/// `pe[p, 2i] = sin(p / 10000^(2i/dModel))` and `pe[p, 2i+1] = cos(p / 10000^(2i/dModel))` for positions
/// `p = offset ..< offset + length` (an odd `dModel` ends with a sine column). Computed in float64, then
/// cast to `dtype`.
///
/// ```swift
/// let pe = sinusoidalPositionalEncoding(length: 4, dModel: 6)   // [4, 6]; row 0 is [0, 1, 0, 1, 0, 1]
/// ```
public func sinusoidalPositionalEncoding(length: Int, dModel: Int, offset: Int = 0, dtype: DType = .float32) -> Tensor {
    precondition(length >= 0 && dModel > 0 && offset >= 0,
                 "sinusoidalPositionalEncoding: length \(length), dModel \(dModel) and offset \(offset) must be non-negative (dModel positive)")
    let half = (dModel + 1) / 2
    // 1 / 10000^(2i/d) = exp(-2i·ln(10000)/d), as PyTorch's tutorial computes it.
    let frequencies = (Tensor.arange(0, Double(dModel), step: 2, dtype: .float64) * (-9.210340371976184 / Double(dModel))).exp()
    let positions = Tensor.arange(Double(offset), Double(offset + length), dtype: .float64)
    let angles = positions.reshaped([length, 1]) * frequencies.reshaped([1, half])
    // Interleave: column 2i is sin, column 2i + 1 is cos.
    let table = stack([angles.sin(), angles.cos()], axis: 2).reshaped([length, 2 * half]).slice(axis: 1, start: 0, end: dModel)
    return dtype == .float64 ? table.contiguous() : table.cast(to: dtype).contiguous()
}

/// Adds the fixed sinusoidal position encodings of "Attention is all you need" to its input, then
/// applies dropout (PyTorch tutorial's `PositionalEncoding`).
///
/// The table is a buffer `pe` [maxLength, dModel] (saved in the state dict, never trained); see
/// `sinusoidalPositionalEncoding(length:dModel:offset:dtype:)` for its values. Inputs are [T, B, dModel]
/// (sequence first), [B, T, dModel] with `batchFirst`, or [T, dModel].
///
/// ```swift
/// let positions = SinusoidalPositionalEncoding(dModel: 64, dropout: 0.1, batchFirst: true)
/// let x = positions(tokenEmbeddings)                      // [B, T, 64], positions 0 ..< T
/// let next = positions(newTokenEmbedding, offset: 12)     // [B, 1, 64], position 12
/// ```
public final class SinusoidalPositionalEncoding: Module, Layer {
    /// The width of the encodings.
    public let dModel: Int
    /// The number of positions in the table.
    public let maxLength: Int
    /// Whether inputs are [B, T, dModel] rather than [T, B, dModel].
    public let batchFirst: Bool
    /// The dropout applied after the addition (training mode only).
    public let dropout: Dropout
    /// The encodings, [maxLength, dModel].
    public let pe: Buffer

    /// Encodings for `maxLength` positions of width `dModel`, stored as `dtype`.
    ///
    /// ```swift
    /// let positions = SinusoidalPositionalEncoding(dModel: 512, maxLength: 1024, dropout: 0)
    /// ```
    public init(dModel: Int, maxLength: Int = 5000, dropout: Double = 0.1, batchFirst: Bool = false, dtype: DType = .float32,
                generator: Generator? = nil) {
        precondition(dModel > 0 && maxLength > 0,
                     "SinusoidalPositionalEncoding: dModel \(dModel) and maxLength \(maxLength) must be positive")
        (self.dModel, self.maxLength, self.batchFirst) = (dModel, maxLength, batchFirst)
        self.dropout = Dropout(p: dropout, generator: generator)
        pe = Buffer(sinusoidalPositionalEncoding(length: maxLength, dModel: dModel, dtype: dtype))
        super.init()
    }

    /// `input` plus the encodings of positions 0 ..< T, with dropout in training mode.
    public func callAsFunction(_ input: Tensor) -> Tensor { self(input, offset: 0) }

    /// `input` plus the encodings of positions `offset ..< offset + T` (the offset of the first new token
    /// when decoding with a cache), with dropout in training mode.
    ///
    /// ```swift
    /// let y = positions(step, offset: cache.length)
    /// ```
    public func callAsFunction(_ input: Tensor, offset: Int) -> Tensor {
        let table = positionRows(input, offset: offset, table: pe.value, dModel: dModel, maxLength: maxLength, batchFirst: batchFirst,
                                 layer: "SinusoidalPositionalEncoding")
        return reportOutput(dropout(input + (table.dtype == input.dtype ? table : table.cast(to: input.dtype))))
    }
}

/// Adds a learned position embedding (GPT-2's `wpe`) to its input: a table `weight` [maxLength, dModel]
/// drawn from N(0, 1) like `nn.Embedding`'s, whose row p is added at position p.
///
/// Inputs are [T, B, dModel] (sequence first), [B, T, dModel] with `batchFirst`, or [T, dModel].
///
/// ```swift
/// let wpe = LearnedPositionalEmbedding(maxLength: 1024, dModel: 768, batchFirst: true)
/// let h = wpe(tokenEmbeddings)                  // [B, T, 768]
/// let next = wpe(newToken, offset: cache.length)
/// ```
public final class LearnedPositionalEmbedding: Module, Layer {
    /// The number of positions in the table.
    public let maxLength: Int
    /// The width of the embeddings.
    public let dModel: Int
    /// Whether inputs are [B, T, dModel] rather than [T, B, dModel].
    public let batchFirst: Bool
    /// The table, [maxLength, dModel] (`weight`).
    public var weight: Parameter

    /// A table of `maxLength` learned embeddings of width `dModel`.
    ///
    /// ```swift
    /// let wpe = LearnedPositionalEmbedding(maxLength: 512, dModel: 64, dtype: .float64)
    /// ```
    public init(maxLength: Int, dModel: Int, batchFirst: Bool = false, dtype: DType = .float32) {
        precondition(dModel > 0 && maxLength > 0,
                     "LearnedPositionalEmbedding: dModel \(dModel) and maxLength \(maxLength) must be positive")
        (self.maxLength, self.dModel, self.batchFirst) = (maxLength, dModel, batchFirst)
        weight = Parameter(Tensor.zeros([maxLength, dModel], dtype: dtype))
        super.init()
        resetParameters()
    }

    /// Draws the table from N(0, 1) (`nn.Embedding`'s initialisation).
    ///
    /// ```swift
    /// wpe.resetParameters()
    /// ```
    public func resetParameters() { Init.normal(weight) }

    /// `input` plus the embeddings of positions 0 ..< T.
    public func callAsFunction(_ input: Tensor) -> Tensor { self(input, offset: 0) }

    /// `input` plus the embeddings of positions `offset ..< offset + T`.
    ///
    /// ```swift
    /// let y = wpe(Tensor.randn([3, 2, 64]), offset: 5)   // rows 5, 6, 7 added
    /// ```
    public func callAsFunction(_ input: Tensor, offset: Int) -> Tensor {
        let rows = positionRows(input, offset: offset, table: weight.value, dModel: dModel, maxLength: maxLength,
                                batchFirst: batchFirst, layer: "LearnedPositionalEmbedding")
        return reportOutput(input + rows)
    }
}

/// Rows `offset ..< offset + T` of `table`, shaped to broadcast against `input`.
private func positionRows(_ input: Tensor, offset: Int, table: Tensor, dModel: Int, maxLength: Int, batchFirst: Bool,
                          layer: String) -> Tensor {
    guard (input.rank == 2 || input.rank == 3), input.shape.last == dModel else {
        fatalError("\(layer): input \(input.shape) must be \(batchFirst ? "[B, T, \(dModel)]" : "[T, B, \(dModel)]") or [T, \(dModel)]")
    }
    let length = input.rank == 3 && batchFirst ? input.shape[1] : input.shape[0]
    guard offset >= 0, offset + length <= maxLength else {
        fatalError("\(layer): positions \(offset) ..< \(offset + length) exceed the table's \(maxLength) positions "
                   + "(input \(input.shape), offset \(offset))")
    }
    let rows = table.slice(axis: 0, start: offset, end: offset + length)
    return input.rank == 3 && !batchFirst ? rows.unsqueezed(axis: 1) : rows
}
