import Foundation

/// The floating-point types CPU kernels compute in (`Float`, `Double`), with their scalar math.
/// float16 and bfloat16 are computed in `Float` and rounded back, as PyTorch does.
protocol CPUFloat: BinaryFloatingPoint, TensorScalar {
    static func kExp(_ x: Self) -> Self
    static func kLog(_ x: Self) -> Self
    static func kLog1p(_ x: Self) -> Self
    static func kExpm1(_ x: Self) -> Self
    static func kSin(_ x: Self) -> Self
    static func kCos(_ x: Self) -> Self
    static func kTanh(_ x: Self) -> Self
    static func kErf(_ x: Self) -> Self
    static func kPow(_ x: Self, _ y: Self) -> Self
}

extension Float: CPUFloat {
    @inline(__always) static func kExp(_ x: Float) -> Float { Foundation.exp(x) }
    @inline(__always) static func kLog(_ x: Float) -> Float { Foundation.log(x) }
    @inline(__always) static func kLog1p(_ x: Float) -> Float { Foundation.log1p(x) }
    @inline(__always) static func kExpm1(_ x: Float) -> Float { Foundation.expm1(x) }
    @inline(__always) static func kSin(_ x: Float) -> Float { Foundation.sin(x) }
    @inline(__always) static func kCos(_ x: Float) -> Float { Foundation.cos(x) }
    @inline(__always) static func kTanh(_ x: Float) -> Float { Foundation.tanh(x) }
    @inline(__always) static func kErf(_ x: Float) -> Float { Foundation.erf(x) }
    @inline(__always) static func kPow(_ x: Float, _ y: Float) -> Float { Foundation.pow(x, y) }
}

extension Double: CPUFloat {
    @inline(__always) static func kExp(_ x: Double) -> Double { Foundation.exp(x) }
    @inline(__always) static func kLog(_ x: Double) -> Double { Foundation.log(x) }
    @inline(__always) static func kLog1p(_ x: Double) -> Double { Foundation.log1p(x) }
    @inline(__always) static func kExpm1(_ x: Double) -> Double { Foundation.expm1(x) }
    @inline(__always) static func kSin(_ x: Double) -> Double { Foundation.sin(x) }
    @inline(__always) static func kCos(_ x: Double) -> Double { Foundation.cos(x) }
    @inline(__always) static func kTanh(_ x: Double) -> Double { Foundation.tanh(x) }
    @inline(__always) static func kErf(_ x: Double) -> Double { Foundation.erf(x) }
    @inline(__always) static func kPow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
}

extension DType {
    /// The dtype CPU arithmetic kernels compute in: float16/bfloat16 in float32, narrow integers and
    /// bool in int64 (results are converted back, which matches PyTorch's wrap-around for integers).
    var cpuComputeType: DType {
        switch self {
        case .float32, .float64, .int64: return self
        case .float16, .bfloat16: return .float32
        case .bool, .uint8, .int8, .int32: return .int64
        }
    }
}
