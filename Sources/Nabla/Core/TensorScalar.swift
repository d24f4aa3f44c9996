/// A Swift type that can be a tensor element: `Bool`, `UInt8`, `Int8`, `Int32`, `Int64`, `Float16`,
/// `BFloat16`, `Float`, `Double` (and `Int`, stored as int64).
public protocol TensorScalar: Sendable {
    /// The dtype that stores this type.
    static var dtype: DType { get }
    /// Converts from a double (floats round to nearest; integers truncate toward zero, saturating).
    init(nablaDouble: Double)
    /// Converts from an int64 (wrapping for narrower integers, rounding for floats).
    init(nablaInt64: Int64)
    /// The value as a double.
    var nablaDouble: Double { get }
    /// The value as an int64 (floats truncate toward zero).
    var nablaInt64: Int64 { get }
}

/// Float-to-integer conversion that truncates toward zero and saturates instead of trapping (NaN gives 0).
@inline(__always)
func saturatingInt64(_ value: Double) -> Int64 {
    if value.isNaN { return 0 }
    if value >= 9.2233720368547758e18 { return .max }
    if value <= -9.2233720368547758e18 { return .min }
    return Int64(value)
}

extension Bool: TensorScalar {
    public static var dtype: DType { .bool }
    public init(nablaDouble: Double) { self = nablaDouble != 0 }
    public init(nablaInt64: Int64) { self = nablaInt64 != 0 }
    public var nablaDouble: Double { self ? 1 : 0 }
    public var nablaInt64: Int64 { self ? 1 : 0 }
}

extension UInt8: TensorScalar {
    public static var dtype: DType { .uint8 }
    public init(nablaDouble: Double) { self = UInt8(truncatingIfNeeded: saturatingInt64(nablaDouble)) }
    public init(nablaInt64: Int64) { self = UInt8(truncatingIfNeeded: nablaInt64) }
    public var nablaDouble: Double { Double(self) }
    public var nablaInt64: Int64 { Int64(self) }
}

extension Int8: TensorScalar {
    public static var dtype: DType { .int8 }
    public init(nablaDouble: Double) { self = Int8(truncatingIfNeeded: saturatingInt64(nablaDouble)) }
    public init(nablaInt64: Int64) { self = Int8(truncatingIfNeeded: nablaInt64) }
    public var nablaDouble: Double { Double(self) }
    public var nablaInt64: Int64 { Int64(self) }
}

extension Int32: TensorScalar {
    public static var dtype: DType { .int32 }
    public init(nablaDouble: Double) { self = Int32(truncatingIfNeeded: saturatingInt64(nablaDouble)) }
    public init(nablaInt64: Int64) { self = Int32(truncatingIfNeeded: nablaInt64) }
    public var nablaDouble: Double { Double(self) }
    public var nablaInt64: Int64 { Int64(self) }
}

extension Int64: TensorScalar {
    public static var dtype: DType { .int64 }
    public init(nablaDouble: Double) { self = saturatingInt64(nablaDouble) }
    public init(nablaInt64: Int64) { self = nablaInt64 }
    public var nablaDouble: Double { Double(self) }
    public var nablaInt64: Int64 { self }
}

extension Int: TensorScalar {
    public static var dtype: DType { .int64 }
    public init(nablaDouble: Double) { self = Int(saturatingInt64(nablaDouble)) }
    public init(nablaInt64: Int64) { self = Int(nablaInt64) }
    public var nablaDouble: Double { Double(self) }
    public var nablaInt64: Int64 { Int64(self) }
}

extension Float16: TensorScalar {
    public static var dtype: DType { .float16 }
    // Through Float, as PyTorch converts double -> float -> half.
    public init(nablaDouble: Double) { self = Float16(Float(nablaDouble)) }
    public init(nablaInt64: Int64) { self = Float16(Float(nablaInt64)) }
    public var nablaDouble: Double { Double(self) }
    public var nablaInt64: Int64 { saturatingInt64(Double(self)) }
}

extension BFloat16: TensorScalar {
    public static var dtype: DType { .bfloat16 }
    public init(nablaDouble: Double) { self.init(Float(nablaDouble)) }
    public init(nablaInt64: Int64) { self.init(Float(nablaInt64)) }
    public var nablaDouble: Double { Double(floatValue) }
    public var nablaInt64: Int64 { saturatingInt64(Double(floatValue)) }
}

extension Float: TensorScalar {
    public static var dtype: DType { .float32 }
    public init(nablaDouble: Double) { self = Float(nablaDouble) }
    public init(nablaInt64: Int64) { self = Float(nablaInt64) }
    public var nablaDouble: Double { Double(self) }
    public var nablaInt64: Int64 { saturatingInt64(Double(self)) }
}

extension Double: TensorScalar {
    public static var dtype: DType { .float64 }
    public init(nablaDouble: Double) { self = nablaDouble }
    public init(nablaInt64: Int64) { self = Double(nablaInt64) }
    public var nablaDouble: Double { self }
    public var nablaInt64: Int64 { saturatingInt64(self) }
}
