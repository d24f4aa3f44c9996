/// Reduction primitives: sum, prod, max, min over axes; argmax/argmin; cumsum.
/// Composites (mean, var, std, logsumexp, softmax, …) are in `Ops/Tensor+Reduction.swift`.

/// Reductions over a set of axes.
public enum ReduceOp: String, Hashable, Sendable {
    case sum, prod, max, min

    /// The result dtype for input `dtype` (integer sums and products widen to int64, as in PyTorch).
    func resultType(_ dtype: DType) -> DType {
        switch self {
        case .sum, .prod: return dtype.isFloatingPoint ? dtype : .int64
        case .max, .min: return dtype
        }
    }
}

/// Index-of-extreme reductions along one axis.
public enum ArgReduceOp: String, Hashable, Sendable {
    case argmax, argmin
}

/// Normalised, sorted, distinct axes (all axes when `axes` is nil).
func normalizeAxes(_ axes: [Int]?, rank: Int, op: StaticString, file: StaticString, line: UInt) -> [Int] {
    guard let axes else { return Array(0..<rank) }
    return Array(Set(axes.map { normalizeAxis($0, rank: rank, op: op, file: file, line: line) })).sorted()
}

/// The shape after reducing `axes`.
func reducedShape(_ shape: [Int], axes: [Int], keepDims: Bool) -> [Int] {
    keepDims ? shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
             : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
}

/// Applies a reduction primitive.
func applyReduce(_ op: ReduceOp, _ x: Tensor, axes: [Int], keepDims: Bool) -> Tensor {
    let out = x.device.backend.reduce(op, x, axes: axes, keepDims: keepDims, resultType: op.resultType(x.dtype))
    return shouldRecord(x) ? record(.reduce(op, axes: axes, keepDims: keepDims), inputs: [x], output: out) : out
}

/// VJPs of the reduction family.
func reductionVJP(_ node: Node, _ grads: [Tensor?]) -> [Tensor?] {
    let g = grads[0]!
    let x = node.inputs[0]
    switch node.primitive {
    case let .reduce(op, axes, keepDims):
        let keptShape = reducedShape(x.shape, axes: axes, keepDims: true)
        let gk = keepDims ? g : g.reshaped(keptShape)
        switch op {
        case .sum:
            return [gk.expanded(to: x.shape)]
        case .prod:
            // d/dx_i = product of the other elements. That is y / x_i where x_i != 0; where x_i == 0 it is
            // the product of the non-zero elements when x_i is the only zero of its slice, else 0
            // (y / x alone would give NaN at zeros).
            let y = keepDims ? node.outputs[0] : node.outputs[0].reshaped(keptShape)
            let isZero = x .== 0.0
            let nonZero = Tensor.where(isZero, Tensor.ones(like: x), x)
            let zeroCount = isZero.cast(to: x.dtype).sum(alongAxes: axes, keepingDims: true)
            let othersAtZero = Tensor.where(zeroCount .== 1.0, applyReduce(.prod, nonZero, axes: axes, keepDims: true),
                                            Tensor.zeros(like: y))
            return [gk * Tensor.where(isZero, othersAtZero, y / nonZero)]
        case .max, .min:
            let y = keepDims ? node.outputs[0] : node.outputs[0].reshaped(keptShape)
            let mask = (x .== y).cast(to: g.dtype)
            let ties = mask.sum(alongAxes: axes, keepingDims: true)
            return [gk * mask / ties]
        }
    case let .cumsum(axis):
        return [g.flipped([axis]).cumsum(axis: axis).flipped([axis])]
    default:
        fatalError("reductionVJP: not a reduction: \(node.primitive)")
    }
}
