import Foundation
import Nabla

/// Movement and shape operators: Reshape, Transpose, Squeeze/Unsqueeze, Flatten, Concat, Split, Slice,
/// Expand, Pad, Tile, Shape, Size, Identity, DepthToSpace/SpaceToDepth.
extension ONNXOperators {
    static let shapeOps: [String: ONNXKernel] = [
        "Identity": { c in [try c.input(0)] },
        "Reshape": { c in
            let x = try c.input(0)
            guard let requested = c.opset >= 5 ? try c.intsInput(1) : try c.ints("shape") else { throw c.invalidInput(1, "shape is missing") }
            let allowZero = try c.int("allowzero", default: 0) == 1
            var shape = requested.enumerated().map { i, d in d == 0 && !allowZero && i < x.rank ? x.shape[i] : d }
            if let inferred = shape.firstIndex(of: -1) {
                guard shape.filter({ $0 == -1 }).count == 1 else { throw c.invalidInput(1, "more than one -1 in \(requested)") }
                let known = shape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
                guard known > 0, x.count % known == 0 else { throw c.invalidInput(1, "cannot reshape \(x.shape) into \(requested)") }
                shape[inferred] = x.count / known
            }
            guard shape.allSatisfy({ $0 >= 0 }), elementCount(shape) == x.count else {
                throw c.invalidInput(1, "cannot reshape \(x.shape) into \(requested)")
            }
            return [x.reshaped(shape)]
        },
        "Transpose": { c in
            let x = try c.input(0)
            let perm = try c.ints("perm") ?? Array((0..<x.rank).reversed())
            guard perm.count == x.rank, Set(perm) == Set(0..<x.rank) else { throw c.invalidAttribute("perm", "\(perm) is not a permutation of \(x.rank) axes") }
            return [x.permuted(perm)]
        },
        "Squeeze": { c in
            let x = try c.input(0)
            guard let given = c.opset >= 13 ? try c.intsInput(1) : try c.ints("axes") else { return [x.squeezed()] }
            let axes = try given.map { try c.axis($0, rank: x.rank, attribute: "axes") }
            for a in axes where x.shape[a] != 1 { throw c.invalidAttribute("axes", "axis \(a) of shape \(x.shape) is not 1") }
            return [x.reshaped(x.shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element))]
        },
        "Unsqueeze": { c in
            let x = try c.input(0)
            guard let given = c.opset >= 13 ? try c.intsInput(1) : try c.ints("axes") else { throw c.invalidAttribute("axes", "is required") }
            let rank = x.rank + given.count
            let axes = try given.map { try c.axis($0, rank: rank, attribute: "axes") }.sorted()
            guard Set(axes).count == axes.count else { throw c.invalidAttribute("axes", "repeats an axis: \(given)") }
            var shape = x.shape
            for a in axes { shape.insert(1, at: a) }
            return [x.reshaped(shape)]
        },
        "Flatten": { c in
            let x = try c.input(0)
            let axis = try c.int("axis", default: 1)
            let a = axis < 0 ? axis + x.rank : axis
            guard a >= 0 && a <= x.rank else { throw c.invalidAttribute("axis", "\(axis) is out of range for rank \(x.rank)") }
            return [x.reshaped([elementCount(Array(x.shape[..<a])), elementCount(Array(x.shape[a...]))])]
        },
        "Concat": { c in
            let xs = try c.variadicInputs()
            guard let axisValue = try c.int("axis") else { throw c.invalidAttribute("axis", "is required") }
            let axis = try c.axis(axisValue, rank: xs[0].rank)
            for x in xs {
                guard x.rank == xs[0].rank, (0..<x.rank).allSatisfy({ $0 == axis || x.shape[$0] == xs[0].shape[$0] }) else {
                    throw c.invalidInput(0, "shapes \(xs.map(\.shape)) differ outside axis \(axis)")
                }
            }
            return [concat(xs, axis: axis)]
        },
        "Split": { c in
            let x = try c.input(0)
            let axis = try c.axis(try c.int("axis", default: 0), rank: x.rank)
            let n = x.shape[axis], outputs = c.node.output.count
            var sizes = c.opset >= 13 ? try c.intsInput(1) : try c.ints("split")
            if sizes == nil {
                let parts = try c.int("num_outputs") ?? outputs
                guard parts > 0 else { throw c.invalidAttribute("num_outputs", "must be positive") }
                let chunk = (n + parts - 1) / parts
                sizes = (0..<parts).map { Swift.max(0, Swift.min(chunk, n - $0 * chunk)) }
            }
            guard let sizes, sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == n else {
                throw c.invalidInput(1, "split sizes \(sizes ?? []) do not add up to \(n)")
            }
            return x.split(sizes: sizes, axis: axis)
        },
        "Slice": { c in
            let x = try c.input(0)
            let starts: [Int], ends: [Int], axesGiven: [Int]?, steps: [Int]?
            if c.opset < 10 {
                guard let s = try c.ints("starts"), let e = try c.ints("ends") else { throw c.invalidAttribute("starts", "starts and ends are required") }
                (starts, ends, axesGiven, steps) = (s, e, try c.ints("axes"), nil)
            } else {
                guard let s = try c.intsInput(1), let e = try c.intsInput(2) else { throw c.invalidInput(1, "starts and ends are required") }
                (starts, ends, axesGiven, steps) = (s, e, try c.intsInput(3), try c.intsInput(4))
            }
            let axes = try (axesGiven ?? Array(0..<starts.count)).map { try c.axis($0, rank: x.rank, attribute: "axes") }
            guard ends.count == starts.count, axes.count == starts.count, (steps?.count ?? starts.count) == starts.count else {
                throw c.invalidInput(1, "starts, ends, axes and steps differ in length")
            }
            var y = x
            for (i, axis) in axes.enumerated() {
                let step = steps?[i] ?? 1
                guard step != 0 else { throw c.invalidInput(4, "steps must not be 0") }
                y = sliced(y, axis: axis, start: starts[i], end: ends[i], step: step)
            }
            return [y]
        },
        "Expand": { c in
            let x = try c.input(0)
            guard let shape = try c.intsInput(1) else { throw c.invalidInput(1, "shape is required") }
            return [x.expanded(to: try c.broadcastShape([x.shape, shape])).contiguous()]
        },
        "Tile": { c in
            let x = try c.input(0)
            guard let repeats = try c.intsInput(1), repeats.count == x.rank, repeats.allSatisfy({ $0 >= 0 }) else {
                throw c.invalidInput(1, "repeats must list one non-negative count per axis of \(x.shape)")
            }
            if repeats.contains(0) { return [Tensor.zeros(zip(x.shape, repeats).map(*), dtype: x.dtype)] }
            return [x.repeated(repeats)]
        },
        "Shape": { c in
            let x = try c.input(0)
            func clampAxis(_ v: Int) -> Int { clampIndex(v < 0 ? v + x.rank : v, 0, x.rank) }
            let start = clampAxis(try c.int("start", default: 0)), end = clampAxis(try c.int("end") ?? x.rank)
            return [Tensor.int64s(Array(x.shape[start..<Swift.max(start, end)]))]
        },
        "Size": { c in [Tensor.full([], value: Double(try c.input(0).count), dtype: .int64)] },
        "Pad": padKernel,
        "DepthToSpace": { c in
            let x = try c.input(0), b = try c.int("blocksize", default: 0)
            guard x.rank == 4, b > 0, x.shape[1] % (b * b) == 0 else { throw c.invalidInput(0, "needs [N, C, H, W] with C divisible by blocksize²") }
            let (n, ch, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
            let crd = try c.string("mode", default: "DCR") == "CRD"
            let y = crd ? x.reshaped([n, ch / (b * b), b, b, h, w]).permuted([0, 1, 4, 2, 5, 3])
                        : x.reshaped([n, b, b, ch / (b * b), h, w]).permuted([0, 3, 4, 1, 5, 2])
            return [y.reshaped([n, ch / (b * b), h * b, w * b])]
        },
        "SpaceToDepth": { c in
            let x = try c.input(0), b = try c.int("blocksize", default: 0)
            guard x.rank == 4, b > 0, x.shape[2] % b == 0, x.shape[3] % b == 0 else { throw c.invalidInput(0, "needs [N, C, H, W] with H, W divisible by blocksize") }
            let (n, ch, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
            let crd = try c.string("mode", default: "DCR") == "CRD"
            let y = x.reshaped([n, ch, h / b, b, w / b, b]).permuted(crd ? [0, 1, 3, 5, 2, 4] : [0, 3, 5, 1, 2, 4])
            return [y.reshaped([n, ch * b * b, h / b, w / b])]
        },
    ]

    /// numpy-style `x[start:end:step]` along `axis` with ONNX's clamping (negative steps walk backwards).
    static func sliced(_ x: Tensor, axis: Int, start: Int, end: Int, step: Int) -> Tensor {
        let n = x.shape[axis]
        func normalize(_ v: Int) -> Int { v < 0 ? clampIndex(v, -n - 1, 0) + n : clampIndex(v, 0, n + 1) }
        var s = normalize(start), e = normalize(end)
        if step > 0 {
            s = clampIndex(s, 0, n); e = clampIndex(e, 0, n)
            return x.slice(axis: axis, start: s, end: Swift.max(s, e), step: step)
        }
        // Negative step: clamp to [-1, n-1], then slice the flipped axis forwards.
        s = clampIndex(start < 0 ? start + n : start, -1, n - 1)
        e = clampIndex(end < 0 ? (end < -n ? -1 : end + n) : end, -1, n - 1)
        let fs = n - 1 - s, fe = n - 1 - e
        guard fe > fs else { return x.slice(axis: axis, start: 0, end: 0) }
        return x.flipped([axis]).slice(axis: axis, start: fs, end: fe, step: -step)
    }

    /// Pad: pads (and constant value) as attributes before opset 11, as inputs after (with `axes` from 18);
    /// modes constant, reflect, edge and wrap; negative pads crop.
    static let padKernel: ONNXKernel = { c in
        let x = try c.input(0)
        let mode = try c.string("mode", default: "constant")
        var pads: [Int], value: Double
        if c.opset < 11 {
            guard let p = try c.ints("pads") ?? c.ints("paddings") else { throw c.invalidAttribute("pads", "is required") }
            pads = p; value = try c.float("value", default: 0)
        } else {
            guard let p = try c.intsInput(1) else { throw c.invalidInput(1, "pads is required") }
            pads = p; value = try c.scalarInput(2) ?? 0
        }
        var axes = Array(0..<x.rank)
        if let given = try c.intsInput(3) { axes = try given.map { try c.axis($0, rank: x.rank, attribute: "axes") } }
        guard pads.count == 2 * axes.count else { throw c.invalidInput(1, "pads \(pads) needs \(2 * axes.count) values") }
        var before = [Int](repeating: 0, count: x.rank), after = before
        for (i, a) in axes.enumerated() { before[a] = pads[i]; after[a] = pads[axes.count + i] }
        var y = x
        // Negative pads crop first.
        for a in 0..<x.rank {
            let cropBefore = Swift.max(0, -before[a]), cropAfter = Swift.max(0, -after[a])
            if cropBefore + cropAfter > 0 {
                guard cropBefore + cropAfter <= y.shape[a] else { throw c.invalidInput(1, "pads \(pads) crop more than axis \(a) holds") }
                y = y.slice(axis: a, start: cropBefore, end: y.shape[a] - cropAfter)
            }
        }
        before = before.map { Swift.max(0, $0) }; after = after.map { Swift.max(0, $0) }
        switch mode {
        case "constant":
            return [y.padded(before: before, after: after, value: value)]
        case "reflect":
            for a in 0..<x.rank where before[a] >= y.shape[a] || after[a] >= y.shape[a] {
                throw c.invalidInput(1, "reflect padding on axis \(a) must be smaller than its size \(y.shape[a])")
            }
            return [y.padded(before: before, after: after, mode: .reflect)]
        case "edge", "wrap":
            for a in 0..<x.rank where before[a] > 0 || after[a] > 0 {
                let n = y.shape[a]
                guard n > 0 else { throw c.invalidInput(0, "cannot \(mode)-pad an empty axis") }
                let indices = (-before[a]..<(n + after[a])).map { i in
                    mode == "edge" ? clampIndex(i, 0, n - 1) : ((i % n) + n) % n
                }
                y = y.indexSelect(axis: a, index: Tensor.int64s(indices))
            }
            return [y]
        default:
            throw c.invalidAttribute("mode", "unknown pad mode \(mode)")
        }
    }
}
