import Foundation
import Nabla

/// Arithmetic and elementwise math: Add … Pow, Mod, the unary functions, and the variadic Max/Min/Sum/Mean.
extension ONNXOperators {
    static let elementwise: [String: ONNXKernel] = {
        var table: [String: ONNXKernel] = [
            "Add": binary { $0 + $1 },
            "Sub": binary { $0 - $1 },
            "Mul": binary { $0 * $1 },
            "Div": binary(divide),
            "Pow": binary { a, b in
                a.dtype.isFloatingPoint ? a.pow(b.cast(to: a.dtype))
                    : a.cast(to: .float64).pow(b.cast(to: .float64)).rounded().cast(to: a.dtype)
            },
            "Mod": { c in
                let a = try c.input(0), b = try c.input(1)
                try c.checkBroadcast([a, b])
                let fmod = try c.int("fmod", default: 0) == 1
                let x = a.cast(to: .float64), y = b.cast(to: .float64)
                let quotient = (x / y)
                let r = x - y * (fmod ? quotient.truncated() : quotient.floor())
                // Integer modulo by zero is undefined; keep the result finite.
                return [(a.dtype.isFloatingPoint ? r : Tensor.where(r.isFinite(), r, Tensor.zeros(like: r))).cast(to: a.dtype)]
            },
            "Max": variadic { $0.maximum($1) },
            "Min": variadic { $0.minimum($1) },
            "Sum": variadic { $0 + $1 },
            "Mean": { c in
                let xs = try c.variadicInputs()
                try c.checkBroadcast(xs)
                return [xs.dropFirst().reduce(xs[0], +) / Double(xs.count)]
            },
            "IsNaN": unary { $0.isNaN() },
            "IsInf": { c in
                let x = try c.input(0)
                let positive = try c.int("detect_positive", default: 1) == 1, negative = try c.int("detect_negative", default: 1) == 1
                guard x.dtype.isFloatingPoint else { return [Tensor.zeros(x.shape, dtype: .bool)] }
                var y = Tensor.zeros(x.shape, dtype: .bool)
                if positive { y = y .|| (x .== Double.infinity) }
                if negative { y = y .|| (x .== -Double.infinity) }
                return [y]
            },
        ]
        let unaries: [String: @Sendable (Tensor) -> Tensor] = [
            "Neg": { -$0 }, "Abs": { $0.abs() }, "Sign": { $0.sign() },
            "Exp": { $0.exp() }, "Log": { $0.log() }, "Sqrt": { $0.sqrt() },
            "Reciprocal": { 1.0 / $0 }, "Floor": { $0.floor() }, "Ceil": { $0.ceil() }, "Round": { $0.rounded() },
            "Sin": { $0.sin() }, "Cos": { $0.cos() }, "Erf": { $0.erf() },
            "Tan": { $0.mapElements(Foundation.tan) }, "Asin": { $0.mapElements(Foundation.asin) },
            "Acos": { $0.mapElements(Foundation.acos) }, "Atan": { $0.mapElements(Foundation.atan) },
            "Sinh": { $0.mapElements(Foundation.sinh) }, "Cosh": { $0.mapElements(Foundation.cosh) },
            "Asinh": { $0.mapElements(Foundation.asinh) }, "Acosh": { $0.mapElements(Foundation.acosh) },
            "Atanh": { $0.mapElements(Foundation.atanh) },
        ]
        for (name, f) in unaries { table[name] = unary(f) }
        return table
    }()

    /// A kernel for a one-input operator.
    static func unary(_ f: @escaping @Sendable (Tensor) -> Tensor) -> ONNXKernel {
        { c in [f(try c.input(0))] }
    }

    /// A kernel for a two-input broadcasting operator.
    static func binary(_ f: @escaping @Sendable (Tensor, Tensor) -> Tensor) -> ONNXKernel {
        { c in
            let a = try c.input(0), b = try c.input(1)
            try c.checkBroadcast([a, b])
            return [f(a, b)]
        }
    }

    /// A kernel folding any number of broadcasting inputs with `f`.
    static func variadic(_ f: @escaping @Sendable (Tensor, Tensor) -> Tensor) -> ONNXKernel {
        { c in
            let xs = try c.variadicInputs()
            try c.checkBroadcast(xs)
            return [xs.dropFirst().reduce(xs[0], f)]
        }
    }

    /// ONNX Div: true division for floats, truncating division for integers.
    @Sendable static func divide(_ a: Tensor, _ b: Tensor) -> Tensor {
        if a.dtype.isFloatingPoint || b.dtype.isFloatingPoint { return a / b }
        let q = (a.cast(to: .float64) / b.cast(to: .float64)).truncated()
        return Tensor.where(q.isFinite(), q, Tensor.zeros(like: q)).cast(to: DType.promote(a.dtype, b.dtype))
    }
}
