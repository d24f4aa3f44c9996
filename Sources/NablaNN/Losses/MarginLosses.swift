import Nabla

// Losses on pairs of inputs and a ±1 label: cosineEmbeddingLoss and marginRankingLoss (PyTorch's
// F.cosine_embedding_loss and F.margin_ranking_loss).

/// Cosine embedding loss (PyTorch's `F.cosine_embedding_loss`): with `cos` the cosine similarity of
/// `x1` and `x2` along axis 1 (`[N, D]` inputs, `[N]` labels) or axis 0 (one `[D]` pair, a `[]` label),
/// the loss is `1 - cos` where `y == 1` and `max(0, cos - margin)` where `y == -1` (0 for other labels).
///
/// As in PyTorch, the squared norms get 1e-12 added before the square root, so zero vectors give a
/// finite loss.
///
/// ```swift
/// let a = Tensor.randn([8, 16]).requiringGrad(), b = Tensor.randn([8, 16])
/// let same = Tensor([1, -1, 1, 1, -1, -1, 1, -1] as [Float])
/// let loss = cosineEmbeddingLoss(a, b, same, margin: 0.2)
/// ```
public func cosineEmbeddingLoss(_ x1: Tensor, _ x2: Tensor, _ y: Tensor, margin: Double = 0, reduction: Reduction = .mean,
                                file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard x1.shape == x2.shape, x1.rank == 1 || x1.rank == 2, y.shape == (x1.rank == 2 ? [x1.shape[0]] : []) else {
        lossFailure("cosineEmbeddingLoss: expected x1, x2 of equal shape [N, D] (or [D]) and y of shape [N] (or []), got \(x1.shape), \(x2.shape) and \(y.shape)", file: file, line: line)
    }
    let axis = x1.rank - 1
    let dtype = DType.promote(x1.dtype, x2.dtype)
    let epsilon = 1e-12
    let dotProduct = (x1 * x2).sum(alongAxes: axis)
    let squaredNorms = ((x1 * x1).sum(alongAxes: axis) + epsilon) * ((x2 * x2).sum(alongAxes: axis) + epsilon)
    let cosine = dotProduct / squaredNorms.sqrt()
    let zero = lossScalar(0, dtype)
    let label = y.cast(to: y.dtype.isFloatingPoint ? y.dtype : .int64)
    let negative = Tensor.where(label .== lossScalar(-1, label.dtype), relu(cosine - margin), zero)
    return reduction.apply(Tensor.where(label .== lossScalar(1, label.dtype), 1 - cosine, negative))
}

/// Margin ranking loss (PyTorch's `F.margin_ranking_loss`): `max(0, -y · (x1 - x2) + margin)`, where
/// `y = 1` means `x1` should rank higher than `x2` and `y = -1` the reverse. The three inputs broadcast.
///
/// ```swift
/// let scoresA = Tensor.randn([6]).requiringGrad(), scoresB = Tensor.randn([6])
/// let order = Tensor([1, 1, -1, 1, -1, -1] as [Float])
/// let loss = marginRankingLoss(scoresA, scoresB, order, margin: 0.5)
/// ```
public func marginRankingLoss(_ x1: Tensor, _ x2: Tensor, _ y: Tensor, margin: Double = 0, reduction: Reduction = .mean,
                              file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    checkLossOperands("marginRankingLoss", x1, "x1", x2, "x2", file: file, line: line)
    let difference = x1 - x2
    checkLossOperands("marginRankingLoss", difference, "x1 - x2", y, "y", file: file, line: line)
    return reduction.apply(relu(margin - y * difference))
}
