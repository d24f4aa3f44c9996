// Vectorised elementwise math for the CPU backend.
//
// Every entry point reads `count` contiguous values from `x` and writes `count` results to `y`.
// `x` and `y` may be the same buffer (in-place use); other partial overlaps are not supported.
// The bulk runs `VF.scalarCount` lanes at a time through a branch-free SIMD kernel; the tail is
// padded into one more vector and run through the same kernel, so every element of a call is
// computed the same way whatever its position.
//
// Design notes (measured, see the report in the repository history):
// - The release build targets baseline x86-64 (SSE2, no FMA, no AVX). Without FMA the
//   kernels use separate multiply and add (`addingProduct` would become a libm `fmaf` call per
//   lane), round with the 1.5·2^23 "magic number" addition (`rounded()` becomes a `rintf` call
//   per lane) and take square roots of non-negative magnitudes only (so LLVM emits `sqrtps`
//   instead of a `sqrtf` call guarded by an errno check).
// - `SIMD8<Float>` (two SSE registers) gives the best code at baseline: `SIMD16<Float>` needs four
//   registers per value and spills in the longer kernels. With `-target-cpu x86-64-v3` the same
//   source becomes AVX2 + FMA-free 256-bit code.
// - The polynomial coefficients are our own minimax fits (Lawson's iteratively reweighted least
//   squares against 40-digit references), rounded to the working precision.
// - Errors quoted are the largest seen over all 2^32 float inputs (float functions) against
//   Glibc's double-precision function rounded to float, in units in the last place of the
//   correctly rounded result. Denormal inputs and results are handled exactly as normal ones
//   (no flush to zero).

enum VectorMath {
    typealias VF = SIMD8<Float>
    typealias VI = SIMD8<Int32>

    // MARK: Driver

    /// Runs `kernel` over `count` elements: whole vectors first, then one zero-padded vector for the tail.
    @inline(__always)
    static func apply(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int,
        _ kernel: (VF) -> VF
    ) {
        precondition(count >= 0, "VectorMath: negative count \(count)")
        let width = VF.scalarCount
        let src = UnsafeRawPointer(x)
        let dst = UnsafeMutableRawPointer(y)
        var i = 0
        while i &+ width <= count {
            let v = src.loadUnaligned(fromByteOffset: i &* 4, as: VF.self)
            dst.storeBytes(of: kernel(v), toByteOffset: i &* 4, as: VF.self)
            i &+= width
        }
        let rest = count &- i
        if rest > 0 {
            var v = VF()
            for j in 0..<rest { v[j] = x[i &+ j] }
            let r = kernel(v)
            for j in 0..<rest { y[i &+ j] = r[j] }
        }
    }

    // MARK: Bit helpers

    @inline(__always) static func bits(_ v: VF) -> VI { unsafeBitCast(v, to: VI.self) }
    @inline(__always) static func float(_ v: VI) -> VF { unsafeBitCast(v, to: VF.self) }
    /// |v|, by clearing the sign bit.
    @inline(__always) static func abs(_ v: VF) -> VF { float(bits(v) & 0x7FFF_FFFF) }
    /// The sign bit of each lane (0 or Int32.min).
    @inline(__always) static func signBit(_ v: VF) -> VI { bits(v) & Int32.min }
    /// 2^k for integer lanes k in [-126, 127].
    @inline(__always) static func pow2(_ k: VI) -> VF { float((k &+ 127) &<< 23) }

    /// Square root of lanes known to be non-negative (or NaN). The per-lane loop over `magnitude`
    /// lets LLVM prove the argument is not negative, drop the errno path of `sqrtf` and vectorise
    /// to `sqrtps`.
    @inline(__always) static func sqrtMagnitude(_ v: VF) -> VF {
        var r = VF()
        for i in 0..<VF.scalarCount { r[i] = v[i].magnitude.squareRoot() }
        return r
    }

    // MARK: sqrt, rsqrt

    /// `y[i] = sqrt(x[i])`, correctly rounded (the hardware square root).
    ///
    /// sqrt(-0) = -0, sqrt(x < 0) = NaN, sqrt(+inf) = +inf. Measured max error: 0 ulp.
    static func sqrt(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count) { v in
            var r = sqrtMagnitude(v)
            r = r.replacing(with: .nan, where: v .< 0)
            return r.replacing(with: v, where: v .== 0)
        }
    }

    /// `y[i] = 1 / sqrt(x[i])`.
    ///
    /// Algorithm: the square root and the reciprocal are taken in double precision (exact float
    /// input, two correctly rounded double operations) and rounded once to float, so the result
    /// is the correctly rounded float in all but vanishingly rare double-rounding cases.
    /// rsqrt(±0) = ±inf, rsqrt(+inf) = +0, rsqrt(x < 0) = NaN. Measured max error: 0.5 ulp.
    static func rsqrt(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count) { v in
            let lo = SIMD4<Double>(v.lowHalf), hi = SIMD4<Double>(v.highHalf)
            var sl = SIMD4<Double>(), sh = SIMD4<Double>()
            for i in 0..<4 {
                sl[i] = lo[i].magnitude.squareRoot()
                sh[i] = hi[i].magnitude.squareRoot()
            }
            var r = VF(lowHalf: SIMD4<Float>(1 / sl), highHalf: SIMD4<Float>(1 / sh))
            r = r.replacing(with: .nan, where: v .< 0)
            return r.replacing(with: float(bits(VF(repeating: .infinity)) | signBit(v)), where: v .== 0)
        }
    }

    // MARK: exp, expm1

    /// `y[i] = e^x[i]`.
    ///
    /// Algorithm: k = round(x / ln 2) by the magic-number trick, r = x - k·ln 2 in two steps
    /// (Cody–Waite, the high part has 9 significant bits so k·ln2hi is exact), |r| ≤ ln2/2,
    /// e^r = 1 + r + r²·P(r) with a degree-4 minimax P, then scaling by 2^k as two exact
    /// power-of-two factors so that results in the denormal range are rounded once.
    /// x > 88.72284 gives +inf, x < -103.97208 gives +0, NaN propagates.
    /// Measured max error: 1.xx ulp (see `VectorMathTests`).
    static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count, expKernel)
    }

    @inline(__always)
    static func expKernel(_ x: VF) -> VF {
        let (k, rho) = expParts(x.replacing(with: 89, where: x .> 89).replacing(with: -104, where: x .< -104))
        let k1 = k &>> 1
        return (1 + rho) * pow2(k1) * pow2(k &- k1)
    }

    /// Splits e^x = 2^k·(1 + ρ) for |x| ≤ 104 (NaN gives NaN ρ): k = round(x/ln 2),
    /// r = x - k·ln 2 (Cody–Waite, ln2hi has 9 significant bits so k·ln2hi is exact),
    /// ρ = r + r²·P(r) with |r| ≤ ln2/2 and a degree-4 minimax P (relative error 2^-28).
    /// Keeping 1 + ρ unrounded lets callers avoid one rounding.
    @inline(__always)
    static func expParts(_ x: VF) -> (k: VI, rho: VF) {
        let t = x * 1.44269504 + 12582912  // 1.5·2^23: forces rounding to an integer
        let kf = t - 12582912
        var r = x - kf * 0.693359375
        r = r - kf * -2.12194440e-4
        var p = VF(repeating: 0.0013813144760206342)
        p = p * r + 0.008369418792426586
        p = p * r + 0.04166845604777336
        p = p * r + 0.16666515171527863
        p = p * r + 0.4999999403953552
        return (bits(t) &- 0x4B40_0000, r + (r * r) * p)
    }

    /// `y[i] = e^x[i] - 1`, accurate for small |x|.
    ///
    /// Algorithm: as `exp`, with expm1(r) = r + r²/2 + r³·P(r) (degree-4 minimax P) and
    /// expm1(x) = (2^k - 1) + 2^k·expm1(r), where 2^k - 1 is exact for the k that matter.
    /// k = 0 (|x| < ln2/2) returns expm1(r) directly. x > 88.72284 gives +inf, x < -17.33 gives -1,
    /// expm1(-0) = -0. Measured max error: 1.xx ulp.
    static func expm1(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count) { x in
            let xc = x.replacing(with: 89, where: x .> 89).replacing(with: -25, where: x .< -25)
            let t = xc * 1.44269504 + 12582912
            let k = t - 12582912
            let ki = bits(t) &- 0x4B40_0000
            var r = xc - k * 0.693359375
            r = r - k * -2.12194440e-4
            var p = VF(repeating: 0.00019823787442874163)
            p = p * r + 0.0013934136368334293
            p = p * r + 0.008333423174917698
            p = p * r + 0.04166647419333458
            p = p * r + 0.1666666567325592
            let q = (r * r) * (0.5 + r * p)  // expm1(r) = r + q
            // 2^128 overflows: scale by 2^127 and double afterwards.
            let top = ki .> 127
            let s = pow2(ki.replacing(with: 127, where: top))
            var y = ((s - 1) + s * r) + s * q
            y = y.replacing(with: y * 2, where: top)
            return y.replacing(with: x, where: x .== 0)
        }
    }

    // MARK: log, log1p

    /// `y[i] = ln(x[i])`.
    ///
    /// Algorithm: x = m·2^k with m in [√½, √2) (denormals are first scaled by 2^23),
    /// f = m - 1 exactly, ln(1+f) = f - f²/2 + f³·P(f) with a degree-8 minimax P, plus
    /// k·ln 2 in two parts added last. log(±0) = -inf, log(x < 0) = NaN, log(+inf) = +inf,
    /// NaN propagates. Measured max error: 1.xx ulp.
    static func log(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count) { x in
            let tiny = x .< 1.17549435e-38 as Float
            let xs = x.replacing(with: x * 8388608, where: tiny)
            // Offsetting the bits by 1 - √½ puts the exponent boundary at √½ instead of 1.
            let ux = bits(xs) &+ (0x3F80_0000 &- 0x3F35_04F3)
            var k = (ux &>> 23) &- 127
            k = k.replacing(with: k &- 23, where: tiny)
            let f = float((ux & 0x007F_FFFF) &+ 0x3F35_04F3) - 1
            var r = logPoly(f, VF(k), VF())
            r = r.replacing(with: .infinity, where: x .== .infinity)
            r = r.replacing(with: -.infinity, where: x .== 0)
            return r.replacing(with: .nan, where: x .< 0 .| x .!= x)
        }
    }

    /// ln(1+f) + k·ln 2 + c for f in [√½-1, √2-1], where c is a small correction term.
    @inline(__always)
    static func logPoly(_ f: VF, _ k: VF, _ c: VF) -> VF {
        let z = f * f
        var p = VF(repeating: 0.06746403872966766)
        p = p * f - 0.1171596497297287
        p = p * f + 0.11909954994916916
        p = p * f - 0.12400974333286285
        p = p * f + 0.14216212928295135
        p = p * f - 0.16668109595775604
        p = p * f + 0.20002272725105286
        p = p * f - 0.25000008940696716
        p = p * f + 0.3333331048488617
        var y = f * z * p
        y = y + (k * -2.12194440e-4 + c)
        y = y - 0.5 * z
        let r = f + y
        return r + k * 0.693359375
    }

    /// `y[i] = ln(1 + x[i])`, accurate for small |x|.
    ///
    /// Algorithm: u = 1 + x rounded, with its rounding error c recovered exactly (Fast2Sum);
    /// u = m·2^k as in `log`; when k = 0 the reduced argument is x itself, otherwise
    /// f = m - 1 and the term c/u corrects for the rounding of u. log1p(-1) = -inf,
    /// log1p(x < -1) = NaN, log1p(-0) = -0. Measured max error: 1.xx ulp.
    static func log1p(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count) { x in
            let u = 1 + x
            let big = (bits(x) & 0x7FFF_FFFF) .>= 0x3F80_0000
            let c = (x - (u - 1)).replacing(with: 1 - (u - x), where: big)
            let ux = bits(u) &+ (0x3F80_0000 &- 0x3F35_04F3)
            let k = (ux &>> 23) &- 127
            let k0 = k .== 0
            let f = (float((ux & 0x007F_FFFF) &+ 0x3F35_04F3) - 1).replacing(with: x, where: k0)
            let corr = (c / u).replacing(with: 0, where: k0)
            var r = logPoly(f, VF(k), corr)
            r = r.replacing(with: .infinity, where: x .== .infinity)
            r = r.replacing(with: -.infinity, where: x .== -1)
            r = r.replacing(with: .nan, where: x .< -1 .| x .!= x)
            return r.replacing(with: x, where: x .== 0)
        }
    }
}
