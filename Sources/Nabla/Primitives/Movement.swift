/// Movement primitives: reshape, permute, expand, slice (zero-copy views where the strides allow),
/// and pad, flip, concat, contiguous, cast (copies). Public API in `Ops/Tensor+Shape.swift`.

/// Applies a view primitive: the output shares storage with `x`.
func applyView(_ primitive: Primitive, _ x: Tensor, _ layout: Layout) -> Tensor {
    let out = x.viewing(layout)
    return shouldRecord(x) ? record(primitive, inputs: [x], output: out) : out
}

/// VJPs of the movement family (and cast).
func movementVJP(_ node: Node, _ grads: [Tensor?]) -> [Tensor?] {
    let g = grads[0]!
    let inputShape = node.inputShapes[0]
    switch node.primitive {
    case let .cast(dtype):
        _ = dtype
        return [g.cast(to: node.inputs[0].dtype)]
    case .contiguous: return [g]
    case .reshape: return [g.reshaped(inputShape)]
    case let .permute(order):
        var inverse = [Int](repeating: 0, count: order.count)
        for (i, axis) in order.enumerated() { inverse[axis] = i }
        return [g.permuted(inverse)]
    case .expand: return [g.sumToShape(inputShape)]
    case let .slice(axis, start, end, step):
        return [sliceBackward(g, inputShape: inputShape, axis: axis, start: start, end: end, step: step)]
    case let .pad(before, after, mode, _):
        switch mode {
        case .constant:
            var y = g
            for axis in 0..<inputShape.count where before[axis] != 0 || after[axis] != 0 {
                y = y.slice(axis: axis, start: before[axis], end: before[axis] + inputShape[axis])
            }
            return [y]
        case .reflect:
            return [reflectPadBackward(g, inputShape: inputShape, before: before, after: after)]
        }
    case let .flip(axes): return [g.flipped(axes)]
    case let .concat(axis):
        var start = 0
        return node.inputShapes.map { shape in
            defer { start += shape[axis] }
            return g.slice(axis: axis, start: start, end: start + shape[axis])
        }
    default: fatalError("movementVJP: not a movement primitive: \(node.primitive)")
    }
}

/// The gradient of `x[start..<end by step]` along `axis`: `g` placed back at the sliced positions.
func sliceBackward(_ g: Tensor, inputShape: [Int], axis: Int, start: Int, end: Int, step: Int) -> Tensor {
    var spread = g
    if step > 1 {
        // Interleave step-1 zeros after each element: unsqueeze, pad, merge.
        var padded = g.unsqueezed(axis: axis + 1)
        var after = [Int](repeating: 0, count: padded.rank)
        after[axis + 1] = step - 1
        padded = padded.padded(before: [Int](repeating: 0, count: padded.rank), after: after)
        var merged = g.shape
        merged[axis] *= step
        spread = padded.reshaped(merged)
    }
    let length = spread.shape[axis]
    var before = [Int](repeating: 0, count: g.rank), after = before
    before[axis] = start
    after[axis] = inputShape[axis] - start - length
    if after[axis] < 0 {
        spread = spread.slice(axis: axis, start: 0, end: inputShape[axis] - start)
        after[axis] = 0
    }
    return spread.padded(before: before, after: after)
}

/// The gradient of reflect padding: the mirrored borders fold back onto the elements they copied.
private func reflectPadBackward(_ g: Tensor, inputShape: [Int], before: [Int], after: [Int]) -> Tensor {
    var y = g
    for axis in 0..<inputShape.count where before[axis] != 0 || after[axis] != 0 {
        let n = inputShape[axis], b = before[axis], a = after[axis]
        var center = y.slice(axis: axis, start: b, end: b + n)
        if b > 0 {
            // Padded positions 0..<b mirror input indices b...1.
            let border = y.slice(axis: axis, start: 0, end: b).flipped([axis])
            var pb = [Int](repeating: 0, count: y.rank), pa = pb
            pb[axis] = 1; pa[axis] = n - 1 - b
            center = center + border.padded(before: pb, after: pa)
        }
        if a > 0 {
            // Padded positions after the end mirror input indices n-2 down to n-1-a.
            let border = y.slice(axis: axis, start: b + n, end: b + n + a).flipped([axis])
            var pb = [Int](repeating: 0, count: y.rank), pa = pb
            pb[axis] = n - 1 - a; pa[axis] = 1
            center = center + border.padded(before: pb, after: pa)
        }
        y = center
    }
    return y
}
