import Foundation

/// CPU kernel for random primitives: every element is a pure function of (key, counter, index).
extension CPUBackend {
    public func random(_ distribution: RandomDistribution, shape: [Int], dtype: DType, key: UInt64, counter: UInt64) -> Tensor {
        let count = shape.reduce(1, *)
        let values = Tensor(uninitializedShape: shape, dtype: .float64)
        let out = UncheckedSendable(values.elementPointer(Double.self))
        let blocks = (count + 3) / 4
        Parallel.forChunks(count: blocks, grain: 4096) { range in
            let p = out.value
            for b in range {
                let (w0, w1, w2, w3) = Philox.block(key: key, counter: counter &+ UInt64(b))
                var draws: (Double, Double, Double, Double)
                switch distribution {
                case let .uniform(low, high):
                    draws = (low + (high - low) * Double(Philox.unitFloat(w0)), low + (high - low) * Double(Philox.unitFloat(w1)),
                             low + (high - low) * Double(Philox.unitFloat(w2)), low + (high - low) * Double(Philox.unitFloat(w3)))
                case let .normal(mean, std):
                    // Box-Muller on two pairs of words.
                    func pair(_ a: UInt32, _ b: UInt32) -> (Double, Double) {
                        let u1 = 1 - Double(Philox.unitFloat(a))   // (0, 1]: log is finite
                        let u2 = Double(Philox.unitFloat(b))
                        let r = (-2 * Foundation.log(u1)).squareRoot()
                        return (r * Foundation.cos(2 * .pi * u2), r * Foundation.sin(2 * .pi * u2))
                    }
                    let (n0, n1) = pair(w0, w1), (n2, n3) = pair(w2, w3)
                    draws = (mean + std * n0, mean + std * n1, mean + std * n2, mean + std * n3)
                case let .integers(low, high):
                    let range = UInt64(high - low)
                    func pick(_ a: UInt32, _ b: UInt32) -> Double { Double(low + Int64((UInt64(a) << 32 | UInt64(b)) % range)) }
                    draws = (pick(w0, w1), pick(w1, w2), pick(w2, w3), pick(w3, w0))
                case let .bernoulli(prob):
                    draws = (Double(Philox.unitFloat(w0)) < prob ? 1 : 0, Double(Philox.unitFloat(w1)) < prob ? 1 : 0,
                             Double(Philox.unitFloat(w2)) < prob ? 1 : 0, Double(Philox.unitFloat(w3)) < prob ? 1 : 0)
                }
                let base = b * 4
                if base < count { p[base] = draws.0 }
                if base + 1 < count { p[base + 1] = draws.1 }
                if base + 2 < count { p[base + 2] = draws.2 }
                if base + 3 < count { p[base + 3] = draws.3 }
            }
        }
        return cast(values, to: dtype)
    }
}
