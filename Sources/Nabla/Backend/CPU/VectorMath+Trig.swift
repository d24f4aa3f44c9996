// sin and cos for the CPU backend (see VectorMath.swift for the conventions).

extension VectorMath {

    /// `y[i] = sin(x[i])` (radians).
    ///
    /// Algorithm: the float input is widened to double; j = round(x·2/π) and
    /// r = x - j·π/2 with π/2 in three parts (30 + 30 + 53 bits, exact products for |j| < 2^23),
    /// then sin/cos of r (|r| ≤ π/4) by minimax polynomials in r² and the quadrant j mod 4
    /// picks and signs the result, rounded once to float. Lanes with |x| ≥ 2^23 take a scalar
    /// Payne–Hanek reduction (x·2/π computed exactly modulo 4 from 96 bits of 2/π), so huge
    /// arguments are reduced correctly too. sin(±inf) = NaN, sin(-0) = -0.
    /// Measured max error: 0.50 ulp (correctly rounded but for about 1 input in 10^5).
    static func sin(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count, sinKernel)
    }

    @inline(__always) static func sinKernel(_ x: VF) -> VF { trigKernel(x, quadrantOffset: 0) }

    /// `y[i] = cos(x[i])` (radians). Same algorithm as `sin`, one quadrant on.
    /// cos(±inf) = NaN. Measured max error: 0.50 ulp.
    static func cos(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count, cosKernel)
    }

    @inline(__always) static func cosKernel(_ x: VF) -> VF { trigKernel(x, quadrantOffset: 1) }

    @inline(__always)
    static func trigKernel(_ x: VF, quadrantOffset: Int64) -> VF {
        let r: VF
        if any(abs(x) .>= 8388608) {
            r = trigSlow(x, quadrantOffset: quadrantOffset)
        } else {
            let lo = trigHalf(VD(x.lowHalf), quadrantOffset: quadrantOffset)
            let hi = trigHalf(VD(x.highHalf), quadrantOffset: quadrantOffset)
            r = VF(lowHalf: VH(lo), highHalf: VH(hi))
        }
        // sin(-0) = -0: the reduction turns -0 into +0 (-0 - (-0) = +0).
        return quadrantOffset == 0 ? r.replacing(with: x, where: x .== 0) : r
    }

    /// Cody–Waite reduction in double for |x| < 2^23, then evaluation.
    @inline(__always)
    static func trigHalf(_ x: VD, quadrantOffset: Int64) -> VD {
        let t = x * 0.6366197723675814 + 6755399441055744.0  // 1.5·2^52
        let j = t - 6755399441055744.0
        let q = unsafeBitCast(t, to: VL.self)
        var r = x - j * 1.5707963276654482
        r = r - j * -8.705515692000731e-10
        r = r - j * -3.50343439808993e-19
        return trigEval(r, q &+ quadrantOffset)
    }

    /// sin(r + q·π/2) for |r| ≤ π/4 (slightly more is fine) and integer lanes q (any range).
    @inline(__always)
    static func trigEval(_ r: VD, _ q: VL) -> VD {
        let z = r * r
        var s = VD(repeating: 2.7180465413306967e-06)
        s = s * z - 0.0001983930442391415
        s = s * z + 0.0083333292805557
        s = s * z - 0.1666666664058851
        s = r + r * z * s
        var c = VD(repeating: -2.720504688728542e-07)
        c = c * z + 2.4799451556836974e-05
        c = c * z - 0.0013888883467278736
        c = c * z + 0.041666666619107
        c = 1 - 0.5 * z + (z * z) * c
        // Odd quadrants take the cosine; quadrants 2 and 3 flip the sign. All SSE2 integer ops.
        let swap = 0 &- (q & 1)
        let sb = unsafeBitCast(s, to: VL.self), cb = unsafeBitCast(c, to: VL.self)
        let v = (cb & swap) | (sb & ~swap)
        return unsafeBitCast(v ^ ((q & 2) &<< 62), to: VD.self)
    }

    /// Lane-by-lane reduction for vectors holding at least one |x| ≥ 2^23 (or ±inf).
    @inline(never)
    static func trigSlow(_ x: VF, quadrantOffset: Int64) -> VF {
        var out = VF()
        for half in 0..<2 {
            var r = VD(), q = VL()
            for i in 0..<VD.scalarCount {
                let v = x[half &* VD.scalarCount &+ i]
                if !v.isFinite {
                    r[i] = .nan
                } else if v.magnitude < 8388608 {
                    let d = Double(v)
                    let j = (d * 0.6366197723675814).rounded(.toNearestOrEven)
                    var rr = d - j * 1.5707963276654482
                    rr = rr - j * -8.705515692000731e-10
                    r[i] = rr - j * -3.50343439808993e-19
                    q[i] = Int64(j)
                } else {
                    (q[i], r[i]) = payneHanek(v)
                }
            }
            let y = VH(trigEval(r, q &+ quadrantOffset))
            for i in 0..<VD.scalarCount { out[half &* VD.scalarCount &+ i] = y[i] }
        }
        return out
    }

    /// Bits of 2/π, 32 to a word, after one zero word: bit index i of the fraction
    /// (2/π = Σ g_i·2^-i, i ≥ 1) sits at bit position i + 31 counted from the top of word 0.
    static let twoOverPiBits: [UInt32] = [
        0x0000_0000, 0xA2F9_836E, 0x4E44_1529, 0xFC27_57D1, 0xF534_DDC0, 0xDB62_9599,
        0x3C43_9041, 0xFE51_63AB, 0xDEBB_C561, 0xB724_6E3A, 0x424D_D2E0,
    ]

    /// Reduces a finite float with |x| ≥ 2^23: returns (q, r) with x = (q + r/(π/2))·π/2 mod 2π,
    /// |r| ≤ π/4 (to about 2^-64 absolute).
    ///
    /// |x| = m·2^s with a 24-bit integer m and s ≥ 0. Bits g_i of 2/π with i ≤ s - 2 only add
    /// multiples of 4 to x·2/π, and bits beyond i = s + 94 add less than 2^-70, so the 96-bit
    /// window W of 2/π starting at i = s - 1 gives x·2/π ≡ m·W·2^-94 (mod 4): the top two bits of
    /// the 96-bit product m·W mod 2^96 are the quadrant and the other 94 the fraction.
    static func payneHanek(_ x: Float) -> (Int64, Double) {
        let b = x.bitPattern & 0x7FFF_FFFF
        let m = UInt64((b & 0x007F_FFFF) | 0x0080_0000)
        let s = Int(b >> 23) - 150
        let p = s + 30  // bit position of g_{s-1} in the table
        let wi = p >> 5, sh = UInt64(p & 31)
        let t = twoOverPiBits
        let w01 = UInt64(t[wi]) << 32 | UInt64(t[wi + 1])
        let w23 = UInt64(t[wi + 2]) << 32 | UInt64(t[wi + 3])
        let top = sh == 0 ? w01 : (w01 << sh) | (w23 >> (64 - sh))
        let w0 = top >> 32, w1 = top & 0xFFFF_FFFF
        let w2 = ((w23 << sh) >> 32) & 0xFFFF_FFFF
        // P = m·(w0·2^64 + w1·2^32 + w2) mod 2^96 in 32-bit limbs l0 (top), l1, l2.
        let p2 = m * w2
        let p1 = m * w1 + (p2 >> 32)
        let p0 = m * w0 + (p1 >> 32)
        let l0 = p0 & 0xFFFF_FFFF, l1 = p1 & 0xFFFF_FFFF, l2 = p2 & 0xFFFF_FFFF
        let u = l0 << 32 | l1
        var q = Int64(u >> 62)
        // The fraction as a signed 64-bit fixed-point number: a fraction ≥ 1/2 becomes f - 1, q + 1.
        let frac = Int64(bitPattern: (u << 2) | (l2 >> 30))
        if frac < 0 { q += 1 }
        var r = Double(frac) * (1.5707963267948966 / 18446744073709551616.0)
        if x < 0 { q = -q; r = -r }
        return (q, r)
    }
}
