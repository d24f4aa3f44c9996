import Nabla
import NablaGraph

/// The fused `attention` primitive written as standard operators: the composite it computes
/// (`attentionWeights` then a matmul), with the same treatment of rows that see no key (zero weights).
extension ONNXGraphBuilder {
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
        let weights = node("Div", [exponentials, safeTotal], base: base + "_weights")
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
