import Foundation
import Nabla

/// BatchNormalization (inference and training mode), LayerNormalization, InstanceNormalization,
/// GroupNormalization, RMSNormalization, MeanVarianceNormalization, LpNormalization, LRN.
extension ONNXOperators {
    static let normalization: [String: ONNXKernel] = [
        "BatchNormalization": { c in
            let x = try c.input(0), scale = try c.input(1), bias = try c.input(2)
            var mean = try c.input(3), variance = try c.input(4)
            guard x.rank >= 2 else { throw c.invalidInput(0, "expected [N, C, ...], got \(x.shape)") }
            let channels = x.shape[1]
            for (i, t) in [scale, bias, mean, variance].enumerated() where t.count != channels {
                throw c.invalidInput(i + 1, "must hold \(channels) values, got shape \(t.shape)")
            }
            let eps = try c.float("epsilon", default: 1e-5), momentum = try c.float("momentum", default: 0.9)
            let view = [1, channels] + [Int](repeating: 1, count: x.rank - 2)
            let training = try c.int("training_mode", default: 0) == 1
            var extra: [Tensor] = []
            if training {
                let axes = [0] + Array(2..<x.rank)
                let batchMean = x.mean(alongAxes: axes), batchVariance = x.variance(alongAxes: axes, correction: 0)
                extra = [mean * momentum + batchMean * (1 - momentum), variance * momentum + batchVariance * (1 - momentum)]
                mean = batchMean; variance = batchVariance
            }
            let y = (x - mean.reshaped(view)) / (variance.reshaped(view) + eps).sqrt() * scale.reshaped(view) + bias.reshaped(view)
            return [y.cast(to: x.dtype)] + extra
        },
        "LayerNormalization": { c in
            let x = try c.input(0), scale = try c.input(1)
            let axis = try c.axis(try c.int("axis", default: -1), rank: x.rank)
            let eps = try c.float("epsilon", default: 1e-5)
            let axes = Array(axis..<x.rank)
            let work = x.dtype == .float64 ? x : x.cast(to: .float32)
            let mean = work.mean(alongAxes: axes, keepingDims: true)
            let centered = work - mean
            let inverseStd = ((centered * centered).mean(alongAxes: axes, keepingDims: true) + eps).rsqrt()
            try c.checkBroadcast([x, scale] + (c.optionalInput(2).map { [$0] } ?? []))
            var y = (centered * inverseStd).cast(to: x.dtype) * scale
            if let bias = c.optionalInput(2) { y = y + bias }
            return [y, mean, inverseStd]
        },
        "InstanceNormalization": { c in
            let x = try c.input(0), scale = try c.input(1), bias = try c.input(2)
            guard x.rank >= 3, scale.count == x.shape[1], bias.count == x.shape[1] else { throw c.invalidInput(1, "scale and bias must hold one value per channel") }
            let eps = try c.float("epsilon", default: 1e-5)
            let view = [1, x.shape[1]] + [Int](repeating: 1, count: x.rank - 2)
            return [normalized(x, axes: Array(2..<x.rank), eps: eps) * scale.reshaped(view) + bias.reshaped(view)]
        },
        "GroupNormalization": { c in
            let x = try c.input(0), scale = try c.input(1), bias = try c.input(2)
            guard let groups = try c.int("num_groups"), groups > 0, x.rank >= 3, x.shape[1] % groups == 0 else {
                throw c.invalidAttribute("num_groups", "must divide the channel count of \(x.shape)")
            }
            let eps = try c.float("epsilon", default: 1e-5)
            let (n, channels) = (x.shape[0], x.shape[1])
            let grouped = x.reshaped([n, groups, -1])
            var y = normalized(grouped, axes: [2], eps: eps).reshaped([n, groups, channels / groups, -1])
            let view = [1, channels] + [Int](repeating: 1, count: x.rank - 2)
            if scale.count == groups && groups != channels {
                y = y * scale.reshaped([1, groups, 1, 1]) + bias.reshaped([1, groups, 1, 1])
                return [y.reshaped(x.shape)]
            }
            guard scale.count == channels, bias.count == channels else { throw c.invalidInput(1, "scale and bias must hold one value per channel") }
            return [y.reshaped(x.shape) * scale.reshaped(view) + bias.reshaped(view)]
        },
        "RMSNormalization": { c in
            let x = try c.input(0), scale = try c.input(1)
            let axis = try c.axis(try c.int("axis", default: -1), rank: x.rank)
            let eps = try c.float("epsilon", default: 1e-5)
            try c.checkBroadcast([x, scale])
            let work = x.dtype == .float64 ? x : x.cast(to: .float32)
            let y = work * ((work * work).mean(alongAxes: Array(axis..<x.rank), keepingDims: true) + eps).rsqrt()
            return [y.cast(to: x.dtype) * scale]
        },
        "MeanVarianceNormalization": { c in
            let x = try c.input(0)
            let axes = try (c.ints("axes") ?? [0, 2, 3]).map { try c.axis($0, rank: x.rank, attribute: "axes") }
            let centered = x - x.mean(alongAxes: axes, keepingDims: true)
            return [centered / (centered * centered).mean(alongAxes: axes, keepingDims: true).sqrt()]
        },
        "LpNormalization": { c in
            let x = try c.input(0)
            let axis = try c.axis(try c.int("axis", default: -1), rank: x.rank)
            let p = try c.int("p", default: 2)
            guard p == 1 || p == 2 else { throw c.invalidAttribute("p", "must be 1 or 2") }
            let norm = p == 1 ? x.abs().sum(alongAxes: [axis], keepingDims: true) : (x * x).sum(alongAxes: [axis], keepingDims: true).sqrt()
            return [x / Tensor.where(norm .== 0, Tensor.ones(like: norm), norm)]
        },
        "LRN": { c in
            let x = try c.input(0)
            guard let size = try c.int("size"), size > 0, x.rank >= 3 else { throw c.invalidAttribute("size", "must be positive (input [N, C, ...])") }
            let alpha = try c.float("alpha", default: 1e-4), beta = try c.float("beta", default: 0.75), bias = try c.float("bias", default: 1)
            let channels = x.shape[1]
            var before = [Int](repeating: 0, count: x.rank), after = before
            before[1] = (size - 1) / 2; after[1] = size - 1 - (size - 1) / 2
            let squares = (x * x).padded(before: before, after: after)
            var window = squares.slice(axis: 1, start: 0, end: channels)
            for offset in 1..<size { window = window + squares.slice(axis: 1, start: offset, end: offset + channels) }
            return [x / (window * (alpha / Double(size)) + bias).pow(beta)]
        },
    ]

    /// (x - mean) / sqrt(var + eps) over `axes` (biased variance).
    static func normalized(_ x: Tensor, axes: [Int], eps: Double) -> Tensor {
        let centered = x - x.mean(alongAxes: axes, keepingDims: true)
        return centered * ((centered * centered).mean(alongAxes: axes, keepingDims: true) + eps).rsqrt()
    }
}
