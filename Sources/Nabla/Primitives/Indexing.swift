/// Indexing primitives: gather, scatter/scatterAdd and sort. Composites (indexSelect, embedding,
/// maskedFill, oneHot, topk) are in `Ops/Tensor+Indexing.swift`.

/// Checks that `index` is an integer tensor shaped like `x` outside `axis` (at most as large).
private func validateIndex(_ op: String, _ x: Tensor, _ index: Tensor, axis: Int, file: StaticString, line: UInt) {
    guard index.dtype.isInteger else { shapeFailure("\(op): index must be an integer tensor, got \(index.dtype)", file: file, line: line) }
    guard index.rank == x.rank else {
        shapeFailure("\(op): index of shape \(index.shape) must have the rank of the input \(x.shape)", file: file, line: line)
    }
    // The kernels address x at index's coordinates outside `axis`: a larger index would read or write out of bounds.
    for d in 0..<x.rank where d != axis && index.shape[d] > x.shape[d] {
        shapeFailure("\(op): index of shape \(index.shape) is larger than the input \(x.shape) along axis \(d)", file: file, line: line)
    }
}

extension Tensor {
    /// `out[i][j] = self[i][index[i][j]]` along `axis` (PyTorch's `gather`).
    public func gather(axis: Int, index: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let a = normalizeAxis(axis, rank: rank, op: "gather", file: file, line: line)
        validateIndex("gather", self, index, axis: a, file: file, line: line)
        let idx = index.cast(to: .int64)
        let out = device.backend.gather(self, axis: a, index: idx)
        return shouldRecord(self) ? record(.gather(axis: a), inputs: [self, idx], output: out) : out
    }

    /// A copy of `self` with `source` written at `index` along `axis` (PyTorch's `scatter`).
    public func scattering(axis: Int, index: Tensor, source: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        scatter(axis: axis, index: index, source: source, accumulate: false, file: file, line: line)
    }

    /// A copy of `self` with `source` added at `index` along `axis` (PyTorch's `scatter_add`).
    public func scatteringAdd(axis: Int, index: Tensor, source: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        scatter(axis: axis, index: index, source: source, accumulate: true, file: file, line: line)
    }

    private func scatter(axis: Int, index: Tensor, source: Tensor, accumulate: Bool, file: StaticString, line: UInt) -> Tensor {
        let a = normalizeAxis(axis, rank: rank, op: "scatter", file: file, line: line)
        validateIndex("scatter", self, index, axis: a, file: file, line: line)
        guard source.rank == index.rank, (0..<index.rank).allSatisfy({ index.shape[$0] <= source.shape[$0] }) else {
            shapeFailure("scatter: index of shape \(index.shape) is larger than the source \(source.shape)", file: file, line: line)
        }
        let idx = index.cast(to: .int64)
        let src = source.dtype == dtype ? source : source.cast(to: dtype)
        let out = device.backend.scatter(self, axis: a, index: idx, source: src, accumulate: accumulate)
        return shouldRecord(self, src) ? record(.scatter(axis: a, accumulate: accumulate), inputs: [self, idx, src], output: out) : out
    }

    /// Values sorted along `axis` and the int64 indices they came from (stable).
    public func sorted(axis: Int = -1, descending: Bool = false) -> (values: Tensor, indices: Tensor) {
        let a = normalizeAxis(axis, rank: rank, op: "sort")
        let (values, indices) = device.backend.sort(self, axis: a, descending: descending)
        guard shouldRecord(self) else { return (values, indices) }
        let outs = record(.sort(axis: a, descending: descending), inputs: [self], outputs: [values, indices])
        return (outs[0], outs[1])
    }
}

/// VJPs of the indexing family.
func indexingVJP(_ node: Node, _ grads: [Tensor?]) -> [Tensor?] {
    let x = node.inputs[0]
    switch node.primitive {
    case let .gather(axis):
        let index = node.inputs[1]
        return [Tensor.zeros(like: x).scatteringAdd(axis: axis, index: index, source: grads[0]!), nil]
    case let .scatter(axis, accumulate):
        let g = grads[0]!, index = node.inputs[1], source = node.inputs[2]
        let gx = accumulate ? g : g.scattering(axis: axis, index: index, source: Tensor.zeros(like: source))
        return [gx, nil, g.gather(axis: axis, index: index)]
    case let .sort(axis, _):
        guard let g = grads[0] else { return [nil] }
        let indices = node.outputs[1]
        return [Tensor.zeros(like: x).scatteringAdd(axis: axis, index: indices, source: g)]
    default:
        fatalError("indexingVJP: not an indexing primitive: \(node.primitive)")
    }
}
