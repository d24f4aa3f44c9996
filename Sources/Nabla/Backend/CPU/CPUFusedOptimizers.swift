/// CPU kernels for fused optimizer updates (see `Ops/FusedOptimizerSteps.swift`).
extension CPUBackend {
    /// Adam in one pass over float32 contiguous tensors, parallel over chunks.
    func adamStep(parameter: Tensor, gradient: Tensor, expAvg: Tensor, expAvgSq: Tensor,
                  _ s: AdamStepScalars) -> (parameter: Tensor, expAvg: Tensor, expAvgSq: Tensor) {
        let n = parameter.count
        let newParameter = Tensor(uninitializedShape: parameter.shape, dtype: .float32)
        let newExpAvg = Tensor(uninitializedShape: parameter.shape, dtype: .float32)
        let newExpAvgSq = Tensor(uninitializedShape: parameter.shape, dtype: .float32)
        let p = UncheckedSendable(UnsafePointer(parameter.elementPointer(Float.self)))
        let g = UncheckedSendable(UnsafePointer(gradient.elementPointer(Float.self)))
        let m = UncheckedSendable(UnsafePointer(expAvg.elementPointer(Float.self)))
        let v = UncheckedSendable(UnsafePointer(expAvgSq.elementPointer(Float.self)))
        let outP = UncheckedSendable(newParameter.elementPointer(Float.self))
        let outM = UncheckedSendable(newExpAvg.elementPointer(Float.self))
        let outV = UncheckedSendable(newExpAvgSq.elementPointer(Float.self))
        // The composite's scalars are float32 0-d tensors: round them the same way.
        let scale = Float(s.parameterScale), l2 = Float(s.l2), weight = Float(s.firstMomentWeight)
        let beta2 = Float(s.beta2), oneMinusBeta2 = Float(s.oneMinusBeta2), bc2 = Float(s.biasCorrection2Sqrt)
        let eps = Float(s.eps), step = Float(s.negativeStepSize)
        let complement = Float(1) - weight   // lerp from the nearer end when weight >= 0.5, as PyTorch
        let decoupled = s.parameterScale != 1, coupled = s.l2 != 0, fromEnd = weight >= 0.5
        Parallel.forChunks(count: n, grain: Parallel.elementwiseGrain / 2) { range in
            let p = p.value, g = g.value, m = m.value, v = v.value
            let outP = outP.value, outM = outM.value, outV = outV.value
            if !decoupled && !coupled && !fromEnd {
                // The common case as a plain loop, which LLVM vectorises with vsqrtps and vdivps. (Written
                // on SIMD8 it was not: SIMD8's squareRoot() went lane by lane through vsqrtss, and Adam
                // took a third of the compiled MLP step.)
                for i in range {
                    let grad = g[i], mi = m[i]
                    let newM = mi + (grad - mi) * weight
                    let newV = v[i] * beta2 + (grad * oneMinusBeta2) * grad
                    outM[i] = newM
                    outV[i] = newV
                    outP[i] = p[i] + (newM * step) / (newV.squareRoot() / bc2 + eps)
                }
                return
            }
            for i in range {
                var param = p[i]
                if decoupled { param = param * scale }
                var grad = g[i]
                if coupled { grad = grad + param * l2 }
                let mi = m[i]
                let newM = fromEnd ? grad - (grad - mi) * complement : mi + (grad - mi) * weight
                let newV = v[i] * beta2 + (grad * oneMinusBeta2) * grad
                let denominator = newV.squareRoot() / bc2 + eps
                outM[i] = newM
                outV[i] = newV
                outP[i] = param + (newM * step) / denominator
            }
        }
        return (newParameter, newExpAvg, newExpAvgSq)
    }
}
