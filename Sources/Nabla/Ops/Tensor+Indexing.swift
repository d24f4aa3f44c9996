/// Indexing composites over gather/scatter/sort/where.
extension Tensor {
    /// Rows (or slices along `axis`) picked by a 1-d integer `index`, like `torch.index_select`.
    public func indexSelect(axis: Int, index: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        guard index.rank == 1 else { shapeFailure("indexSelect: index must be 1-d, got shape \(index.shape)", file: file, line: line) }
        let a = normalizeAxis(axis, rank: rank, op: "indexSelect", file: file, line: line)
        var viewShape = [Int](repeating: 1, count: rank)
        viewShape[a] = index.count
        var target = shape
        target[a] = index.count
        return gather(axis: a, index: index.reshaped(viewShape).expanded(to: target), file: file, line: line)
    }

    /// `value` where `mask` is true, `self` elsewhere (mask broadcasts).
    public func maskedFill(_ mask: Tensor, value: Double) -> Tensor {
        Tensor.where(mask, Tensor.full([], value: value, dtype: dtype, device: device), self)
    }

    /// The `k` largest (or smallest) values along `axis` and their indices.
    public func topk(_ k: Int, axis: Int = -1, largest: Bool = true, file: StaticString = #fileID, line: UInt = #line) -> (values: Tensor, indices: Tensor) {
        guard k >= 0 && k <= size(axis) else { shapeFailure("topk: k = \(k) is out of range for axis of size \(size(axis))", file: file, line: line) }
        let (values, indices) = sorted(axis: axis, descending: largest)
        return (values.slice(axis: axis, start: 0, end: k), indices.slice(axis: axis, start: 0, end: k))
    }
}

/// One-hot encoding of integer class indices (int64 result with a new last axis of `numClasses`).
public func oneHot(_ indices: Tensor, numClasses: Int) -> Tensor {
    (indices.cast(to: .int64).unsqueezed(axis: -1) .== Tensor.arange(0, Double(numClasses))).cast(to: .int64)
}

/// Looks up rows of `weight` ([vocabulary, dim]) for integer `indices` of any shape; the result has
/// shape `indices.shape + [dim]`. Differentiable with respect to `weight`.
public func embedding(_ indices: Tensor, weight: Tensor) -> Tensor {
    weight.indexSelect(axis: 0, index: indices.reshaped([-1])).reshaped(indices.shape + [weight.shape[1]])
}
