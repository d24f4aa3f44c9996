/// CPU kernels for reductions: one pass over the input in its own memory order, combining into
/// an output viewed with stride 0 on the reduced axes. A row whose output stride is 0 is reduced
/// with several independent accumulators (vectorisable, and more accurate than one running sum).
extension CPUBackend {
    public func reduce(_ op: ReduceOp, _ x: Tensor, axes: [Int], keepDims: Bool, resultType: DType) -> Tensor {
        let compute = x.dtype.cpuComputeType
        if compute != x.dtype || (op == .sum || op == .prod) && x.dtype == .bool {
            let r = reduce(op, cast(x, to: compute), axes: axes, keepDims: keepDims, resultType: op.resultType(compute))
            return r.dtype == resultType ? r : cast(r, to: resultType)
        }
        switch compute {
        case .float32: return reduceFloat(op, x, axes: axes, keepDims: keepDims, Float.self)
        case .float64: return reduceFloat(op, x, axes: axes, keepDims: keepDims, Double.self)
        default:
            switch op {
            case .sum: return reduceLoop(x, axes: axes, keepDims: keepDims, Int64.self, identity: 0, &+)
            case .prod: return reduceLoop(x, axes: axes, keepDims: keepDims, Int64.self, identity: 1, &*)
            case .max: return reduceLoop(x, axes: axes, keepDims: keepDims, Int64.self, identity: .min) { Swift.max($0, $1) }
            case .min: return reduceLoop(x, axes: axes, keepDims: keepDims, Int64.self, identity: .max) { Swift.min($0, $1) }
            }
        }
    }

    private func reduceFloat<T: CPUFloat>(_ op: ReduceOp, _ x: Tensor, axes: [Int], keepDims: Bool, _: T.Type) -> Tensor {
        switch op {
        case .sum:
            if let columnSums = sumLeadingAxes(x, axes: axes, keepDims: keepDims, T.self) { return columnSums }
            return reduceLoop(x, axes: axes, keepDims: keepDims, T.self, identity: 0, +)
        case .prod: return reduceLoop(x, axes: axes, keepDims: keepDims, T.self, identity: 1, *)
        case .max: return reduceLoop(x, axes: axes, keepDims: keepDims, T.self, identity: -T.infinity) { $0 > $1 || $0.isNaN ? $0 : $1 }
        case .min: return reduceLoop(x, axes: axes, keepDims: keepDims, T.self, identity: T.infinity) { $0 < $1 || $0.isNaN ? $0 : $1 }
        }
    }

    /// The sum of a large dense tensor over its leading axes (a bias gradient: [rows, columns] to
    /// [columns]), with threads on disjoint column ranges; nil where that does not apply. Rows are added
    /// in order, as `reduceLoop` does, so the values are the same.
    private func sumLeadingAxes<T: CPUFloat>(_ x: Tensor, axes: [Int], keepDims: Bool, _: T.Type) -> Tensor? {
        guard x.isContiguous, !axes.isEmpty, axes.count < x.rank, axes == Array(0..<axes.count),
              x.count >= Parallel.elementwiseGrain else { return nil }
        let columns = x.shape[axes.count...].reduce(1, *), rows = x.count / max(columns, 1)
        guard columns > 0, rows > 1 else { return nil }
        let out = Tensor(uninitializedShape: reducedShape(x.shape, axes: axes, keepDims: keepDims), dtype: x.dtype)
        let source = UncheckedSendable(UnsafePointer(x.elementPointer(T.self))), target = UncheckedSendable(out.elementPointer(T.self))
        Parallel.forChunks(count: columns, grain: max(64, Parallel.elementwiseGrain / rows)) { range in
            let sum = target.value + range.lowerBound, n = range.count
            sum.initialize(repeating: 0, count: n)
            for r in 0..<rows {
                let row = source.value + r * columns + range.lowerBound
                for j in 0..<n { sum[j] += row[j] }
            }
        }
        return out
    }

    @inline(__always)
    private func reduceLoop<T>(_ x: Tensor, axes: [Int], keepDims: Bool, _: T.Type, identity: T, _ f: (T, T) -> T) -> Tensor {
        let outShape = reducedShape(x.shape, axes: axes, keepDims: keepDims)
        let out = Tensor(uninitializedShape: outShape, dtype: x.dtype)
        let po = out.elementPointer(T.self)
        po.initialize(repeating: identity, count: out.count)
        if x.count == 0 { return out }
        // Output strides in the input's index space: 0 on reduced axes.
        let keptStrides = Layout.contiguousStrides(for: reducedShape(x.shape, axes: axes, keepDims: true))
        let outStrides = (0..<x.rank).map { axes.contains($0) ? 0 : keptStrides[$0] }
        let rows = StridedRows(shape: x.shape, strides: [x.strides, outStrides], offsets: [x.layout.offset, 0])
        let px = x.storage.pointer(as: T.self)
        let sx = rows.innerStride(0), so = rows.innerStride(1), n = rows.rowLength
        rows.forEachRow(in: 0..<rows.rowCount) { _, o in
            let src = px + o[0]
            if so == 0 {
                // Reduce the row with 8 accumulators, then fold into the output.
                var acc = (identity, identity, identity, identity, identity, identity, identity, identity)
                var j = 0
                if sx == 1 {
                    while j + 8 <= n {
                        acc.0 = f(acc.0, src[j]); acc.1 = f(acc.1, src[j + 1]); acc.2 = f(acc.2, src[j + 2]); acc.3 = f(acc.3, src[j + 3])
                        acc.4 = f(acc.4, src[j + 4]); acc.5 = f(acc.5, src[j + 5]); acc.6 = f(acc.6, src[j + 6]); acc.7 = f(acc.7, src[j + 7])
                        j += 8
                    }
                }
                while j < n { acc.0 = f(acc.0, src[j * sx]); j += 1 }
                let total = f(f(f(acc.0, acc.1), f(acc.2, acc.3)), f(f(acc.4, acc.5), f(acc.6, acc.7)))
                po[o[1]] = f(po[o[1]], total)
            } else {
                let dst = po + o[1]
                for j in 0..<n { dst[j * so] = f(dst[j * so], src[j * sx]) }
            }
        }
        return out
    }

    public func argReduce(_ op: ArgReduceOp, _ x: Tensor, axis: Int, keepDims: Bool) -> Tensor {
        let compute: DType = x.dtype.isFloatingPoint ? .float64 : .int64
        let moved = cast(x, to: compute)
        var order = Array(0..<x.rank); order.remove(at: axis); order.append(axis)
        let perm = moved.viewing(Layout(shape: order.map { x.shape[$0] }, strides: order.map { moved.strides[$0] }, offset: moved.layout.offset))
        let dense = contiguous(perm)
        let n = x.shape[axis]
        let outShape = reducedShape(x.shape, axes: [axis], keepDims: keepDims)
        let out = Tensor(uninitializedShape: outShape, dtype: .int64)
        let po = out.elementPointer(Int64.self)
        let rows = out.count
        func run<T: Comparable & TensorScalar>(_: T.Type, isNaN: (T) -> Bool) {
            let p = dense.elementPointer(T.self)
            for r in 0..<rows {
                let row = p + r * n
                var best = 0
                for j in 1..<Swift.max(n, 1) {
                    if isNaN(row[best]) { break }
                    let better = op == .argmax ? row[j] > row[best] : row[j] < row[best]
                    if better || isNaN(row[j]) { best = j }
                }
                po[r] = Int64(best)
            }
        }
        if compute == .float64 { run(Double.self) { $0.isNaN } } else { run(Int64.self) { _ in false } }
        return out
    }

    public func cumsum(_ x: Tensor, axis: Int, resultType: DType) -> Tensor {
        let compute = resultType.cpuComputeType
        let source = cast(x, to: compute)
        var order = Array(0..<x.rank); order.remove(at: axis); order.append(axis)
        let perm = contiguous(source.viewing(Layout(shape: order.map { x.shape[$0] }, strides: order.map { source.strides[$0] }, offset: source.layout.offset)))
        let n = x.shape[axis], rows = n == 0 ? 0 : perm.count / n
        func run<T: AdditiveArithmetic>(_: T.Type) {
            let p = perm.elementPointer(T.self)
            for r in 0..<rows {
                var acc = T.zero
                for j in 0..<n { acc += p[r * n + j]; p[r * n + j] = acc }
            }
        }
        switch compute {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        default: run(Int64.self)
        }
        // Move the axis back.
        var inverse = [Int](repeating: 0, count: x.rank)
        for (i, a) in order.enumerated() { inverse[a] = i }
        let back = perm.viewing(Layout(shape: x.shape, strides: inverse.map { perm.strides[$0] }, offset: 0))
        return cast(contiguous(back), to: resultType)
    }
}
