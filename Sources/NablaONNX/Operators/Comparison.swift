import Nabla

/// Comparisons, logical and bitwise operators.
extension ONNXOperators {
    static let comparison: [String: ONNXKernel] = [
        "Equal": binary { $0 .== $1 },
        "Less": binary { $0 .< $1 },
        "Greater": binary { $0 .> $1 },
        "LessOrEqual": binary { $0 .<= $1 },
        "GreaterOrEqual": binary { $0 .>= $1 },
        "And": binary { $0 .&& $1 },
        "Or": binary { $0 .|| $1 },
        "Xor": binary { $0.cast(to: .bool) .!= $1.cast(to: .bool) },
        "Not": unary { $0.logicalNot() },
        "BitwiseNot": unary { x in
            x.dtype == .uint8 ? x.mapIntegers { Int64(~UInt8(truncatingIfNeeded: $0)) } : x.mapIntegers { ~$0 }
        },
        "BitwiseAnd": bitwise { $0 & $1 },
        "BitwiseOr": bitwise { $0 | $1 },
        "BitwiseXor": bitwise { $0 ^ $1 },
        "BitShift": { c in
            let left = try c.string("direction") == "LEFT"
            let a = try c.input(0), b = try c.input(1)
            let shape = try c.broadcastShape([a.shape, b.shape])
            let x = a.expanded(to: shape).toArray(as: Int64.self), s = b.expanded(to: shape).toArray(as: Int64.self)
            let bits = Int64(a.dtype.byteSize * 8)
            let mask: Int64 = bits >= 64 ? -1 : (1 << bits) - 1
            let signed = a.dtype != .uint8 && a.dtype != .bool
            let y = zip(x, s).map { v, n -> Int64 in
                if signed && !left {
                    // Arithmetic shift: the sign fills in; shifts past the width leave 0 or -1.
                    guard n >= 0 && n < bits else { return v < 0 ? -1 : 0 }
                    return v >> n
                }
                let u = UInt64(bitPattern: v) & UInt64(bitPattern: mask)
                guard n >= 0 && n < bits else { return 0 }
                return Int64(bitPattern: (left ? u << UInt64(n) : u >> UInt64(n)) & UInt64(bitPattern: mask))
            }
            return [Tensor(shape: shape, scalars: y).cast(to: a.dtype)]
        },
    ]

    static func bitwise(_ f: @escaping @Sendable (Int64, Int64) -> Int64) -> ONNXKernel {
        { c in
            let a = try c.input(0), b = try c.input(1)
            let shape = try c.broadcastShape([a.shape, b.shape])
            let x = a.expanded(to: shape).toArray(as: Int64.self), y = b.expanded(to: shape).toArray(as: Int64.self)
            return [Tensor(shape: shape, scalars: zip(x, y).map(f)).cast(to: a.dtype)]
        }
    }
}
