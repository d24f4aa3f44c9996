/// CPU kernels for the copying movement primitives: pad, flip, concat.
extension CPUBackend {
    /// Copies `source` elementwise into the view `destination` (same shape and dtype, storage owned by the caller).
    func assign(_ source: Tensor, into destination: Tensor) {
        func run<T>(_: T.Type) {
            let rows = StridedRows(shape: source.shape, strides: [source.strides, destination.strides],
                                   offsets: [source.layout.offset, destination.layout.offset])
            let ps = source.storage.pointer(as: T.self), pd = destination.storage.pointer(as: T.self)
            let ss = rows.innerStride(0), sd = rows.innerStride(1), n = rows.rowLength
            rows.forEachRow(in: 0..<rows.rowCount) { _, o in
                if ss == 1 && sd == 1 {
                    (pd + o[1]).update(from: ps + o[0], count: n)
                } else {
                    for j in 0..<n { pd[o[1] + j * sd] = ps[o[0] + j * ss] }
                }
            }
        }
        if source.count == 0 { return }
        switch source.dtype.byteSize {
        case 1: run(UInt8.self)
        case 2: run(UInt16.self)
        case 4: run(UInt32.self)
        default: run(UInt64.self)
        }
    }

    public func pad(_ x: Tensor, before: [Int], after: [Int], mode: PadMode, value: Double) -> Tensor {
        switch mode {
        case .constant:
            let shape = (0..<x.rank).map { x.shape[$0] + before[$0] + after[$0] }
            let out = filled(shape, value: value, dtype: x.dtype)
            var interior = out.layout
            interior.shape = x.shape
            interior.offset = zip(before, out.strides).map(*).reduce(0, +)
            assign(x, into: out.viewing(interior))
            return out
        case .reflect:
            var y = x
            for axis in 0..<x.rank where before[axis] > 0 || after[axis] > 0 {
                var parts: [Tensor] = []
                if before[axis] > 0 { parts.append(flip(sliceView(y, axis: axis, start: 1, end: before[axis] + 1), axes: [axis])) }
                parts.append(y)
                let n = y.shape[axis]
                if after[axis] > 0 { parts.append(flip(sliceView(y, axis: axis, start: n - 1 - after[axis], end: n - 1), axes: [axis])) }
                y = concat(parts, axis: axis)
            }
            return y
        }
    }

    /// A view of `start..<end` along `axis` (no autograd; kernels only).
    func sliceView(_ x: Tensor, axis: Int, start: Int, end: Int) -> Tensor {
        var l = x.layout
        l.offset += start * l.strides[axis]
        l.shape[axis] = end - start
        return x.viewing(l)
    }

    public func flip(_ x: Tensor, axes: [Int]) -> Tensor {
        var l = x.layout
        for axis in axes where l.shape[axis] > 0 {
            l.offset += (l.shape[axis] - 1) * l.strides[axis]
            l.strides[axis] = -l.strides[axis]
        }
        return contiguous(x.viewing(l))
    }

    public func concat(_ xs: [Tensor], axis: Int) -> Tensor {
        var shape = xs[0].shape
        shape[axis] = xs.map { $0.shape[axis] }.reduce(0, +)
        let out = Tensor(uninitializedShape: shape, dtype: xs[0].dtype)
        var start = 0
        for x in xs {
            assign(x, into: sliceView(out, axis: axis, start: start, end: start + x.shape[axis]))
            start += x.shape[axis]
        }
        return out
    }
}
