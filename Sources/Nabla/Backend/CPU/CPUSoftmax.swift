/// Row softmax kernels for the `softmax` primitive (see `Primitives/SoftmaxPrimitive.swift`).
extension CPUBackend {
    /// Softmax over the last axis of a dense float32 tensor, rows in parallel. A row whose maximum is
    /// not finite is shifted by 0 instead; a row whose exponentials sum to 0 (every entry -∞) gives zeros.
    func softmaxRows(_ x: Tensor, rowLength: Int) -> Tensor {
        let out = Tensor(uninitializedShape: x.shape, dtype: .float32)
        let rows = rowLength == 0 ? 0 : x.count / rowLength
        let source = UncheckedSendable(UnsafePointer(x.elementPointer(Float.self)))
        let target = UncheckedSendable(out.elementPointer(Float.self))
        Parallel.forChunks(count: rows, grain: max(1, Parallel.elementwiseGrain / max(rowLength, 1) / 4)) { range in
            for row in range {
                let xs = source.value + row * rowLength, ys = target.value + row * rowLength
                var peak = -Float.infinity
                for i in 0..<rowLength { peak = Swift.max(peak, xs[i]) }
                if !peak.isFinite { peak = 0 }
                for i in 0..<rowLength { ys[i] = xs[i] - peak }
                VectorMath.exp(UnsafePointer(ys), ys, count: rowLength)
                var total: Float = 0
                for i in 0..<rowLength { total += ys[i] }
                if total == 0 { total = 1 }
                let scale = 1 / total
                for i in 0..<rowLength { ys[i] *= scale }
            }
        }
        return out
    }

    /// The softmax VJP over rows of dense float32 tensors: y ⊙ (g - Σ g ⊙ y).
    func softmaxBackwardRows(output y: Tensor, gradient g: Tensor, rowLength: Int) -> Tensor {
        let out = Tensor(uninitializedShape: y.shape, dtype: .float32)
        let rows = rowLength == 0 ? 0 : y.count / rowLength
        let ys = UncheckedSendable(UnsafePointer(y.elementPointer(Float.self)))
        let gs = UncheckedSendable(UnsafePointer(g.elementPointer(Float.self)))
        let target = UncheckedSendable(out.elementPointer(Float.self))
        Parallel.forChunks(count: rows, grain: max(1, Parallel.elementwiseGrain / max(rowLength, 1) / 4)) { range in
            for row in range {
                let yr = ys.value + row * rowLength, gr = gs.value + row * rowLength, dx = target.value + row * rowLength
                var dot: Float = 0
                for i in 0..<rowLength { dot += gr[i] * yr[i] }
                for i in 0..<rowLength { dx[i] = yr[i] * (gr[i] - dot) }
            }
        }
        return out
    }
}
