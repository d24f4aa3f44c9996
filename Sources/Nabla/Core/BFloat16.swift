/// The bfloat16 format (1 sign, 8 exponent, 7 mantissa bits): the top half of a `Float`.
///
/// Stored as its bit pattern; arithmetic is done in `Float` and rounded back with
/// round-to-nearest-even, as PyTorch does.
public struct BFloat16: Sendable, Hashable {
    /// The raw bits.
    public var bitPattern: UInt16

    /// Wraps raw bits.
    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }

    /// Rounds a `Float` to the nearest bfloat16 (ties to even); NaN stays NaN.
    @inline(__always)
    public init(_ value: Float) {
        let bits = value.bitPattern
        if value.isNaN {
            bitPattern = UInt16(truncatingIfNeeded: (bits >> 16) | 0x40)
            return
        }
        let roundingBias: UInt32 = 0x7FFF + ((bits >> 16) & 1)
        bitPattern = UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
    }

    /// The exact `Float` value.
    @inline(__always)
    public var floatValue: Float { Float(bitPattern: UInt32(bitPattern) << 16) }
}
