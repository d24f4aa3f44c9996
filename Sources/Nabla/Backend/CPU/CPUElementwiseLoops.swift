/// The loop skeletons the elementwise kernels are written with: a dense fast path, a
/// scalar-operand fast path and a strided/broadcast path, split across the thread budget.
extension CPUBackend {
    /// `y = K.apply(x)` elementwise.
    @inline(__always)
    func map<K: UnaryKernel>(_ x: Tensor, _: K.Type, resultType: DType) -> Tensor {
        typealias T = K.Input
        typealias R = K.Output
        let out = Tensor(uninitializedShape: x.shape, dtype: resultType)
        let po = UncheckedSendable(out.elementPointer(R.self))
        let n = out.count
        if x.isContiguous {
            let px = UncheckedSendable(UnsafePointer(x.elementPointer(T.self)))
            Parallel.forChunks(count: n, grain: Parallel.elementwiseGrain) { r in
                let src = px.value, dst = po.value
                for i in r { dst[i] = K.apply(src[i]) }
            }
            return out
        }
        let rows = StridedRows(shape: x.shape, strides: [x.strides, out.strides], offsets: [x.layout.offset, 0])
        let px = UncheckedSendable(x.storage.pointer(as: T.self))
        let sx = rows.innerStride(0), so = rows.innerStride(1), len = rows.rowLength
        let rowsBox = UncheckedSendable(rows)
        Parallel.forChunks(count: rows.rowCount, grain: Swift.max(1, Parallel.elementwiseGrain / Swift.max(len, 1))) { range in
            let src = px.value, dst = po.value
            rowsBox.value.forEachRow(in: range) { _, o in
                if sx == 1 && so == 1 {
                    // Unit strides (rows of a permuted tensor that keeps its last axis): base pointers, so the loop vectorises.
                    let xr = src + o[0], yr = dst + o[1]
                    for j in 0..<len { yr[j] = K.apply(xr[j]) }
                } else {
                    for j in 0..<len { dst[o[1] + j * so] = K.apply(src[o[0] + j * sx]) }
                }
            }
        }
        return out
    }

    /// `y = K.apply(a, b)` elementwise with broadcasting to `shape`.
    @inline(__always)
    func combine<K: BinaryKernel>(_ a: Tensor, _ b: Tensor, shape: [Int], _: K.Type, resultType: DType) -> Tensor {
        typealias T = K.Input
        typealias R = K.Output
        let out = Tensor(uninitializedShape: shape, dtype: resultType)
        let n = out.count
        let po = UncheckedSendable(out.elementPointer(R.self))
        let pa = UncheckedSendable(UnsafePointer(a.elementPointer(T.self)))
        let pb = UncheckedSendable(UnsafePointer(b.elementPointer(T.self)))
        let aDense = a.layout.shape == shape && a.isContiguous
        let bDense = b.layout.shape == shape && b.isContiguous
        if aDense && bDense {
            Parallel.forChunks(count: n, grain: Parallel.elementwiseGrain) { r in
                let x = pa.value, y = pb.value, z = po.value
                for i in r { z[i] = K.apply(x[i], y[i]) }
            }
            return out
        }
        if aDense && b.count == 1 {
            let s = pb.value[0]
            Parallel.forChunks(count: n, grain: Parallel.elementwiseGrain) { r in
                let x = pa.value, z = po.value
                for i in r { z[i] = K.apply(x[i], s) }
            }
            return out
        }
        if bDense && a.count == 1 {
            let s = pa.value[0]
            Parallel.forChunks(count: n, grain: Parallel.elementwiseGrain) { r in
                let y = pb.value, z = po.value
                for i in r { z[i] = K.apply(s, y[i]) }
            }
            return out
        }
        let rows = StridedRows(shape: shape,
                               strides: [Broadcast.strides(of: a.layout, to: shape), Broadcast.strides(of: b.layout, to: shape), out.strides],
                               offsets: [a.layout.offset, b.layout.offset, 0])
        let x = a.storage.pointer(as: T.self), y = b.storage.pointer(as: T.self)
        let sa = rows.innerStride(0), sb = rows.innerStride(1), so = rows.innerStride(2), len = rows.rowLength
        let rowsBox = UncheckedSendable(rows)
        let grainRows = Swift.max(1, Parallel.elementwiseGrain / Swift.max(len, 1))
        let xs = UncheckedSendable(x), ys = UncheckedSendable(y)
        Parallel.forChunks(count: rows.rowCount, grain: grainRows) { range in
            let x = xs.value, y = ys.value, z = po.value
            rowsBox.value.forEachRow(in: range) { _, o in
                let oa = o[0], ob = o[1], oo = o[2]
                if so == 1 && sa == 1 && (sb == 1 || sb == 0) {
                    // Unit strides (a bias row added to each row of a matrix, …): base pointers, so the loop vectorises.
                    let xr = x + oa, yr = y + ob, zr = z + oo
                    if sb == 0 {
                        let s = yr[0]
                        for j in 0..<len { zr[j] = K.apply(xr[j], s) }
                    } else {
                        for j in 0..<len { zr[j] = K.apply(xr[j], yr[j]) }
                    }
                } else if so == 1 && sa == 0 && sb == 1 {
                    let s = x[oa], yr = y + ob, zr = z + oo
                    for j in 0..<len { zr[j] = K.apply(s, yr[j]) }
                } else if sb == 0 {
                    let s = y[ob]
                    for j in 0..<len { z[oo + j * so] = K.apply(x[oa + j * sa], s) }
                } else if sa == 0 {
                    let s = x[oa]
                    for j in 0..<len { z[oo + j * so] = K.apply(s, y[ob + j * sb]) }
                } else {
                    for j in 0..<len { z[oo + j * so] = K.apply(x[oa + j * sa], y[ob + j * sb]) }
                }
            }
        }
        return out
    }
}
