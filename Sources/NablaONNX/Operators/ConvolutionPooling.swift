import Foundation
import Nabla

/// Conv, ConvTranspose, MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool over 1-d and 2-d
/// spatial inputs ([N, C, L] and [N, C, H, W]); 1-d goes through the 2-d kernels with a unit height.
extension ONNXOperators {
    static let convolution: [String: ONNXKernel] = [
        "Conv": { c in
            let (x, w) = (try c.input(0), try c.input(1))
            let g = try Geometry(c, x: x, kernel: Array(w.shape.dropFirst(2)))
            let groups = try c.int("group", default: 1)
            guard w.rank == x.rank, groups >= 1, x.shape[1] == w.shape[1] * groups, w.shape[0] % groups == 0 else {
                throw c.invalidInput(1, "weight \(w.shape) does not fit input \(x.shape) with group \(groups)")
            }
            guard x.dtype.isFloatingPoint else { throw c.unsupported("Conv on \(x.dtype) tensors") }
            if let bias = c.optionalInput(2), bias.shape != [w.shape[0]] { throw c.invalidInput(2, "bias must have shape [\(w.shape[0])], got \(bias.shape)") }
            let out = g.outputSize(ceil: false)
            guard out.allSatisfy({ $0 > 0 }) else { throw c.invalidInput(0, "input \(x.shape) is too small for kernel \(g.kernel)") }
            let x2 = g.to2d(x).padded(before: [0, 0] + g.begin2d, after: [0, 0] + g.end2d)
            let y = conv2d(x2, weight: g.to2d(w), bias: c.optionalInput(2), stride: g.pair(g.strides), padding: (0, 0),
                           dilation: g.pair(g.dilations), groups: groups)
            return [g.from2d(y)]
        },
        "ConvTranspose": { c in
            let (x, w) = (try c.input(0), try c.input(1))
            let groups = try c.int("group", default: 1)
            guard w.rank == x.rank, x.rank >= 3, groups >= 1, x.shape[1] == w.shape[0], w.shape[0] % groups == 0 else {
                throw c.invalidInput(1, "weight \(w.shape) does not fit input \(x.shape) with group \(groups)")
            }
            guard x.dtype.isFloatingPoint else { throw c.unsupported("ConvTranspose on \(x.dtype) tensors") }
            let g = try Geometry(c, x: x, kernel: Array(w.shape.dropFirst(2)), transposed: true)
            let n = g.spatial.count
            let outputPadding = try c.ints("output_padding") ?? [Int](repeating: 0, count: n)
            guard outputPadding.count == n else { throw c.invalidAttribute("output_padding", "needs \(n) values") }
            let full: [Int] = (0..<n).map { (i: Int) -> Int in
                let span: Int = (g.spatial[i] - 1) * g.strides[i]
                return span + (g.kernel[i] - 1) * g.dilations[i] + 1
            }
            var begin = g.begin
            var outSize: [Int] = (0..<n).map { (i: Int) -> Int in full[i] + outputPadding[i] - g.begin[i] - g.end[i] }
            let autoPad = try c.string("auto_pad", default: "NOTSET")
            var target = try c.ints("output_shape")
            if target == nil, autoPad.hasPrefix("SAME") { target = (0..<n).map { g.spatial[$0] * g.strides[$0] } }
            if var target {
                if target.count == n + 2 { target = Array(target.dropFirst(2)) }
                guard target.count == n else { throw c.invalidAttribute("output_shape", "needs \(n) values") }
                for i in 0..<n {
                    let total = full[i] + outputPadding[i] - target[i]
                    begin[i] = autoPad == "SAME_LOWER" ? total - total / 2 : total / 2
                }
                outSize = target
            }
            guard outSize.allSatisfy({ $0 > 0 }) else { throw c.invalidInput(0, "output size \(outSize) is not positive") }
            var y = convTranspose2d(g.to2d(x), weight: g.to2d(w), stride: g.pair(g.strides), groups: groups, dilation: g.pair(g.dilations))
            y = g.from2d(y)
            for i in 0..<n {
                let axis = i + 2
                let before = Swift.max(0, -begin[i]), after = Swift.max(0, begin[i] + outSize[i] - full[i])
                if before > 0 || after > 0 {
                    var b = [Int](repeating: 0, count: y.rank), a = b
                    b[axis] = before; a[axis] = after
                    y = y.padded(before: b, after: a)
                }
                y = y.slice(axis: axis, start: begin[i] + before, end: begin[i] + before + outSize[i])
            }
            if let bias = c.optionalInput(2) {
                let channels = w.shape[1] * groups
                guard bias.shape == [channels] else { throw c.invalidInput(2, "bias must have shape [\(channels)], got \(bias.shape)") }
                y = y + bias.reshaped([1, channels] + [Int](repeating: 1, count: n))
            }
            return [y]
        },
        "MaxPool": { c in
            let x = try c.input(0)
            guard c.node.output.count < 2 || c.node.output[1].isEmpty else { throw c.unsupported("the Indices output of MaxPool") }
            let g = try Geometry(c, x: x, kernel: try poolKernel(c, x))
            guard g.dilations.allSatisfy({ $0 == 1 }) else { throw c.unsupported("dilated pooling") }
            let ceilMode = try c.int("ceil_mode", default: 0) == 1
            let source = x.dtype == .float32 || x.dtype == .float64 ? x : x.cast(to: .float32)
            let padded = g.paddedForPooling(g.to2d(source), ceil: ceilMode, value: -.infinity)
            let y = maxPool2d(padded, kernelSize: g.pair(g.kernel), stride: g.pair(g.strides))
            return [g.from2d(y).cast(to: x.dtype)]
        },
        "AveragePool": { c in
            let x = try c.input(0)
            let g = try Geometry(c, x: x, kernel: try poolKernel(c, x))
            guard g.dilations.allSatisfy({ $0 == 1 }) else { throw c.unsupported("dilated pooling") }
            guard x.dtype.isFloatingPoint else { throw c.unsupported("AveragePool on \(x.dtype) tensors") }
            let ceilMode = try c.int("ceil_mode", default: 0) == 1
            let includePad = try c.int("count_include_pad", default: 0) == 1
            let x2 = g.to2d(x)
            let sums = avgPool2d(g.paddedForPooling(x2, ceil: ceilMode, value: 0), kernelSize: g.pair(g.kernel), stride: g.pair(g.strides))
            if includePad && !ceilMode { return [g.from2d(sums)] }
            // Divide by the number of counted cells: real ones, plus the explicit padding when it counts.
            let ones = Tensor.ones([1, 1] + Array(x2.shape.dropFirst(2)), dtype: x.dtype)
            let counted = includePad ? g.paddedForPooling(ones, ceil: false, value: 1) : ones
            let countGeometry = includePad ? g.withoutPads() : g
            let counts = avgPool2d(countGeometry.paddedForPooling(counted, ceil: ceilMode, value: 0),
                                   kernelSize: g.pair(g.kernel), stride: g.pair(g.strides))
            return [g.from2d(sums / counts)]
        },
        "GlobalAveragePool": { c in
            let x = try c.input(0)
            guard x.rank >= 3 else { throw c.invalidInput(0, "expected [N, C, ...], got \(x.shape)") }
            return [x.mean(alongAxes: Array(2..<x.rank), keepingDims: true)]
        },
        "GlobalMaxPool": { c in
            let x = try c.input(0)
            guard x.rank >= 3 else { throw c.invalidInput(0, "expected [N, C, ...], got \(x.shape)") }
            return [x.max(alongAxes: Array(2..<x.rank), keepingDims: true)]
        },
    ]

    static func poolKernel(_ c: NodeContext, _ x: Tensor) throws -> [Int] {
        guard let kernel = try c.ints("kernel_shape"), kernel.count == x.rank - 2, kernel.allSatisfy({ $0 > 0 }) else {
            throw c.invalidAttribute("kernel_shape", "must list one positive size per spatial axis of \(x.shape)")
        }
        return kernel
    }
}

/// The spatial attributes shared by convolution and pooling, resolved against an input (explicit
/// begin/end pads after auto_pad), and the 1-d ↔ 2-d reshaping.
struct Geometry {
    var spatial: [Int], kernel: [Int], strides: [Int], dilations: [Int], begin: [Int], end: [Int]

    init(_ c: NodeContext, x: Tensor, kernel: [Int], transposed: Bool = false) throws {
        let n = x.rank - 2
        guard n == 1 || n == 2 else { throw c.unsupported("\(n)-d spatial input \(x.shape) (1-d and 2-d are supported)") }
        guard kernel.count == n else { throw c.invalidInput(1, "kernel \(kernel) does not fit input \(x.shape)") }
        if let declared = try c.ints("kernel_shape"), declared != kernel {
            throw c.invalidAttribute("kernel_shape", "\(declared) differs from the weight's \(kernel)")
        }
        spatial = Array(x.shape.dropFirst(2))
        self.kernel = kernel
        strides = try c.ints("strides") ?? [Int](repeating: 1, count: n)
        dilations = try c.ints("dilations") ?? [Int](repeating: 1, count: n)
        guard strides.count == n, strides.allSatisfy({ $0 > 0 }) else { throw c.invalidAttribute("strides", "needs \(n) positive values") }
        guard dilations.count == n, dilations.allSatisfy({ $0 > 0 }) else { throw c.invalidAttribute("dilations", "needs \(n) positive values") }
        let pads = try c.ints("pads") ?? [Int](repeating: 0, count: 2 * n)
        guard pads.count == 2 * n, pads.allSatisfy({ $0 >= 0 }) else { throw c.invalidAttribute("pads", "needs \(2 * n) non-negative values") }
        begin = Array(pads[..<n]); end = Array(pads[n...])
        let autoPad = try c.string("auto_pad", default: "NOTSET")
        switch autoPad {
        case "NOTSET", "": break
        case "VALID": begin = [Int](repeating: 0, count: n); end = begin
        case "SAME_UPPER", "SAME_LOWER":
            guard !transposed else { break }
            for i in 0..<n {
                let out = (spatial[i] + strides[i] - 1) / strides[i]
                let total = Swift.max((out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - spatial[i], 0)
                begin[i] = autoPad == "SAME_LOWER" ? total - total / 2 : total / 2
                end[i] = total - begin[i]
            }
        default: throw c.invalidAttribute("auto_pad", "unknown value \(autoPad)")
        }
    }

    func withoutPads() -> Geometry {
        var g = self
        g.spatial = (0..<spatial.count).map { spatial[$0] + begin[$0] + end[$0] }
        g.begin = begin.map { _ in 0 }; g.end = g.begin
        return g
    }

    /// Output sizes (floor or ceil mode).
    func outputSize(ceil: Bool) -> [Int] {
        (0..<spatial.count).map { i in
            let span = spatial[i] + begin[i] + end[i] - ((kernel[i] - 1) * dilations[i] + 1)
            guard span >= 0 else { return 0 }
            var out = (ceil ? (span + strides[i] - 1) / strides[i] : span / strides[i]) + 1
            // A window may not start inside the end padding.
            if ceil && (out - 1) * strides[i] >= spatial[i] + begin[i] { out -= 1 }
            return out
        }
    }

    var begin2d: [Int] { spatial.count == 1 ? [0] + begin : begin }
    var end2d: [Int] { spatial.count == 1 ? [0] + end : end }

    /// Pads a 2-d-form input with `value`, adding what ceil mode needs at the end.
    func paddedForPooling(_ x: Tensor, ceil: Bool, value: Double) -> Tensor {
        let out = outputSize(ceil: ceil)
        var after = end
        for i in 0..<spatial.count {
            after[i] = Swift.max(end[i], (out[i] - 1) * strides[i] + kernel[i] - spatial[i] - begin[i])
        }
        let b = spatial.count == 1 ? [0] + begin : begin, a = spatial.count == 1 ? [0] + after : after
        return x.padded(before: [0, 0] + b, after: [0, 0] + a, value: value)
    }

    func pair(_ v: [Int]) -> (Int, Int) { v.count == 1 ? (1, v[0]) : (v[0], v[1]) }
    func to2d(_ t: Tensor) -> Tensor { spatial.count == 1 ? t.unsqueezed(axis: 2) : t }
    func from2d(_ t: Tensor) -> Tensor { spatial.count == 1 ? t.squeezed(axis: 2) : t }
}
