/// Reductions, as methods with English argument labels: `x.sum(alongAxes: 1, keepingDims: true)`.
extension Tensor {
    /// Sum over `axes` (all when empty).
    public func sum(alongAxes axes: Int..., keepingDims: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        sum(alongAxes: axes.isEmpty ? nil : axes, keepingDims: keepingDims, file: file, line: line)
    }
    /// Sum over `axes` (all when nil).
    public func sum(alongAxes axes: [Int]?, keepingDims: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        applyReduce(.sum, self, axes: normalizeAxes(axes, rank: rank, op: "sum", file: file, line: line), keepDims: keepingDims)
    }
    /// Product over `axes` (all when empty).
    public func prod(alongAxes axes: Int..., keepingDims: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        applyReduce(.prod, self, axes: normalizeAxes(axes.isEmpty ? nil : axes, rank: rank, op: "prod", file: file, line: line), keepDims: keepingDims)
    }
    /// Largest element over `axes` (all when empty), like `torch.amax`.
    public func max(alongAxes axes: Int..., keepingDims: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        max(alongAxes: axes.isEmpty ? nil : axes, keepingDims: keepingDims, file: file, line: line)
    }
    /// Largest element over `axes` (all when nil).
    public func max(alongAxes axes: [Int]?, keepingDims: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        applyReduce(.max, self, axes: normalizeAxes(axes, rank: rank, op: "max", file: file, line: line), keepDims: keepingDims)
    }
    /// Smallest element over `axes` (all when empty), like `torch.amin`.
    public func min(alongAxes axes: Int..., keepingDims: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        applyReduce(.min, self, axes: normalizeAxes(axes.isEmpty ? nil : axes, rank: rank, op: "min", file: file, line: line), keepDims: keepingDims)
    }
    /// Mean over `axes` (all when empty).
    public func mean(alongAxes axes: Int..., keepingDims: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        mean(alongAxes: axes.isEmpty ? nil : axes, keepingDims: keepingDims, file: file, line: line)
    }
    /// Mean over `axes` (all when nil).
    public func mean(alongAxes axes: [Int]?, keepingDims: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let a = normalizeAxes(axes, rank: rank, op: "mean", file: file, line: line)
        let n = a.map { shape[$0] }.reduce(1, *)
        return (dtype.isFloatingPoint ? self : cast(to: .float32)).sum(alongAxes: a, keepingDims: keepingDims) / Double(n)
    }
    /// Variance over `axes` with Bessel's `correction` (1 = unbiased, PyTorch's default).
    public func variance(alongAxes axes: [Int]? = nil, correction: Int = 1, keepingDims: Bool = false,
                         file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let a = normalizeAxes(axes, rank: rank, op: "var", file: file, line: line)
        let n = a.map { shape[$0] }.reduce(1, *)
        let centered = self - mean(alongAxes: a, keepingDims: true)
        return (centered * centered).sum(alongAxes: a, keepingDims: keepingDims) / Double(Swift.max(n - correction, 0))
    }
    /// Standard deviation over `axes` with Bessel's `correction`.
    public func standardDeviation(alongAxes axes: [Int]? = nil, correction: Int = 1, keepingDims: Bool = false,
                                  file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        variance(alongAxes: axes, correction: correction, keepingDims: keepingDims, file: file, line: line).sqrt()
    }
    /// log(sum(exp(x))) over `axes`, computed stably.
    public func logSumExp(alongAxes axes: [Int], keepingDims: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let a = normalizeAxes(axes, rank: rank, op: "logsumexp", file: file, line: line)
        let m = withNoGrad { self.max(alongAxes: a, keepingDims: true) }
        let safeMax = Tensor.where(m.isFinite(), m, Tensor.zeros(like: m))
        let lse = (self - safeMax).exp().sum(alongAxes: a, keepingDims: true).log() + safeMax
        return keepingDims ? lse : lse.reshaped(reducedShape(shape, axes: a, keepDims: false))
    }
    /// True where every element over `axes` is non-zero (all axes when nil).
    public func all(alongAxes axes: [Int]? = nil, keepingDims: Bool = false) -> Tensor {
        applyReduce(.min, cast(to: .bool), axes: normalizeAxes(axes, rank: rank, op: "all", file: #fileID, line: #line), keepDims: keepingDims)
    }
    /// True where any element over `axes` is non-zero (all axes when nil).
    public func any(alongAxes axes: [Int]? = nil, keepingDims: Bool = false) -> Tensor {
        applyReduce(.max, cast(to: .bool), axes: normalizeAxes(axes, rank: rank, op: "any", file: #fileID, line: #line), keepDims: keepingDims)
    }
    /// Index of the largest element along `axis` (over the flattened tensor when nil).
    public func argmax(axis: Int? = nil, keepingDims: Bool = false) -> Tensor { argReduce(.argmax, axis: axis, keepingDims: keepingDims) }
    /// Index of the smallest element along `axis` (over the flattened tensor when nil).
    public func argmin(axis: Int? = nil, keepingDims: Bool = false) -> Tensor { argReduce(.argmin, axis: axis, keepingDims: keepingDims) }

    private func argReduce(_ op: ArgReduceOp, axis: Int?, keepingDims: Bool) -> Tensor {
        guard let axis else { return reshaped([-1]).argReduce(op, axis: 0, keepingDims: false) }
        let a = normalizeAxis(axis, rank: rank, op: "argmax")
        return traced(.argReduce(op, axis: a, keepDims: keepingDims), inputs: [self],
                      output: device.backend.argReduce(op, self, axis: a, keepDims: keepingDims))
    }

    /// Inclusive prefix sums along `axis`.
    public func cumsum(axis: Int) -> Tensor {
        let a = normalizeAxis(axis, rank: rank, op: "cumsum")
        let out = device.backend.cumsum(self, axis: a, resultType: dtype.isFloatingPoint ? dtype : .int64)
        return shouldRecord(self) ? record(.cumsum(axis: a), inputs: [self], output: out) : out
    }

    /// Sums over broadcast axes so the result has `target` shape (the adjoint of broadcasting).
    public func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let axes = Broadcast.reducedAxes(from: target, to: shape)
        var y = axes.isEmpty ? self : sum(alongAxes: axes, keepingDims: true)
        if y.shape != target { y = y.reshaped(target) }
        return y
    }
}

/// Softmax along `axis`, computed stably.
public func softmax(_ x: Tensor, axis: Int = -1) -> Tensor {
    let m = withNoGrad { x.max(alongAxes: axis, keepingDims: true) }
    let e = (x - m).exp()
    return e / e.sum(alongAxes: axis, keepingDims: true)
}

/// log(softmax(x)) along `axis`, computed stably.
public func logSoftmax(_ x: Tensor, axis: Int = -1) -> Tensor {
    // (x - m) - log(sum(exp(x - m))): subtracting the max first avoids the cancellation of
    // x - logSumExp(x) when |x| is large (1000 - 1000.4076 loses 4 digits in float32).
    let m = withNoGrad { x.max(alongAxes: axis, keepingDims: true) }
    let shifted = x - Tensor.where(m.isFinite(), m, Tensor.zeros(like: m))
    return shifted - shifted.exp().sum(alongAxes: axis, keepingDims: true).log()
}
