import Foundation
import Nabla

/// Constants, casts and value-producing operators: Constant, ConstantOfShape, Range, EyeLike, Cast,
/// CastLike, Clip, Dropout (inference).
extension ONNXOperators {
    static let creation: [String: ONNXKernel] = [
        "Constant": { c in
            if let t = try c.tensor("value") { return [t] }
            if let f = try c.float("value_float") { return [Tensor.full([], value: f, dtype: .float32)] }
            if let fs = try c.floats("value_floats") { return [Tensor(shape: [fs.count], scalars: fs.map { Float($0) })] }
            if let i = try c.int("value_int") { return [Tensor.full([], value: Double(i), dtype: .int64)] }
            if let ints = try c.ints("value_ints") { return [Tensor.int64s(ints)] }
            throw c.unsupported("Constant without a tensor, float(s) or int(s) value")
        },
        "ConstantOfShape": { c in
            guard let shape = try c.intsInput(0), shape.allSatisfy({ $0 >= 0 }) else { throw c.invalidInput(0, "shape must hold non-negative integers") }
            guard let value = try c.tensor("value") else { return [Tensor.zeros(shape, dtype: .float32)] }
            guard value.count == 1 else { throw c.invalidAttribute("value", "must hold one element") }
            return [value.reshaped([]).expanded(to: shape).contiguous()]
        },
        "Range": { c in
            let start = try c.input(0), limit = try c.input(1), delta = try c.input(2)
            guard start.count == 1, limit.count == 1, delta.count == 1 else { throw c.invalidInput(0, "start, limit and delta must be scalars") }
            let (s, l, d) = (start.scalars[0], limit.scalars[0], delta.scalars[0])
            guard d != 0 else { throw c.invalidInput(2, "delta must not be 0") }
            let n = Swift.max(Int(Foundation.ceil((l - s) / d)), 0)
            guard n < (1 << 31) else { throw c.invalidInput(1, "range of \(n) elements is too large") }
            if start.dtype.isFloatingPoint {
                return [Tensor(shape: [n], scalars: (0..<n).map { s + Double($0) * d }).cast(to: start.dtype)]
            }
            let (si, di) = (Int64(s), Int64(d))
            return [Tensor(shape: [n], scalars: (0..<n).map { si + Int64($0) * di }).cast(to: start.dtype)]
        },
        "EyeLike": { c in
            let x = try c.input(0)
            guard x.rank == 2 else { throw c.invalidInput(0, "EyeLike needs a 2-d input") }
            let dtype = try c.int("dtype").map { try nablaType(code: $0, c, attribute: "dtype") } ?? x.dtype
            let k = try c.int("k", default: 0)
            let rows = Tensor.arange(0, Double(x.shape[0]), dtype: .int64).reshaped([-1, 1])
            let columns = Tensor.arange(0, Double(x.shape[1]), dtype: .int64).reshaped([1, -1])
            return [((columns - rows) .== Double(k)).cast(to: dtype)]
        },
        "Cast": { c in
            guard let to = try c.int("to") else { throw c.invalidAttribute("to", "is required") }
            return [castONNX(try c.input(0), to: try nablaType(code: to, c, attribute: "to"))]
        },
        "CastLike": { c in [castONNX(try c.input(0), to: try c.input(1).dtype)] },
        "Clip": { c in
            let x = try c.input(0)
            var low: Tensor?, high: Tensor?
            if c.opset < 11 {
                low = try c.float("min").map { Tensor.scalar($0, dtype: x.dtype) }
                high = try c.float("max").map { Tensor.scalar($0, dtype: x.dtype) }
            } else {
                low = c.optionalInput(1); high = c.optionalInput(2)
                for (i, bound) in [(1, low), (2, high)] where bound.map({ $0.count != 1 }) ?? false {
                    throw c.invalidInput(i, "bounds must be scalars")
                }
            }
            var y = x
            if let low { y = y.maximum(low.reshaped([]).cast(to: x.dtype)) }
            if let high { y = y.minimum(high.reshaped([]).cast(to: x.dtype)) }
            return [y]
        },
        "Dropout": { c in
            let x = try c.input(0)
            let training = try c.scalarInput(2).map { $0 != 0 } ?? false
            let ratio = try c.scalarInput(1) ?? Double(try c.float("ratio", default: 0.5))
            if training && ratio > 0 { throw c.unsupported("Dropout in training mode (random)") }
            return [x, Tensor.ones(x.shape, dtype: .bool)]
        },
    ]

    /// Cast with ONNX's conversions: float → integer truncates toward zero; NaN → bool is true.
    static func castONNX(_ x: Tensor, to dtype: DType) -> Tensor {
        if x.dtype == dtype { return x }
        if x.dtype.isFloatingPoint && dtype.isInteger { return x.truncated().cast(to: dtype) }
        if x.dtype.isFloatingPoint && dtype == .bool { return (x .!= 0).cast(to: .bool) }
        return x.cast(to: dtype)
    }
}
