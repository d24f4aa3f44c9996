import Nabla

/// A lookup table of `numEmbeddings` vectors of size `embeddingDim` (PyTorch's `nn.Embedding`).
///
/// `weight` is [numEmbeddings, embeddingDim], drawn from N(0, 1). With `paddingIdx`, that row starts
/// as zeros and receives no gradient, so it stays a fixed "padding" vector during training.
///
/// ```swift
/// let embed = Embedding(10_000, 128, paddingIdx: 0)
/// let vectors = embed(Tensor(shape: [2, 3], scalars: [5, 9, 0, 1, 2, 0]))   // [2, 3, 128]
/// ```
public final class Embedding: Module, Layer {
    /// The size of the vocabulary.
    public let numEmbeddings: Int
    /// The size of each vector.
    public let embeddingDim: Int
    /// The row that stays fixed (normalised to 0..<numEmbeddings), if any.
    public let paddingIdx: Int?
    /// The table, [numEmbeddings, embeddingDim].
    public var weight: Parameter

    /// A table of `numEmbeddings` vectors of size `embeddingDim`; `paddingIdx` may be negative
    /// (counting from the end).
    public init(_ numEmbeddings: Int, _ embeddingDim: Int, paddingIdx: Int? = nil) {
        self.numEmbeddings = numEmbeddings
        self.embeddingDim = embeddingDim
        self.paddingIdx = Embedding.normalizedPadding(paddingIdx, numEmbeddings)
        weight = Parameter(Tensor.zeros([numEmbeddings, embeddingDim]))
        super.init()
        resetParameters()
    }

    /// A table holding `embeddings` [numEmbeddings, embeddingDim] (PyTorch's `from_pretrained`),
    /// frozen unless `freeze` is false.
    public init(pretrained embeddings: Tensor, freeze: Bool = true, paddingIdx: Int? = nil) {
        precondition(embeddings.rank == 2, "Embedding: pretrained embeddings must be 2-d, got shape \(embeddings.shape)")
        (numEmbeddings, embeddingDim) = (embeddings.shape[0], embeddings.shape[1])
        self.paddingIdx = Embedding.normalizedPadding(paddingIdx, embeddings.shape[0])
        weight = Parameter(embeddings.contiguous(), requiresGrad: !freeze)
        super.init()
    }

    /// Draws the table from N(0, 1) and zeroes the padding row.
    public func resetParameters() {
        Init.normal(weight)
        if let paddingIdx {
            withNoGrad {
                let row = (Tensor.arange(0, Double(numEmbeddings)) .!= Tensor(Int64(paddingIdx))).unsqueezed(axis: 1)
                weight.update(Tensor.where(row, weight.value.detached(), Tensor.zeros([], dtype: weight.value.dtype)))
            }
        }
    }

    /// The vectors of the integer `input` indices (any shape): [input.shape..., embeddingDim].
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.dtype.isInteger, "Embedding: indices must be an integer tensor, got \(input.dtype)")
        var y = embedding(input, weight: weight.value)
        if let paddingIdx, weight.value.requiresGrad, GradMode.isEnabled {
            // Same values; the gradient of positions holding the padding index flows into a detached
            // copy, so the padding row receives none.
            let isPadding = (input.cast(to: .int64) .== Tensor(Int64(paddingIdx))).unsqueezed(axis: -1)
            y = Tensor.where(isPadding, y.detached(), y)
        }
        return reportOutput(y)
    }

    private static func normalizedPadding(_ index: Int?, _ count: Int) -> Int? {
        guard let index else { return nil }
        precondition(index >= -count && index < count, "Embedding: paddingIdx \(index) must be within the \(count) embeddings")
        return index < 0 ? index + count : index
    }
}
