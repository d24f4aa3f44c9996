/// CPU matmul: each batch's matrices go to `GEMM` (OpenBLAS or oneDNN, chosen per shape) with
/// transpose flags instead of copies when an operand is a transposed view.
extension CPUBackend {
    /// How a matrix operand is laid out: row-major with leading dimension `ld`, or transposed.
    private struct MatrixLayout {
        let transposed: Bool
        let ld: Int
    }

    /// The GEMM view of the last two axes of `x`, or nil when they are neither row- nor column-major.
    private func matrixLayout(_ x: Tensor) -> MatrixLayout? {
        let r = x.rank, rows = x.shape[r - 2], cols = x.shape[r - 1]
        let sr = x.strides[r - 2], sc = x.strides[r - 1]
        if sc == 1 || cols == 1, sr >= Swift.max(cols, 1) || rows == 1 { return MatrixLayout(transposed: false, ld: Swift.max(rows == 1 ? cols : sr, 1)) }
        if sr == 1 || rows == 1, sc >= Swift.max(rows, 1) || cols == 1 { return MatrixLayout(transposed: true, ld: Swift.max(cols == 1 ? rows : sc, 1)) }
        return nil
    }

    public func matmul(_ a: Tensor, _ b: Tensor, batchShape: [Int]) -> Tensor {
        matmul(a, b, batchShape: batchShape, rowBias: nil)
    }

    /// `a · b + rowBias`, with `rowBias` (dense, [n], the dtype of `a` and `b`) added to every row of the
    /// product in place, right after the GEMM, instead of as a separate op allocating a second output.
    ///
    /// The bias is added after the product, not accumulated onto by the GEMM (beta = 1, as PyTorch's
    /// `addmm`), so the values are bitwise those of `matmul` followed by `+`: a trace records that
    /// composite, and compiled training steps must give eager's parameters within 1e-6 (issue 5). The
    /// beta = 1 form measured no faster on the W6 transformer.
    func matmul(_ a: Tensor, _ b: Tensor, batchShape: [Int], rowBias: Tensor?) -> Tensor {
        precondition(rowBias == nil || (a.dtype.isFloatingPoint && rowBias!.dtype == a.dtype && rowBias!.isContiguous),
                     "matmul: a row bias must be a dense \(a.dtype) vector")
        switch a.dtype {
        case .float32, .float64: break
        case .float16, .bfloat16:
            let product = cast(matmul(cast(a, to: .float32), cast(b, to: .float32), batchShape: batchShape), to: a.dtype)
            return rowBias.map { bias in withNoGrad { product + bias } } ?? product
        default:
            return integerMatmul(cast(a, to: .int64), cast(b, to: .int64), batchShape: batchShape, resultType: a.dtype)
        }
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1]
        let out = Tensor(uninitializedShape: batchShape + [m, n], dtype: a.dtype)
        let a2 = matrixLayout(a) == nil ? contiguous(a) : a
        let b2 = matrixLayout(b) == nil ? contiguous(b) : b
        let la = matrixLayout(a2)!, lb = matrixLayout(b2)!
        let batchCount = batchShape.reduce(1, *)
        if batchCount == 0 || m == 0 || n == 0 { return out }
        if k == 0 {
            let zeros = filled(out.shape, value: 0, dtype: a.dtype)
            if let rowBias { addRows(of: zeros, rowCount: batchCount * m, bias: rowBias) }
            return zeros
        }
        defer { if let rowBias { addRows(of: out, rowCount: batchCount * m, bias: rowBias) } }
        let full = batchShape + [0, 0]
        var aStrides = Broadcast.strides(of: Layout(shape: Array(a2.shape.dropLast(2)) + [1, 1], strides: a2.strides, offset: 0), to: full)
        var bStrides = Broadcast.strides(of: Layout(shape: Array(b2.shape.dropLast(2)) + [1, 1], strides: b2.strides, offset: 0), to: full)
        aStrides.removeLast(2); bStrides.removeLast(2)
        // Fold the batch into M when A's batches are stacked rows and B is shared: one big GEMM.
        if !la.transposed, bStrides.allSatisfy({ $0 == 0 }), a2.isContiguous, a2.shape.dropLast(2).reduce(1, *) == batchCount {
            gemm(a.dtype, la.transposed, lb.transposed, m: batchCount * m, n: n, k: k,
                 a: a2.storage.data, aOffset: a2.layout.offset, lda: la.ld, b: b2.storage.data, bOffset: b2.layout.offset, ldb: lb.ld,
                 c: out.storage.data, cOffset: 0)
            return out
        }
        var index = [Int](repeating: 0, count: batchShape.count)
        for batch in 0..<batchCount {
            var r = batch, oa = a2.layout.offset, ob = b2.layout.offset
            for axis in stride(from: batchShape.count - 1, through: 0, by: -1) {
                index[axis] = r % batchShape[axis]; r /= batchShape[axis]
                oa += index[axis] * aStrides[axis]; ob += index[axis] * bStrides[axis]
            }
            gemm(a.dtype, la.transposed, lb.transposed, m: m, n: n, k: k,
                 a: a2.storage.data, aOffset: oa, lda: la.ld, b: b2.storage.data, bOffset: ob, ldb: lb.ld,
                 c: out.storage.data, cOffset: batch * m * n)
        }
        return out
    }

    private func gemm(_ dtype: DType, _ ta: Bool, _ tb: Bool, m: Int, n: Int, k: Int,
                      a: UnsafeMutableRawPointer, aOffset: Int, lda: Int, b: UnsafeMutableRawPointer, bOffset: Int, ldb: Int,
                      c: UnsafeMutableRawPointer, cOffset: Int) {
        if dtype == .float32 {
            GEMM.sgemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 1,
                       a: a.assumingMemoryBound(to: Float.self) + aOffset, lda: lda,
                       b: b.assumingMemoryBound(to: Float.self) + bOffset, ldb: ldb, beta: 0,
                       c: c.assumingMemoryBound(to: Float.self) + cOffset, ldc: n)
        } else {
            GEMM.dgemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 1,
                       a: a.assumingMemoryBound(to: Double.self) + aOffset, lda: lda,
                       b: b.assumingMemoryBound(to: Double.self) + bOffset, ldb: ldb, beta: 0,
                       c: c.assumingMemoryBound(to: Double.self) + cOffset, ldc: n)
        }
    }

    /// Adds the dense vector `bias` to each of the first `rowCount` rows of the dense `out`, in place.
    private func addRows(of out: Tensor, rowCount: Int, bias: Tensor) {
        func run<T: BinaryFloatingPoint>(_: T.Type) {
            let n = bias.count
            let source = UncheckedSendable(UnsafePointer(bias.elementPointer(T.self))), target = UncheckedSendable(out.elementPointer(T.self))
            Parallel.forChunks(count: rowCount, grain: max(1, Parallel.elementwiseGrain / max(n, 1))) { rows in
                let b = source.value
                for r in rows {
                    let row = target.value + r * n
                    for j in 0..<n { row[j] = row[j] + b[j] }
                }
            }
        }
        if out.dtype == .float32 { run(Float.self) } else { run(Double.self) }
    }

    private func integerMatmul(_ a: Tensor, _ b: Tensor, batchShape: [Int], resultType: DType) -> Tensor {
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1]
        let ea = contiguous(a.viewing(Layout(shape: batchShape + [m, k], strides: Broadcast.strides(of: a.layout, to: batchShape + [m, k]), offset: a.layout.offset)))
        let eb = contiguous(b.viewing(Layout(shape: batchShape + [k, n], strides: Broadcast.strides(of: b.layout, to: batchShape + [k, n]), offset: b.layout.offset)))
        let out = filled(batchShape + [m, n], value: 0, dtype: .int64)
        let pa = ea.elementPointer(Int64.self), pb = eb.elementPointer(Int64.self), pc = out.elementPointer(Int64.self)
        for batch in 0..<batchShape.reduce(1, *) {
            for i in 0..<m { for p in 0..<k {
                let v = pa[batch * m * k + i * k + p]
                for j in 0..<n { pc[batch * m * n + i * n + j] &+= v &* pb[batch * k * n + p * n + j] }
            } }
        }
        return cast(out, to: resultType)
    }
}
