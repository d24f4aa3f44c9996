import Foundation
import Nabla

/// Reductions (ReduceSum … ReduceLogSumExp, with axes as an attribute or, from opset 13/18, an input),
/// ArgMax/ArgMin and CumSum.
extension ONNXOperators {
    static let reductions: [String: ONNXKernel] = [
        "ReduceSum": reduce(axesInputFrom: 13, empty: 0) { x, axes in x.sum(alongAxes: axes, keepingDims: true) },
        "ReduceMean": reduce(axesInputFrom: 18, empty: .nan) { x, axes in x.mean(alongAxes: axes, keepingDims: true).cast(to: x.dtype) },
        "ReduceMax": reduce(axesInputFrom: 18, empty: -.infinity) { x, axes in x.max(alongAxes: axes, keepingDims: true) },
        "ReduceMin": reduce(axesInputFrom: 18, empty: .infinity) { x, axes in
            axes.reduce(x) { y, a in y.min(alongAxes: a, keepingDims: true) }
        },
        "ReduceProd": reduce(axesInputFrom: 18, empty: 1) { x, axes in x.prodAlong(axes) },
        "ReduceL1": reduce(axesInputFrom: 18, empty: 0) { x, axes in x.abs().sum(alongAxes: axes, keepingDims: true) },
        "ReduceL2": reduce(axesInputFrom: 18, empty: 0) { x, axes in
            let y = x.cast(to: x.dtype.isFloatingPoint ? x.dtype : .float64)
            return (y * y).sum(alongAxes: axes, keepingDims: true).sqrt().cast(to: x.dtype)
        },
        "ReduceSumSquare": reduce(axesInputFrom: 18, empty: 0) { x, axes in (x * x).sum(alongAxes: axes, keepingDims: true) },
        "ReduceLogSum": reduce(axesInputFrom: 18, empty: -.infinity) { x, axes in x.sum(alongAxes: axes, keepingDims: true).log() },
        "ReduceLogSumExp": reduce(axesInputFrom: 18, empty: -.infinity) { x, axes in
            let y = x.cast(to: x.dtype.isFloatingPoint ? x.dtype : .float64)
            return y.logSumExp(alongAxes: axes, keepingDims: true).cast(to: x.dtype)
        },
        "ArgMax": argReduce(largest: true),
        "ArgMin": argReduce(largest: false),
        "CumSum": { c in
            let x = try c.input(0)
            guard let axisValues = try c.intsInput(1), axisValues.count == 1 else { throw c.invalidInput(1, "axis must hold one integer") }
            guard x.rank > 0 else { return [x] }
            let axis = try c.axis(axisValues[0], rank: x.rank)
            let exclusive = try c.int("exclusive", default: 0) == 1, reverse = try c.int("reverse", default: 0) == 1
            var y = reverse ? x.flipped([axis]) : x
            if exclusive {
                var before = [Int](repeating: 0, count: x.rank), after = before
                before[axis] = 1; after[axis] = 0
                y = y.padded(before: before, after: after).slice(axis: axis, start: 0, end: x.shape[axis])
            }
            y = y.cumsum(axis: axis).cast(to: x.dtype)
            return [reverse ? y.flipped([axis]) : y]
        },
    ]

    /// A reduction kernel: axes from the attribute (or from input 1 from opset `axesInputFrom` on),
    /// `keepdims` (default 1), `noop_with_empty_axes`, and the value an empty reduction gives.
    static func reduce(axesInputFrom: Int, empty: Double, _ f: @escaping @Sendable (Tensor, [Int]) -> Tensor) -> ONNXKernel {
        { c in
            let x = try c.input(0)
            let keepDims = try c.int("keepdims", default: 1) == 1
            let axesGiven = c.opset >= axesInputFrom ? try c.intsInput(1) : try c.ints("axes")
            var axes = try (axesGiven ?? []).map { try c.axis($0, rank: x.rank, attribute: "axes") }
            if axes.isEmpty {
                if try c.int("noop_with_empty_axes", default: 0) == 1 { return [x] }
                axes = Array(0..<x.rank)
            }
            axes = Array(Set(axes)).sorted()
            var outShape = x.shape
            for a in axes { outShape[a] = 1 }
            let y: Tensor
            if x.count == 0 {
                y = Tensor.full(outShape, value: x.dtype == .bool ? (empty > 0 ? 1 : 0) : empty, dtype: x.dtype)
            } else if axes.isEmpty {
                y = f(x.reshaped([1] + x.shape), [0]).reshaped(x.shape)
            } else {
                y = f(x, axes)
            }
            return [keepDims ? y : y.reshaped(outShape.enumerated().filter { !axes.contains($0.offset) }.map(\.element))]
        }
    }

    static func argReduce(largest: Bool) -> ONNXKernel {
        { c in
            let x = try c.input(0)
            let axis = try c.axis(try c.int("axis", default: 0), rank: x.rank)
            let keepDims = try c.int("keepdims", default: 1) == 1
            let last = try c.int("select_last_index", default: 0) == 1
            guard x.count > 0 else { throw c.invalidInput(0, "cannot take an arg-reduction of an empty tensor") }
            let source = last ? x.flipped([axis]) : x
            var index = largest ? source.argmax(axis: axis, keepingDims: true) : source.argmin(axis: axis, keepingDims: true)
            index = index.cast(to: .int64)
            if last { index = (x.shape[axis] - 1) - index }
            return [keepDims ? index : index.squeezed(axis: axis)]
        }
    }
}

extension Tensor {
    /// Product over `axes`, keeping them.
    func prodAlong(_ axes: [Int]) -> Tensor {
        var y = self
        for a in axes { y = y.prod(alongAxes: a, keepingDims: true) }
        return y
    }
}
