// tanh, sigmoid and erf for the CPU backend (see VectorMath.swift for the conventions).

extension VectorMath {
    /// `y[i] = tanh(x[i])`.
    ///
    /// Algorithm: |x| < 0.625: x + x³·P(x²) with a degree-4 minimax P; otherwise
    /// 1 - 2/(e^{2|x|} + 1) with the sign of x, which saturates to ±1 (exactly) for |x| > 9.01.
    /// tanh(-0) = -0, NaN propagates. Measured max error: 1.xx ulp.
    static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count, tanhKernel)
    }

    @inline(__always)
    static func tanhKernel(_ x: VF) -> VF {
        let a = abs(x)
        let z = x * x
        var p = VF(repeating: -0.00570023525506258)
        p = p * z + 0.020635001361370087
        p = p * z - 0.05373851954936981
        p = p * z + 0.13331428170204163
        p = p * z - 0.3333328068256378
        let small = x + x * z * p
        // e^{2|x|} = s·(1 + ρ); 1 + e^{2|x|} = (1 + s) + s·ρ rounds once. Overflow gives 1.
        let (k, rho) = expParts(a.replacing(with: 44, where: a .> 44) * 2)
        let s = pow2(k)
        let large = float(bits(1 - 2 / ((1 + s) + s * rho)) | signBit(x))
        return small.replacing(with: large, where: a .>= 0.625)
    }

    /// `y[i] = 1 / (1 + e^{-x[i]})`.
    ///
    /// Algorithm: with e = e^{-|x|} (never overflows), σ(x) = 1/(1+e) for x ≥ 0 and e/(1+e) for
    /// x < 0, one division either way. The negative side keeps full relative accuracy down to the
    /// denormal range: σ(-100) = 3.72e-44, σ(x) = 0 only below x ≈ -103.97; σ(x) = 1 above
    /// x ≈ 16.64. NaN propagates. Measured max error: 1.xx ulp.
    static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count, sigmoidKernel)
    }

    @inline(__always)
    static func sigmoidKernel(_ x: VF) -> VF {
        // e^{-x} = 2^k·(1 + ρ). For k ≤ 0: σ = 1/((1 + 2^k) + 2^k·ρ); for k > 0 divide through by
        // 2^k: σ = 2^-k / ((2^-k + 1) + ρ), which cannot overflow. Each way one rounded sum and
        // one division, and 1 + ρ is never rounded on its own.
        let (k, rho) = expParts(-x.replacing(with: -104, where: x .< -104).replacing(with: 30, where: x .> 30))
        let pos = k .<= 0
        let k1 = k &>> 1
        let inv = pow2(0 &- k1) * pow2(k1 &- k)  // 2^-k, possibly denormal or 0
        let s = pow2(k.replacing(with: 0, where: .!pos))  // 2^k where k ≤ 0, else 1
        let a = s
        let b = s.replacing(with: inv, where: .!pos)
        // (1 + b) is exact while b ≥ 2^-23; beyond, adding b to a·ρ first keeps its bits.
        let exact = k .<= 23 .& k .>= -23
        let q = 1 / (1 + (b + a * rho)).replacing(with: (1 + b) + a * rho, where: exact)
        return q.replacing(with: q * pow2(0 &- k1) * pow2(k1 &- k), where: .!pos)
    }

    /// `y[i] = erf(x[i])`.
    ///
    /// Algorithm: |x| < 1: x·P(x²) with a degree-6 minimax P; 1 ≤ |x| ≤ 3.95:
    /// 1 - e^{-x²}·Q(|x| - 2.5) with the sign of x, where Q (degree 8, minimax weighted by the
    /// error it causes in erf) approximates erfc(x)·e^{x²}; beyond 3.95 erf rounds to ±1.
    /// erf(-0) = -0, NaN propagates. Measured max error: 1.xx ulp.
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
        let e = expKernel(-(ac * ac))
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
