import Nabla
import NablaGraph

/// The fused `attention`, `softmax` and `layerNorm` primitives written as standard operators: the
/// composites they compute, with the same treatment of rows that see nothing (zero weights).
extension ONNXGraphBuilder {
    /// The names `emitSafeSoftmax` writes: the shift (row maximum, 0 where not finite), Σ exp, whether
    /// that sum is 0, and the weights.
    struct SafeSoftmaxValues {
        let shift: String, total: String, empty: String, weights: String
    }

    /// `safeSoftmax` over the last axis of `scores` (rank `rank`): rows of -∞ give zeros, not NaN.
    mutating func emitSafeSoftmax(_ scores: String, rank: Int, dtype: DType, base: String, into output: String? = nil) -> SafeSoftmaxValues {
        // The row maximum, or 0 where it is not finite (a row of -∞), as `safeSoftmax` shifts.
        let rowMax = fresh(base + "_max")
        emitReduce(.max, scores, axes: [rank - 1], keepDims: true, rowMax)
        let notFinite = node("Or", [node("IsInf", [rowMax], base: base + "_inf"), node("IsNaN", [rowMax], base: base + "_nan")], base: base + "_nonfinite")
        let zero = scalar(0, dtype: dtype, base: base + "_zero")
        let shift = node("Where", [notFinite, zero, rowMax], base: base + "_shift")
        let exponentials = node("Exp", [node("Sub", [scores, shift], base: base + "_shifted")], base: base + "_exp")
        let total = fresh(base + "_sum")
        emitReduce(.sum, exponentials, axes: [rank - 1], keepDims: true, total)
        let empty = node("Equal", [total, zero], base: base + "_empty")
        let safeTotal = node("Where", [empty, scalar(1, dtype: dtype, base: base + "_one"), total], base: base + "_total")
        let weights = output ?? fresh(base + "_weights")
        node("Div", [exponentials, safeTotal], outputs: [weights])
        return SafeSoftmaxValues(shift: shift, total: total, empty: empty, weights: weights)
    }

    /// `layerNorm` over the last axis from [x, weight, bias]: LayerNormalization from opset 17, its
    /// ops (mean, centred square mean, rsqrt, scale, shift) before.
    mutating func emitLayerNorm(_ x: [String], _ t: [ValueType], _ out: String, eps: Double) {
        let dtype = t[0].dtype, rank = t[0].shape.count
        guard opset < 17 else {
            node("LayerNormalization", x, outputs: [out], [.int("axis", -1), .float("epsilon", Float(eps))])
            return
        }
        let width = scalar(Double(t[0].shape[rank - 1]), dtype: dtype, base: out + "_width")
        func mean(_ value: String) -> String {
            let total = fresh(out + "_sum")
            emitReduce(.sum, value, axes: [rank - 1], keepDims: true, total)
            return node("Div", [total, width], base: out + "_mean")
        }
        let centered = node("Sub", [x[0], mean(x[0])], base: out + "_centered")
        let variance = mean(node("Mul", [centered, centered], base: out + "_square"))
        let deviation = node("Sqrt", [node("Add", [variance, scalar(eps, dtype: dtype, base: out + "_eps")], base: out + "_var")], base: out + "_std")
        let normalized = node("Div", [centered, deviation], base: out + "_normalized")
        node("Add", [node("Mul", [normalized, x[1]], base: out + "_scaled"), x[2]], outputs: [out])
    }

    /// Emits `softmax(q·kᵀ·scale + causal triangle + mask)·v` into `y[0]` and log Σ exp of each query
    /// row's scores into `y[1]` (+∞ for a row that sees no key), from `x` = [q, k, v] or [q, k, v, mask]
    /// at one batch shape.
    mutating func emitAttention(_ x: [String], _ t: [ValueType], _ y: [String], _ u: [ValueType], scale: Double, causal: Bool) {
        let dtype = u[0].dtype, rank = t[0].shape.count, base = y[0]
        let (l, s) = (t[0].shape[rank - 2], t[1].shape[rank - 2])
        var transpose = Array(0..<rank)
        transpose.swapAt(rank - 2, rank - 1)
        let scaled = node("Mul", [x[0], scalar(scale, dtype: dtype, base: base + "_scale")], base: base + "_q")
        var scores = node("MatMul", [scaled, node("Transpose", [x[1]], base: base + "_kt", [.ints("perm", transpose)])], base: base + "_scores")
        if causal {
            let rows = Tensor.arange(0, Double(l), dtype: .int64).unsqueezed(axis: 1), columns = Tensor.arange(0, Double(s), dtype: .int64)
            let triangle = fresh(base + "_causal")
            initializer(booleanToAdditive(rows .>= columns.unsqueezed(axis: 0), keepWhere: true, dtype: dtype), name: triangle)
            scores = node("Add", [scores, triangle], base: base + "_scores")
        }
        if x.count > 3 { scores = node("Add", [scores, x[3]], base: base + "_scores") }
        let softmax = emitSafeSoftmax(scores, rank: rank, dtype: dtype, base: base)
        let (shift, total, empty, weights) = (softmax.shift, softmax.total, softmax.empty, softmax.weights)
        node("MatMul", [weights, x[2]], outputs: [y[0]])
        let logSumExp = node("Where", [empty, scalar(.infinity, dtype: dtype, base: base + "_infinity"),
                                       node("Add", [node("Log", [total], base: base + "_log"), shift], base: base + "_lse")],
                             base: base + "_lse")
        if opset >= 13 {
            node("Squeeze", [logSumExp, int64s([Int64(rank - 1)], base: base + "_axis")], outputs: [y[1]])
        } else {
            node("Squeeze", [logSumExp], outputs: [y[1]], [.ints("axes", [rank - 1])])
        }
    }
}
