/// CPU kernels for gather, scatter and sort.
extension CPUBackend {
    /// Calls `body(indexPosition, xOffsetWithoutAxis, indexValue)` for every element of `index`,
    /// where offsets follow `strides` of a tensor addressed at `index`'s coordinates.
    private func forEachIndex(_ index: Tensor, strides: [Int], offset: Int, axis: Int, axisSize: Int, op: String,
                              _ body: (Int, Int, Int) -> Void) {
        let idx = index.isContiguous ? index : contiguous(index)
        let p = idx.elementPointer(Int64.self)
        var coords = [Int](repeating: 0, count: index.rank)
        for position in 0..<idx.count {
            var r = position, base = offset
            for d in stride(from: index.rank - 1, through: 0, by: -1) {
                coords[d] = r % index.shape[d]; r /= index.shape[d]
                if d != axis { base += coords[d] * strides[d] }
            }
            var v = Int(p[position])
            if v < 0 { v += axisSize }
            precondition(v >= 0 && v < axisSize, "\(op): index \(p[position]) is out of range for axis \(axis) of size \(axisSize)")
            body(position, base, v)
        }
    }

    public func gather(_ x: Tensor, axis: Int, index: Tensor) -> Tensor {
        if let selected = selectBlocks(x, axis: axis, index: index) { return selected }
        let out = Tensor(uninitializedShape: index.shape, dtype: x.dtype)
        func run<T>(_: T.Type) {
            let px = x.storage.pointer(as: T.self), po = out.elementPointer(T.self)
            let s = x.strides[axis]
            forEachIndex(index, strides: x.strides, offset: x.layout.offset, axis: axis, axisSize: x.shape[axis], op: "gather") { pos, base, v in
                po[pos] = px[base + v * s]
            }
        }
        switch x.dtype.byteSize {
        case 1: run(UInt8.self)
        case 2: run(UInt16.self)
        case 4: run(UInt32.self)
        default: run(UInt64.self)
        }
        return out
    }

    /// The picks of the `indexSelect` pattern: an index that varies only along `axis` (stride 0
    /// elsewhere) and covers `tensor` fully outside it. Calls `body(source, target)` with the block
    /// numbers (in units of the inner block: the axes after `axis`) of each pick's block in the index's
    /// own layout and at its picked position in `tensor`; false (nothing called) where the index is not
    /// that pattern. `op` names the caller in the out-of-range message.
    private func forEachPickedBlock(_ tensor: Tensor, axis: Int, index: Tensor, op: String, _ body: (Int, Int) -> Void) -> Bool {
        for d in 0..<index.rank where d != axis {
            guard index.strides[d] == 0 || index.shape[d] == 1, index.shape[d] == tensor.shape[d] else { return false }
        }
        let outer = tensor.shape[..<axis].reduce(1, *), picks = index.shape[axis], axisSize = tensor.shape[axis]
        let idx = index.storage.pointer(as: Int64.self) + index.layout.offset
        let idxStride = index.strides[axis]
        for o in 0..<outer {
            for j in 0..<picks {
                var v = Int(idx[j * idxStride])
                if v < 0 { v += axisSize }
                precondition(v >= 0 && v < axisSize, "\(op): index \(idx[j * idxStride]) is out of range for axis \(axis) of size \(axisSize)")
                body(o * picks + j, o * axisSize + v)
            }
        }
        return true
    }

    /// Gather in the `indexSelect` pattern on a contiguous `x`: copies whole inner blocks instead of
    /// addressing element by element (a batch gather of images is one memcpy per image).
    private func selectBlocks(_ x: Tensor, axis: Int, index: Tensor) -> Tensor? {
        guard x.isContiguous else { return nil }
        let out = Tensor(uninitializedShape: index.shape, dtype: x.dtype)
        let width = x.dtype.byteSize, blockBytes = x.shape[(axis + 1)...].reduce(1, *) * width
        let src = x.storage.data + x.layout.offset * width, dst = out.storage.data
        let done = forEachPickedBlock(x, axis: axis, index: index, op: "gather") { pick, position in
            (dst + pick * blockBytes).copyMemory(from: src + position * blockBytes, byteCount: blockBytes)
        }
        return done ? out : nil
    }

    /// The backward of the `indexSelect` pattern (an embedding's gradient): adds whole inner blocks of
    /// the dense `source` into the dense `out` at the picked positions along `axis`, instead of element by
    /// element. False (nothing done) where the index is not that pattern or the dtype is not float32/64.
    private func addBlocks(into out: Tensor, axis: Int, index: Tensor, source: Tensor) -> Bool {
        func run<T: BinaryFloatingPoint>(_: T.Type) -> Bool {
            let inner = out.shape[(axis + 1)...].reduce(1, *)
            let dst = out.elementPointer(T.self), src = source.elementPointer(T.self)
            return forEachPickedBlock(out, axis: axis, index: index, op: "scatter") { pick, position in
                let target = dst + position * inner, row = src + pick * inner
                for k in 0..<inner { target[k] += row[k] }
            }
        }
        switch out.dtype {
        case .float32: return run(Float.self)
        case .float64: return run(Double.self)
        default: return false
        }
    }

    public func scatter(_ x: Tensor, axis: Int, index: Tensor, source: Tensor, accumulate: Bool) -> Tensor {
        if accumulate && x.dtype.cpuComputeType != x.dtype {
            let c = x.dtype.cpuComputeType
            return cast(scatter(cast(x, to: c), axis: axis, index: index, source: cast(source, to: c), accumulate: true), to: x.dtype)
        }
        let out = contiguous(x)
        let src = source.isContiguous ? source : contiguous(source)
        if accumulate, src.shape == index.shape, addBlocks(into: out, axis: axis, index: index, source: src) { return out }
        let srcStrides = src.strides
        func run<T>(_: T.Type, _ combine: (T, T) -> T) {
            let po = out.elementPointer(T.self), ps = src.elementPointer(T.self)
            let s = out.strides[axis]
            var coords = [Int](repeating: 0, count: index.rank)
            forEachIndex(index, strides: out.strides, offset: 0, axis: axis, axisSize: out.shape[axis], op: "scatter") { pos, base, v in
                var r = pos, so = 0
                for d in stride(from: index.rank - 1, through: 0, by: -1) {
                    coords[d] = r % index.shape[d]; r /= index.shape[d]
                    so += coords[d] * srcStrides[d]
                }
                po[base + v * s] = combine(po[base + v * s], ps[so])
            }
        }
        if accumulate {
            switch x.dtype {
            case .float32: run(Float.self, +)
            case .float64: run(Double.self, +)
            default: run(Int64.self, &+)
            }
        } else {
            switch x.dtype.byteSize {
            case 1: run(UInt8.self) { $1 }
            case 2: run(UInt16.self) { $1 }
            case 4: run(UInt32.self) { $1 }
            default: run(UInt64.self) { $1 }
            }
        }
        return out
    }

    public func sort(_ x: Tensor, axis: Int, descending: Bool) -> (values: Tensor, indices: Tensor) {
        var order = Array(0..<x.rank); order.remove(at: axis); order.append(axis)
        let keys = contiguous(cast(x, to: x.dtype.isFloatingPoint ? .float64 : .int64)
            .viewing(Layout(shape: order.map { x.shape[$0] }, strides: order.map { x.strides[$0] }, offset: x.layout.offset)))
        let n = x.shape[axis], rows = n == 0 ? 0 : keys.count / n
        let indices = Tensor(uninitializedShape: keys.shape, dtype: .int64)
        let pi = indices.elementPointer(Int64.self)
        func run<T: Comparable>(_: T.Type, isNaN: (T) -> Bool) {
            let pk = keys.elementPointer(T.self)
            for r in 0..<rows {
                let row = pk + r * n
                // NaN sorts as the largest value, as in PyTorch.
                let perm = (0..<n).sorted { i, j in
                    let a = row[i], b = row[j]
                    if isNaN(a) || isNaN(b) { return descending ? (isNaN(a) && !isNaN(b)) : (!isNaN(a) && isNaN(b)) }
                    return descending ? a > b : a < b
                }
                for (j, p) in perm.enumerated() { pi[r * n + j] = Int64(p) }
            }
        }
        if keys.dtype == .float64 { run(Double.self) { $0.isNaN } } else { run(Int64.self) { _ in false } }
        var inverse = [Int](repeating: 0, count: x.rank)
        for (i, a) in order.enumerated() { inverse[a] = i }
        let idxBack = contiguous(indices.viewing(Layout(shape: x.shape, strides: inverse.map { indices.strides[$0] }, offset: 0)))
        return (gather(x, axis: axis, index: idxBack), idxBack)
    }
}
