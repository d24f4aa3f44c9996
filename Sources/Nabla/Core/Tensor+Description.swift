/// Printing like PyTorch: `tensor([[1.0000, 2.0000], …], shape: [2, 2], dtype: float32)`, with
/// long axes summarised by `...`.
extension Tensor: CustomStringConvertible, CustomDebugStringConvertible {
    /// Elements printed in full when the tensor has at most this many (PyTorch's threshold).
    static let summaryThreshold = 1000
    /// Elements shown at each end of a summarised axis.
    static let edgeItems = 3

    public var description: String {
        let values = scalars
        let isFloat = dtype.isFloatingPoint
        let summarise = count > Tensor.summaryThreshold
        let shownValues = values.filter(\.isFinite)
        let useScientific = isFloat && !shownValues.isEmpty
            && (shownValues.map(Swift.abs).max()! >= 1e8 || shownValues.filter { $0 != 0 }.map(Swift.abs).min().map { $0 < 1e-4 } == true)
        func format(_ v: Double) -> String {
            if dtype == .bool { return v != 0 ? "True" : "False" }
            if !isFloat { return String(Int64(v)) }
            if v.isNaN { return "nan" }
            if v.isInfinite { return v > 0 ? "inf" : "-inf" }
            if useScientific { return formatScientific(v) }
            return formatFixed(v, decimals: 4)
        }
        func render(_ dim: Int, _ offset: Int, _ indent: String) -> String {
            if rank == 0 { return format(values[0]) }
            let n = shape[dim]
            let stride = shape[(dim + 1)...].reduce(1, *)
            var indices = Array(0..<n)
            var gapAfter: Int? = nil
            if summarise && n > 2 * Tensor.edgeItems {
                indices = Array(0..<Tensor.edgeItems) + Array((n - Tensor.edgeItems)..<n)
                gapAfter = Tensor.edgeItems - 1
            }
            var parts: [String] = []
            for (k, i) in indices.enumerated() {
                parts.append(dim == rank - 1 ? format(values[offset + i]) : render(dim + 1, offset + i * stride, indent + " "))
                if k == gapAfter { parts.append("...") }
            }
            let separator = dim == rank - 1 ? ", " : ",\n" + String(repeating: "\n", count: Swift.max(0, rank - dim - 2)) + indent + " "
            return "[" + parts.joined(separator: separator) + "]"
        }
        return "tensor(" + render(0, 0, "       ") + ", shape: \(shape), dtype: \(dtype))"
    }

    public var debugDescription: String {
        "Tensor(shape: \(shape), strides: \(strides), offset: \(layout.offset), dtype: \(dtype), device: \(device), requiresGrad: \(requiresGrad))"
    }
}

/// `v` with exactly `decimals` digits after the point.
func formatFixed(_ v: Double, decimals: Int) -> String {
    let scale = (0..<decimals).reduce(1.0) { r, _ in r * 10 }
    let rounded = (Swift.abs(v) * scale).rounded()
    let whole = Int64(rounded / scale)
    let frac = Int64(rounded) - whole * Int64(scale)
    var fracString = String(frac)
    fracString = String(repeating: "0", count: Swift.max(0, decimals - fracString.count)) + fracString
    return (v < 0 && rounded != 0 ? "-" : "") + "\(whole).\(fracString)"
}

/// `v` as `d.dddde±XX`.
func formatScientific(_ v: Double) -> String {
    if v == 0 { return "0.0000e+00" }
    var exponent = Int(Swift.abs(v).log10Floor)
    var mantissa = v / pow10(exponent)
    if Swift.abs((mantissa * 10000).rounded()) >= 100000 { exponent += 1; mantissa = v / pow10(exponent) }
    let sign = exponent < 0 ? "-" : "+"
    let e = Swift.abs(exponent)
    return formatFixed(mantissa, decimals: 4) + "e" + sign + (e < 10 ? "0" : "") + String(e)
}

private func pow10(_ e: Int) -> Double {
    var r = 1.0
    for _ in 0..<Swift.abs(e) { r *= 10 }
    return e < 0 ? 1 / r : r
}

private extension Double {
    var log10Floor: Double {
        var e = 0.0, x = self
        while x >= 10 { x /= 10; e += 1 }
        while x < 1 { x *= 10; e -= 1 }
        return e
    }
}
