/// Philox 4x32-10, the counter-based generator of Salmon et al. (2011) that PyTorch and JAX use.
///
/// Each (key, counter) pair maps to four independent 32-bit words, so any element of a random
/// tensor can be computed on its own: kernels fill tensors in parallel and results are identical
/// for the same seed whatever the thread count.
enum Philox {
    private static let multiplier0: UInt32 = 0xD251_1F53
    private static let multiplier1: UInt32 = 0xCD9E_8D57
    private static let weyl0: UInt32 = 0x9E37_79B9
    private static let weyl1: UInt32 = 0xBB67_AE85

    /// The four words for `counter` (128 bits: low, high 64) under `key`.
    @inline(__always)
    static func block(key: UInt64, counter: UInt64, stream: UInt64 = 0) -> (UInt32, UInt32, UInt32, UInt32) {
        var c0 = UInt32(truncatingIfNeeded: counter), c1 = UInt32(truncatingIfNeeded: counter >> 32)
        var c2 = UInt32(truncatingIfNeeded: stream), c3 = UInt32(truncatingIfNeeded: stream >> 32)
        var k0 = UInt32(truncatingIfNeeded: key), k1 = UInt32(truncatingIfNeeded: key >> 32)
        for _ in 0..<10 {
            let p0 = UInt64(multiplier0) * UInt64(c0)
            let p1 = UInt64(multiplier1) * UInt64(c2)
            let hi0 = UInt32(truncatingIfNeeded: p0 >> 32), lo0 = UInt32(truncatingIfNeeded: p0)
            let hi1 = UInt32(truncatingIfNeeded: p1 >> 32), lo1 = UInt32(truncatingIfNeeded: p1)
            (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
            k0 = k0 &+ weyl0
            k1 = k1 &+ weyl1
        }
        return (c0, c1, c2, c3)
    }

    /// A uniform float in [0, 1) from 24 random bits.
    @inline(__always)
    static func unitFloat(_ word: UInt32) -> Float { Float(word >> 8) * (1.0 / 16_777_216.0) }

    /// A uniform double in [0, 1) from 53 random bits.
    @inline(__always)
    static func unitDouble(_ high: UInt32, _ low: UInt32) -> Double {
        Double((UInt64(high) << 21) ^ (UInt64(low) >> 11)) * (1.0 / 9_007_199_254_740_992.0)
    }
}
