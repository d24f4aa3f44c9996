import Foundation
import Nabla

/// Activation functions and the softmax family (Softmax, LogSoftmax, Hardmax with the opset-13 axis change).
extension ONNXOperators {
    static let activations: [String: ONNXKernel] = [
        "Relu": unary { relu($0) },
        "Sigmoid": unary { $0.sigmoid() },
        "Tanh": unary { $0.tanh() },
        "Softsign": unary { $0 / (1.0 + $0.abs()) },
        "Softplus": unary { softplus($0) },
        "Mish": unary { $0 * softplus($0).tanh() },
        "HardSwish": unary { $0 * ($0 / 6.0 + 0.5).clamped(min: 0, max: 1) },
        "LeakyRelu": { c in
            let alpha = try c.float("alpha", default: 0.01)
            return [leakyRelu(try c.input(0), negativeSlope: alpha)]
        },
        "Elu": { c in [elu(try c.input(0), alpha: try c.float("alpha", default: 1))] },
        "Celu": { c in
            let x = try c.input(0), alpha = try c.float("alpha", default: 1)
            return [relu(x) + ((x / alpha).exp() - 1.0).clamped(max: 0) * alpha]
        },
        "Selu": { c in
            let x = try c.input(0)
            let alpha = try c.float("alpha", default: 1.67326319217681884765625)
            let gamma = try c.float("gamma", default: 1.05070102214813232421875)
            return [Tensor.where(x .> 0, x, (x.exp() - 1.0) * alpha) * gamma]
        },
        "HardSigmoid": { c in
            let x = try c.input(0)
            let alpha = try c.float("alpha", default: 0.2), beta = try c.float("beta", default: 0.5)
            return [(x * alpha + beta).clamped(min: 0, max: 1)]
        },
        "ThresholdedRelu": { c in
            let x = try c.input(0), alpha = try c.float("alpha", default: 1)
            return [Tensor.where(x .> alpha, x, Tensor.zeros(like: x))]
        },
        "Shrink": { c in
            let x = try c.input(0), bias = try c.float("bias", default: 0), lambd = try c.float("lambd", default: 0.5)
            let y = Tensor.where(x .< -lambd, x + bias, Tensor.where(x .> lambd, x - bias, Tensor.zeros(like: x)))
            return [y.cast(to: x.dtype)]
        },
        "PRelu": { c in
            let x = try c.input(0), slope = try c.input(1)
            try c.checkBroadcast([x, slope])
            return [Tensor.where(x .< 0, x * slope, x)]
        },
        "Gelu": { c in
            let mode = try c.string("approximate", default: "none")
            guard mode == "none" || mode == "tanh" else { throw c.invalidAttribute("approximate", "must be none or tanh, got \(mode)") }
            return [gelu(try c.input(0), approximate: mode == "tanh" ? .tanh : .none)]
        },
        "Swish": { c in
            let x = try c.input(0), alpha = try c.float("alpha", default: 1)
            return [x * (x * alpha).sigmoid()]
        },
        "Softmax": softmaxFamily { x, axis in softmax(x, axis: axis) },
        "LogSoftmax": softmaxFamily { x, axis in logSoftmax(x, axis: axis) },
        "Hardmax": softmaxFamily { x, axis in
            let index = x.argmax(axis: axis, keepingDims: true)
            var shape = [Int](repeating: 1, count: x.rank)
            shape[axis] = x.shape[axis]
            let positions = Tensor.arange(0, Double(x.shape[axis]), dtype: .int64).reshaped(shape)
            return (positions .== index).cast(to: x.dtype)
        },
    ]

    /// Softmax-like operators: before opset 13 the input is coerced to 2-d at `axis` (default 1) and
    /// normalised over the whole trailing block; from 13 on, over the single `axis` (default -1).
    static func softmaxFamily(_ f: @escaping @Sendable (Tensor, Int) -> Tensor) -> ONNXKernel {
        { c in
            let x = try c.input(0)
            if x.rank == 0 { return [f(x.reshaped([1]), 0).reshaped([])] }
            if c.opset >= 13 {
                let axis = try c.axis(try c.int("axis", default: -1), rank: x.rank)
                return [f(x, axis)]
            }
            let axis = try c.axis(try c.int("axis", default: 1), rank: x.rank)
            let rows = elementCount(Array(x.shape[..<axis])), columns = elementCount(Array(x.shape[axis...]))
            return [f(x.reshaped([rows, columns]), 1).reshaped(x.shape)]
        }
    }
}
