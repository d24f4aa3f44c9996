// Double-precision exp, log, tanh and sigmoid for the CPU backend (see VectorMath.swift for the
// conventions). Same algorithms as the float kernels with longer minimax polynomials; the
// integer parts use only SSE2 64-bit operations (add, sub, logical shifts, and/or).
// Errors quoted are the largest seen against Glibc's long double (Float80) functions over
// 10^7 random inputs spread over the whole domain and its edge regions, in ulps of the exact result.

extension VectorMath {
    // MARK: Driver and helpers

    /// Runs `kernel` over `count` doubles: whole vectors first, then one zero-padded vector.
    @inline(__always)
    static func apply(
        _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ count: Int,
        _ kernel: (VD) -> VD
    ) {
        precondition(count >= 0, "VectorMath: negative count \(count)")
        let width = VD.scalarCount
        let src = UnsafeRawPointer(x)
        let dst = UnsafeMutableRawPointer(y)
        var i = 0
        while i &+ width <= count {
            let v = src.loadUnaligned(fromByteOffset: i &* 8, as: VD.self)
            dst.storeBytes(of: kernel(v), toByteOffset: i &* 8, as: VD.self)
            i &+= width
        }
        let rest = count &- i
        if rest > 0 {
            var v = VD()
            for j in 0..<rest { v[j] = x[i &+ j] }
            let r = kernel(v)
            for j in 0..<rest { y[i &+ j] = r[j] }
        }
    }

    @inline(__always) static func bits(_ v: VD) -> VL { unsafeBitCast(v, to: VL.self) }
    @inline(__always) static func double(_ v: VL) -> VD { unsafeBitCast(v, to: VD.self) }
    @inline(__always) static func abs(_ v: VD) -> VD { double(bits(v) & Int64.max) }
    @inline(__always) static func signBit(_ v: VD) -> VL { bits(v) & Int64.min }
    /// 2^k for integer lanes k in [-1022, 1023].
    @inline(__always) static func pow2(_ k: VL) -> VD { double((k &+ 1023) &<< 52) }
    /// ⌊k/2⌋ for |k| < 2^40 with a logical shift (SSE2 has no 64-bit arithmetic shift).
    @inline(__always) static func half(_ k: VL) -> VL {
        unsafeBitCast(unsafeBitCast(k &+ (1 << 40), to: VUL.self) &>> 1, to: VL.self) &- (1 << 39)
    }

    /// Splits e^x = 2^k·(1 + r + q) for |x| ≤ 746: k = round(x/ln 2), r = x - k·ln 2 (Cody–Waite,
    /// 32-bit ln2hi), |r| ≤ ln2/2, q = r²·P(r) with a degree-9 minimax P (relative error 2^-57.8).
    @inline(__always)
    static func expParts(_ x: VD) -> (k: VL, kf: VD, r: VD, q: VD) {
        let t = x * 1.4426950408889634 + 6755399441055744  // 1.5·2^52
        let kf = t - 6755399441055744
        var r = x - kf * 0.6931471803691238
        r = r - kf * 1.9082149292705877e-10
        var p = VD(repeating: 2.499962216786657e-08)
        p = p * r + 2.7631689299306543e-07
        p = p * r + 2.755759517949577e-06
        p = p * r + 2.4801489344750483e-05
        p = p * r + 0.00019841269488430962
        p = p * r + 0.0013888888946929623
        p = p * r + 0.008333333333506601
        p = p * r + 0.04166666666651911
        p = p * r + 0.16666666666666388
        p = p * r + 0.5000000000000012
        return (bits(t) &- 0x4338_0000_0000_0000, kf, r, (r * r) * p)
    }

    // MARK: exp

    /// `y[i] = e^x[i]` in double precision. Algorithm as the float `exp` (degree-9 polynomial).
    /// x > 709.78 gives +inf, x < -745.13 gives +0, denormal results are rounded once.
    /// Measured max error: 0.99 ulp.
    static func exp(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int) {
        apply(x, y, count, expKernel)
    }

    @inline(__always)
    static func expKernel(_ x: VD) -> VD {
        guard all(abs(x) .<= 708) else { return expAny(x) }
        let (k, _, r, q) = expParts(x)
        return (1 + (r + q)) * pow2(k)
    }

    @inline(never)
    static func expAny(_ x: VD) -> VD {
        let xc = x.replacing(with: 710, where: x .> 710).replacing(with: -746, where: x .< -746)
        let (k, _, r, q) = expParts(xc)
        let k1 = half(k)
        return (1 + (r + q)) * pow2(k1) * pow2(k &- k1)
    }

    // MARK: log

    /// `y[i] = ln(x[i])` in double precision.
    ///
    /// Algorithm: x = m·2^k with m in [√½, √2) (denormals scaled by 2^54 first), f = m - 1,
    /// s = f/(2 + f), ln(1+f) = f - f²/2 + s·(f²/2 + R) where R = s²·P(s²) (degree-6 minimax P)
    /// approximates 2·atanh(s)/s - 2; the division error only touches the small term.
    /// Specials as the float `log`. Measured max error: 0.82 ulp.
    static func log(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int) {
        apply(x, y, count, logKernel)
    }

    @inline(__always)
    static func logKernel(_ x: VD) -> VD {
        guard all(x .>= 2.2250738585072014e-308 .& x .< .infinity) else { return logAny(x) }
        return logCore(x, tiny: nil)
    }

    @inline(never)
    static func logAny(_ x: VD) -> VD {
        var r = logCore(x, tiny: x .< 2.2250738585072014e-308)
        r = r.replacing(with: .infinity, where: x .== .infinity)
        r = r.replacing(with: -.infinity, where: x .== 0)
        return r.replacing(with: .nan, where: x .< 0 .| x .!= x)
    }

    /// ln(x) for positive finite x; lanes in `tiny` (denormals) are scaled by 2^54 first.
    @inline(__always)
    static func logCore(_ x: VD, tiny: SIMDMask<VL>?) -> VD {
        var xs = x
        if let tiny { xs = x.replacing(with: x * 18014398509481984, where: tiny) }  // 2^54
        let ux = bits(xs) &+ (0x3FF0_0000_0000_0000 &- 0x3FE6_A09E_667F_3BCD)
        let biased = unsafeBitCast(unsafeBitCast(ux, to: VUL.self) &>> 52, to: VL.self)
        // Exponent to double without a 64-bit integer conversion: 2^52 + e, minus 2^52 + 1023.
        var k = double(biased | 0x4330_0000_0000_0000) - 4503599627371519
        if let tiny { k = k.replacing(with: k - 54, where: tiny) }
        let f = double((ux & 0x000F_FFFF_FFFF_FFFF) &+ 0x3FE6_A09E_667F_3BCD) - 1
        let s = f / (2 + f)
        let z = s * s
        var p = VD(repeating: 0.14826808122830024)
        p = p * z + 0.15311109164213055
        p = p * z + 0.18183673286095536
        p = p * z + 0.22222196601878236
        p = p * z + 0.28571428760264606
        p = p * z + 0.3999999999934092
        p = p * z + 0.6666666666666744
        let hfsq = 0.5 * f * f
        return k * 0.6931471803691238 - ((hfsq - (s * (hfsq + z * p) + k * 1.9082149292705877e-10)) - f)
    }

    // MARK: tanh, sigmoid

    /// `y[i] = tanh(x[i])` in double precision.
    ///
    /// Algorithm: |x| < 0.625: x + x³·P(x²) with a degree-10 minimax P; otherwise 1 - 2/D with
    /// D = 1 + e^{2|x|} formed exactly as a sum and its rounding error (as the float `tanh`). Saturates to ±1 beyond
    /// |x| ≈ 19.06; tanh(-0) = -0. Measured max error: 1.07 ulp.
    static func tanh(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int) {
        apply(x, y, count, tanhKernel)
    }

    @inline(__always)
    static func tanhKernel(_ x: VD) -> VD {
        let a = abs(x)
        // Small: x + x³·P(x²), degree-10 minimax P (relative error 2^-56.4).
        let z = x * x
        var p = VD(repeating: -1.6045393686625786e-05)
        p = p * z + 7.70888049664043e-05
        p = p * z - 0.00022851531871788112
        p = p * z + 0.0005862923223863444
        p = p * z - 0.0014549514649494612
        p = p * z + 0.0035919877250502916
        p = p * z - 0.008863220822282187
        p = p * z + 0.021869487562265037
        p = p * z - 0.053968253930661195
        p = p * z + 0.13333333333260783
        p = p * z - 0.33333333333332843
        let small = x + x * z * p
        // Large: D = (1 + S) + S·ρ with S = 2^K.
        let (kk, _, rl, ql) = expParts(a.replacing(with: 40, where: a .> 40) * 2)
        let big = pow2(kk)
        let c = 1 + big, u = big * (rl + ql)
        let h = c + u
        let l = u - (h - c)
        let qd = 2 / h
        let large = 1 - (qd - (qd * qd) * (l * 0.5))
        return double(bits(small.replacing(with: large, where: a .>= 0.625)) | signBit(x))
    }

    /// `y[i] = 1 / (1 + e^{-x[i]})` in double precision. Algorithm as the float `sigmoid`:
    /// no overflow, full relative accuracy for negative x down to the denormal range,
    /// σ(x) = 1 above x ≈ 37.4. Measured max error: 1.44 ulp.
    static func sigmoid(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int) {
        apply(x, y, count, sigmoidKernel)
    }

    @inline(__always)
    static func sigmoidKernel(_ x: VD) -> VD {
        guard all(abs(x) .<= 708) else { return sigmoidAny(x) }
        let (_, kf, r, q) = expParts(-x)
        let neg = kf .> 0
        let b = pow2(0 &- (bits(abs(kf) + 6755399441055744) &- 0x4338_0000_0000_0000))  // 2^-|k|
        let exact = abs(kf) .<= 52
        let c = 1 + b.replacing(with: 0, where: .!exact)
        let u = b.replacing(with: 1, where: neg) * (r + q)
        let h = c + u
        let l = (u - (h - c)) + b.replacing(with: 0, where: exact)
        let qd = 1 / h
        let y = qd - qd * (qd * l)
        return y.replacing(with: y * b, where: neg)
    }

    @inline(never)
    static func sigmoidAny(_ x: VD) -> VD {
        let xc = x.replacing(with: -746, where: x .< -746).replacing(with: 40, where: x .> 40)
        let (k, kf, r, q) = expParts(-xc)
        let neg = kf .> 0
        let k1 = half(k)
        let b = pow2(k.replacing(with: 0, where: neg))
            .replacing(with: pow2(0 &- k1) * pow2(k1 &- k), where: neg)
        let a = b.replacing(with: 1, where: neg)
        let exact = kf .<= 52 .& kf .>= -52
        let c = 1 + b.replacing(with: 0, where: .!exact)
        let u = a * (r + q)
        let h = c + u
        let l = (u - (h - c)) + b.replacing(with: 0, where: exact)
        let qd = 1 / h
        let y = qd - qd * (qd * l)
        return y.replacing(with: y * pow2(0 &- k1) * pow2(k1 &- k), where: neg)
    }
}
