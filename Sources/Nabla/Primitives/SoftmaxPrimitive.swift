/// Softmax over the last axis as one primitive, for attention: one pass per row forward (max, exp,
/// sum, scale) and one backward (y ⊙ (g - Σ g ⊙ y)), instead of about nine ops each way. Rows that are
/// -∞ throughout (every key masked) give zeros rather than NaN, like PyTorch's `_safe_softmax`.
/// Float32 on the CPU runs the row kernels, in eager code and in traces (which record `softmax` and,
/// for the backward row kernel, `softmaxBackward`); other dtypes and second-order gradients use the
/// composite `safeSoftmaxComposite`, which computes the same values.

/// Softmax over the last axis of `x`, with all -∞ rows giving zeros (through the `softmax` primitive).
///
/// ```swift
/// let weights = safeSoftmax(scores)    // rows sum to 1; a fully masked row is 0
/// ```
public func safeSoftmax(_ x: Tensor) -> Tensor {
    guard x.rank >= 1, x.dtype == .float32, x.device == .cpu else { return safeSoftmaxComposite(x) }
    let dense = x.isContiguous ? x : withNoGrad { x.contiguous() }
    let y = CPUBackend.shared.softmaxRows(dense, rowLength: x.shape[x.rank - 1])
    return shouldRecord(x) ? record(.softmax, inputs: [x], output: y) : y
}

/// The same softmax as separate ops: the reference, and the path of traces and other dtypes.
func safeSoftmaxComposite(_ x: Tensor) -> Tensor {
    let m = withNoGrad { () -> Tensor in
        let rowMax = x.max(alongAxes: -1, keepingDims: true)
        return Tensor.where(rowMax.isFinite(), rowMax, Tensor.zeros([], dtype: rowMax.dtype))
    }
    let e = (x - m).exp()
    let total = e.sum(alongAxes: -1, keepingDims: true)
    let safeTotal = Tensor.where(total .== 0, Tensor.ones([], dtype: total.dtype), total)
    return e / safeTotal
}

/// VJP of `.softmax`: y ⊙ (g - Σ g ⊙ y) over the last axis.
func softmaxVJP(_ node: Node, _ g: Tensor) -> [Tensor?] {
    let y = node.outputs[0]
    if !GradMode.isEnabled, g.dtype == .float32, g.shape == y.shape, y.device == .cpu {
        return softmaxBackwardPrimitive([y, g])
    }
    return [y * (g - (g * y).sum(alongAxes: -1, keepingDims: true))]
}

/// The `softmaxBackward` primitive: y ⊙ (g - Σ g ⊙ y) from [y, g] (float32 on the CPU) through the row
/// kernel. Recorded for traces only (no gradient of its own: second order takes `softmaxVJP`'s ops).
func softmaxBackwardPrimitive(_ inputs: [Tensor]) -> [Tensor] {
    let y = CPUBackend.shared.dense(inputs[0]), g = CPUBackend.shared.dense(inputs[1])
    let dx = withNoGrad { CPUBackend.shared.softmaxBackwardRows(output: y, gradient: g, rowLength: y.shape[y.rank - 1]) }
    return Tracing.isActive ? record(.softmaxBackward, inputs: inputs, outputs: [dx]) : [dx]
}
