/// Row kernels for the `layerNorm` primitive (see `Primitives/LayerNormPrimitive.swift`): each row of a
/// dense float32 tensor is normalised by its own mean and reciprocal standard deviation, computed in the
/// same pass that applies the weight and bias. Backward recomputes a row's statistics (the row is in
/// cache) rather than saving them.
extension CPUBackend {
    /// `(x - mean) · rstd · weight + bias` for each row of `x` (dense, last axis of length `weight.count`),
    /// with `rstd = 1 / √(biased variance + eps)`. `weight` and `bias` are dense float32 vectors.
    func layerNormRows(_ x: Tensor, weight: Tensor, bias: Tensor, eps: Double) -> Tensor {
        let width = weight.count
        let out = Tensor(uninitializedShape: x.shape, dtype: .float32)
        let rows = width == 0 ? 0 : x.count / width
        let source = UncheckedSendable(UnsafePointer(x.elementPointer(Float.self)))
        let target = UncheckedSendable(out.elementPointer(Float.self))
        let scale = UncheckedSendable(UnsafePointer(weight.elementPointer(Float.self)))
        let shift = UncheckedSendable(UnsafePointer(bias.elementPointer(Float.self)))
        let epsilon = Float(eps)
        Parallel.forChunks(count: rows, grain: LayerNormRow.grain(width: width)) { range in
            for row in range {
                let xs = source.value + row * width, ys = target.value + row * width
                let (mean, rstd) = LayerNormRow.statistics(xs, width: width, eps: epsilon)
                LayerNormRow.normalize(xs, into: ys, width: width, mean: mean, rstd: rstd, weight: scale.value, bias: shift.value)
            }
        }
        return out
    }

    /// The layer-norm VJP over rows: for x̂ = (x - mean) · rstd and ĝ = g · weight,
    /// dx = rstd · (ĝ - mean(ĝ) - x̂ · mean(ĝ · x̂)) per row, and (when `parameterGradients`)
    /// dweight = Σ_rows g · x̂ and dbias = Σ_rows g, summed per block of rows (one block a thread) and
    /// then over the blocks.
    func layerNormBackwardRows(input x: Tensor, weight: Tensor, gradient g: Tensor, eps: Double,
                               parameterGradients: Bool) -> (input: Tensor, weight: Tensor?, bias: Tensor?) {
        let width = weight.count
        let dx = Tensor(uninitializedShape: x.shape, dtype: .float32)
        let rows = width == 0 ? 0 : x.count / width
        let blocks = max(1, min(ThreadBudget.threadCount, rows / LayerNormRow.grain(width: width)))
        let rowsPerBlock = (rows + blocks - 1) / blocks
        // Per block: dweight sums in [0, width), dbias sums in [width, 2·width).
        let partials: UnsafeMutablePointer<Float>? = parameterGradients ? .allocate(capacity: blocks * 2 * width) : nil
        defer { partials?.deallocate() }
        partials?.initialize(repeating: 0, count: blocks * 2 * width)
        let xs = UncheckedSendable(UnsafePointer(x.elementPointer(Float.self)))
        let gs = UncheckedSendable(UnsafePointer(g.elementPointer(Float.self)))
        let ws = UncheckedSendable(UnsafePointer(weight.elementPointer(Float.self)))
        let target = UncheckedSendable(dx.elementPointer(Float.self))
        let sums = UncheckedSendable(partials)
        let epsilon = Float(eps)
        Parallel.forChunks(count: blocks, grain: 1) { blockRange in
            for block in blockRange {
                let blockSums = sums.value.map { $0 + block * 2 * width }
                for row in (block * rowsPerBlock)..<min(rows, (block + 1) * rowsPerBlock) {
                    let xr = xs.value + row * width, gr = gs.value + row * width
                    let (mean, rstd) = LayerNormRow.statistics(xr, width: width, eps: epsilon)
                    LayerNormRow.backward(x: xr, gradient: gr, weight: ws.value, into: target.value + row * width, width: width,
                                          mean: mean, rstd: rstd, parameterSums: blockSums)
                }
            }
        }
        guard let partials else { return (dx, nil, nil) }
        let dweight = Tensor(uninitializedShape: [width], dtype: .float32), dbias = Tensor(uninitializedShape: [width], dtype: .float32)
        let dw = dweight.elementPointer(Float.self), db = dbias.elementPointer(Float.self)
        for j in 0..<width {
            var weightSum: Float = 0, biasSum: Float = 0
            for block in 0..<blocks {
                weightSum += partials[block * 2 * width + j]
                biasSum += partials[block * 2 * width + width + j]
            }
            dw[j] = weightSum
            db[j] = biasSum
        }
        return (dx, dweight, dbias)
    }
}

/// The per-row loops of the layer-norm kernels, eight lanes at a time with a scalar tail.
private enum LayerNormRow {
    typealias V = SIMD8<Float>

    /// Rows per thread below which the kernels stay on one thread.
    static func grain(width: Int) -> Int { max(1, Parallel.elementwiseGrain / max(width, 1) / 4) }

    @inline(__always) static func load(_ p: UnsafePointer<Float>, _ i: Int) -> V { UnsafeRawPointer(p + i).loadUnaligned(as: V.self) }
    @inline(__always) static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V.self)
    }

    /// The row's mean and 1 / √(biased variance + eps), the variance taken about the mean (two passes).
    @inline(__always)
    static func statistics(_ x: UnsafePointer<Float>, width: Int, eps: Float) -> (mean: Float, rstd: Float) {
        var total = V(), i = 0
        while i + 8 <= width { total += load(x, i); i += 8 }
        var sum = total.sum()
        while i < width { sum += x[i]; i += 1 }
        let mean = sum / Float(width)
        var squares = V()
        i = 0
        while i + 8 <= width {
            let centered = load(x, i) - mean
            squares += centered * centered
            i += 8
        }
        var squareSum = squares.sum()
        while i < width { let centered = x[i] - mean; squareSum += centered * centered; i += 1 }
        return (mean, 1 / (squareSum / Float(width) + eps).squareRoot())
    }

    /// y = (x - mean) · rstd · weight + bias over one row.
    @inline(__always)
    static func normalize(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, width: Int, mean: Float, rstd: Float,
                          weight: UnsafePointer<Float>, bias: UnsafePointer<Float>) {
        var i = 0
        while i + 8 <= width {
            store((load(x, i) - mean) * rstd * load(weight, i) + load(bias, i), y, i)
            i += 8
        }
        while i < width { y[i] = (x[i] - mean) * rstd * weight[i] + bias[i]; i += 1 }
    }

    /// dx of one row; when `parameterSums` is given, g · x̂ is added to its first `width` entries and g
    /// to the next `width`.
    @inline(__always)
    static func backward(x: UnsafePointer<Float>, gradient g: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                         into dx: UnsafeMutablePointer<Float>, width: Int, mean: Float, rstd: Float,
                         parameterSums: UnsafeMutablePointer<Float>?) {
        // Σ ĝ and Σ ĝ · x̂, with the parameter gradients accumulated on the way.
        var scaledTotal = V(), projectedTotal = V(), i = 0
        while i + 8 <= width {
            let normalized = (load(x, i) - mean) * rstd, gradient = load(g, i)
            let scaled = gradient * load(weight, i)
            scaledTotal += scaled
            projectedTotal += scaled * normalized
            if let sums = parameterSums {
                store(load(sums, i) + gradient * normalized, sums, i)
                store(load(sums, width + i) + gradient, sums, width + i)
            }
            i += 8
        }
        var scaledSum = scaledTotal.sum(), projectedSum = projectedTotal.sum()
        while i < width {
            let normalized = (x[i] - mean) * rstd, scaled = g[i] * weight[i]
            scaledSum += scaled
            projectedSum += scaled * normalized
            if let sums = parameterSums {
                sums[i] += g[i] * normalized
                sums[width + i] += g[i]
            }
            i += 1
        }
        let scaledMean = scaledSum / Float(width), projectedMean = projectedSum / Float(width)
        i = 0
        while i + 8 <= width {
            let normalized = (load(x, i) - mean) * rstd
            store(rstd * (load(g, i) * load(weight, i) - scaledMean - normalized * projectedMean), dx, i)
            i += 8
        }
        while i < width {
            let normalized = (x[i] - mean) * rstd
            dx[i] = rstd * (g[i] * weight[i] - scaledMean - normalized * projectedMean)
            i += 1
        }
    }
}
