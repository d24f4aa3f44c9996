// tanh, sigmoid and erf for the CPU backend (see VectorMath.swift for the conventions).

extension VectorMath {
    /// `y[i] = tanh(x[i])`.
    ///
    /// Algorithm: |x| < 0.875: x + x³·P(x²) with a degree-6 minimax P (relative error 2^-30);
    /// otherwise 1 - 2/D with D = 1 + e^{2|x|} = (1 + 2^k) + 2^k·ρ (see `expParts`) formed with its
    /// rounding error recovered exactly (Fast2Sum) and folded into the quotient, and the sign of
    /// x. Saturates to exactly ±1 for |x| > 9.01; tanh(-0) = -0, NaN propagates.
    /// Measured max error: 1.05 ulp.
    static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count, tanhKernel)
    }

    @inline(__always)
    static func tanhKernel(_ x: VF) -> VF {
        let a = abs(x)
        let z = x * x
        var p = VF(repeating: -0.000481457042042166)
        p = p * z + 0.0026486399583518505
        p = p * z - 0.008329668082296848
        p = p * z + 0.021694976836442947
        p = p * z - 0.053936917334795
        p = p * z + 0.13333062827587128
        p = p * z - 0.33333325386047363
        let small = x + x * z * p
        // e^{2|x|} = s·(1 + ρ) and D = 1 + e^{2|x|} = (1 + s) + s·ρ, whose rounding error l is
        // recovered exactly (Fast2Sum), so 2/D ≈ q - q·q·l/2 with q = 2/h. Overflow gives ±1.
        let (k, _, rho) = expParts(a.replacing(with: 44, where: a .> 44) * 2)
        let s = pow2(k)
        let c = 1 + s, u = s * rho
        let h = c + u
        let l = u - (h - c)
        let q = 2 / h
        let large = 1 - (q - (q * q) * (l * 0.5))
        // The sign goes on last: it also turns the +0 that x + x·z·p gives for x = -0 into -0.
        return float(bits(small.replacing(with: large, where: a .>= 0.875)) | signBit(x))
    }

    /// `y[i] = 1 / (1 + e^{-x[i]})`.
    ///
    /// Algorithm: e^{-x} = 2^k·(1 + ρ) (see `expParts`); σ = 1/((1 + 2^k) + 2^k·ρ) for k ≤ 0 and
    /// 2^-k/((2^-k + 1) + ρ) for k > 0, so nothing overflows, with the sum's rounding error
    /// recovered exactly and folded into the one division. The negative side keeps full relative
    /// accuracy down into the denormals: σ(-100) = 3.72e-44, σ(x) = 0 only below x ≈ -103.97;
    /// σ(x) = 1 above x ≈ 16.64. NaN propagates. Measured max error: 1.44 ulp.
    static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count, sigmoidKernel)
    }

    @inline(__always)
    static func sigmoidKernel(_ x: VF) -> VF {
        guard all(abs(x) .<= 87) else { return sigmoidAny(x) }
        // The general path below without clamping, the two-factor scaling and half the selects.
        let (_, kf, rho) = expParts(-x)
        let neg = kf .> 0
        let b = pow2(0 &- (bits(abs(kf) + 12582912) &- 0x4B40_0000))  // 2^-|k|
        let exact = abs(kf) .<= 23
        let c = 1 + b.replacing(with: 0, where: .!exact)
        let u = b.replacing(with: 1, where: neg) * rho
        let h = c + u
        let l = (u - (h - c)) + b.replacing(with: 0, where: exact)
        let q = 1 / h
        let y = q - q * (q * l)
        return y.replacing(with: y * b, where: neg)
    }

    @inline(never)
    static func sigmoidAny(_ x: VF) -> VF {
        // e^{-x} = 2^k·(1 + ρ). For k ≤ 0, σ = 1/D with D = 1 + 2^k + 2^k·ρ; for k > 0 divide
        // through by 2^k: σ = 2^-k/D with D = 1 + 2^-k + ρ, which cannot overflow. D is formed as
        // c + u with c ≥ 1 > |u| and its rounding error l recovered exactly (Fast2Sum), then
        // 1/(h + l) ≈ q - q·(q·l) with q = 1/h: the sum's rounding costs nothing and 1 + ρ is never
        // rounded on its own, leaving about 1 ulp (the division and the final subtraction).
        let xc = x.replacing(with: -104, where: x .< -104).replacing(with: 30, where: x .> 30)
        let (k, kf, rho) = expParts(-xc)
        let neg = kf .> 0  // x < 0, roughly
        let k1 = k &>> 1
        let b = pow2(k.replacing(with: 0, where: neg))  // 2^k for k ≤ 0, else 1
            .replacing(with: pow2(0 &- k1) * pow2(k1 &- k), where: neg)  // 2^-k, maybe denormal or 0
        let a = b.replacing(with: 1, where: neg)
        // 1 + b is exact while b ≥ 2^-23; a smaller b joins the low part instead.
        let exact = kf .<= 23 .& kf .>= -23
        let c = 1 + b.replacing(with: 0, where: .!exact)
        let u = a * rho
        let h = c + u
        let l = (u - (h - c)) + b.replacing(with: 0, where: exact)
        let q = 1 / h
        let y = q - q * (q * l)
        return y.replacing(with: y * pow2(0 &- k1) * pow2(k1 &- k), where: neg)
    }

    /// `y[i] = erf(x[i])`.
    ///
    /// Algorithm: |x| < 1: x + x·P(x²) with a degree-6 minimax P (P(0) = 2/√π - 1, so the
    /// leading term is exact); 1 ≤ |x| ≤ 3.95:
    /// 1 - e^{-x²}·Q(|x| - 2.5) with the sign of x, where Q (degree 8, minimax weighted by the
    /// error it causes in erf) approximates erfc(x)·e^{x²}; beyond 3.95 erf rounds to ±1.
    /// erf(-0) = -0, NaN propagates. Measured max error: 1.32 ulp.
    static func erf(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count, erfKernel)
    }

    @inline(__always)
    static func erfKernel(_ x: VF) -> VF {
        let a = abs(x)
        let z = x * x
        var p = VF(repeating: 7.853882561903447e-05)
        p = p * z - 0.0008010200690478086
        p = p * z + 0.005188328679651022
        p = p * z - 0.026853812858462334
        p = p * z + 0.1128358542919159
        p = p * z - 0.3761262595653534
        p = p * z + 0.1283791670955126  // 2/√π - 1: x + x·p keeps the leading term exact
        let small = x + x * p
        let ac = a.replacing(with: 3.95, where: a .> 3.95)
        let e = expCore(-(ac * ac))
        let s = ac - 2.5
        var q = VF(repeating: 0.00010819519229698926)
        q = q * s + 0.00023225552286021411
        q = q * s + 0.0005573086673393846
        q = q * s - 0.0006505632773041725
        q = q * s + 0.0023017239291220903
        q = q * s - 0.0081375977024436
        q = q * s + 0.024912279099225998
        q = q * s - 0.07434232532978058
        q = q * s + 0.2108076512813568
        let large = float(bits(1 - e * q) | signBit(x))
        return small.replacing(with: large, where: a .>= 1)
    }
}
