/// The CPU kernel of `fusedAdamUpdate` (see `Ops/FusedAdamUpdate.swift`).
extension CPUBackend {
    /// Adam in one pass over dense float32 tensors, sixteen lanes at a time, parallel over chunks.
    func adamUpdate(parameter: Tensor, gradient: Tensor, expAvg: Tensor, expAvgSq: Tensor,
                    _ s: AdamUpdateScalars) -> (parameter: Tensor, expAvg: Tensor, expAvgSq: Tensor) {
        let n = parameter.count
        let newParameter = Tensor(uninitializedShape: parameter.shape, dtype: .float32)
        let newExpAvg = Tensor(uninitializedShape: parameter.shape, dtype: .float32)
        let newExpAvgSq = Tensor(uninitializedShape: parameter.shape, dtype: .float32)
        let pointers = UncheckedSendable((
            UnsafePointer(parameter.elementPointer(Float.self)), UnsafePointer(gradient.elementPointer(Float.self)),
            UnsafePointer(expAvg.elementPointer(Float.self)), UnsafePointer(expAvgSq.elementPointer(Float.self)),
            newParameter.elementPointer(Float.self), newExpAvg.elementPointer(Float.self), newExpAvgSq.elementPointer(Float.self)))
        Parallel.forChunks(count: n, grain: Parallel.elementwiseGrain / 2) { range in
            let (p, g, m, v, outP, outM, outV) = pointers.value
            typealias V = SIMD16<Float>
            var i = range.lowerBound
            while i + 16 <= range.upperBound {
                let grad = UnsafeRawPointer(g + i).loadUnaligned(as: V.self)
                let mi = UnsafeRawPointer(m + i).loadUnaligned(as: V.self)
                let vi = UnsafeRawPointer(v + i).loadUnaligned(as: V.self)
                let newM = mi + (grad - mi) * s.weight
                let newV = vi * s.beta2 + (grad * s.oneMinusBeta2) * grad
                let param = UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
                UnsafeMutableRawPointer(outM + i).storeBytes(of: newM, as: V.self)
                UnsafeMutableRawPointer(outV + i).storeBytes(of: newV, as: V.self)
                let denominator = newV.squareRoot() / s.biasCorrection2Sqrt + s.eps
                UnsafeMutableRawPointer(outP + i).storeBytes(of: param + (newM * s.negativeStepSize) / denominator, as: V.self)
                i += 16
            }
            for i in i..<range.upperBound {
                let grad = g[i], mi = m[i]
                let newM = mi + (grad - mi) * s.weight
                let newV = v[i] * s.beta2 + (grad * s.oneMinusBeta2) * grad
                outM[i] = newM
                outV[i] = newV
                outP[i] = p[i] + (newM * s.negativeStepSize) / (newV.squareRoot() / s.biasCorrection2Sqrt + s.eps)
            }
        }
        return (newParameter, newExpAvg, newExpAvgSq)
    }
}
