// Fused attention kernels for the `attention` primitive (`Primitives/AttentionPrimitive.swift`): the
// flash-attention schedule on the CPU.
//
// Forward, per (batch, block of query rows): the scores of one block of keys at a time (one GEMM), an
// online softmax over them (a running maximum and sum per row, the accumulated values rescaled when the
// maximum grows), and the weighted values added to an accumulator (one GEMM). Only a [queryBlock,
// keyBlock] tile of scores exists at a time, one per thread, instead of the [batch, L, S] scores and
// weights; the kernel keeps log Σ exp of every query row for backward.
//
// Backward, per batch: the same tiles recomputed from the saved log Σ exp, then dV += Pᵀ·dO,
// dP = dO·Vᵀ, dS = P ⊙ (dP - rowsum(dO ⊙ O)), dQ += dS·K and dK += dSᵀ·Q tile by tile (the scale folded
// into dS). Batches run in parallel, so each batch's dK and dV have one writer.

import Foundation

/// The shape and attributes of one attention call: [batch, L, E] queries against [batch, S, E] keys
/// and [batch, S, Ev] values (batch flattened from the leading axes).
struct AttentionShape {
    /// Leading (batch and head) axes, common to every operand.
    let batchShape: [Int]
    /// Query rows L, keys S, query/key depth E and value depth Ev.
    let queries: Int, keys: Int, depth: Int, valueDepth: Int
    /// The factor applied to the scores.
    let scale: Double
    /// Whether query i sees keys 0...i only.
    let causal: Bool

    var batch: Int { batchShape.reduce(1, *) }

    /// Query rows per task, and keys per tile: a [64, 256] float tile is 64 KiB, inside L2.
    static let queryBlock = 64, keyBlock = 256

    /// The keys query rows `q0..<q0 + rows` can see: all of them, or 0...(last row) when causal.
    func keyEnd(queryStart q0: Int, rows: Int) -> Int { causal ? Swift.min(keys, q0 + rows) : keys }
}

/// The matrices of a tensor [batch..., rows, columns] at its own strides (broadcast axes may have
/// stride 0): where batch `b`'s matrix starts, and the row stride as a GEMM's leading dimension.
struct BatchedMatrices<T> {
    let base: UnsafeMutablePointer<T>
    let batchShape: [Int], batchStrides: [Int]
    let rowStride: Int, columnStride: Int
    /// The leading dimension for GEMM (a one-row matrix may have any row stride).
    let leadingDimension: Int

    init(_ x: Tensor) {
        base = x.elementPointer(T.self)
        batchShape = Array(x.shape.dropLast(2))
        batchStrides = Array(x.strides.dropLast(2))
        rowStride = x.strides[x.rank - 2]
        columnStride = x.strides[x.rank - 1]
        let (rows, columns) = (x.shape[x.rank - 2], x.shape[x.rank - 1])
        leadingDimension = rows <= 1 ? Swift.max(columns, 1) : rowStride
    }

    /// Whether `x`'s matrices can go to GEMM as they are: unit column stride, rows that do not overlap.
    static func servesGEMM(_ x: Tensor) -> Bool {
        let (rows, columns) = (x.shape[x.rank - 2], x.shape[x.rank - 1])
        return (x.strides[x.rank - 1] == 1 || columns <= 1) && (rows <= 1 || x.strides[x.rank - 2] >= Swift.max(columns, 1))
    }

    /// The first element of batch `b`'s matrix.
    @inline(__always) func matrix(_ b: Int) -> UnsafeMutablePointer<T> {
        var rest = b, offset = 0
        for axis in stride(from: batchShape.count - 1, through: 0, by: -1) {
            offset += (rest % batchShape[axis]) * batchStrides[axis]
            rest /= batchShape[axis]
        }
        return base + offset
    }
}

extension CPUBackend {
    /// The attention output [batch..., L, Ev] and log Σ exp of each query row's scores [batch..., L]
    /// (+∞ for a row that sees no key). `query`, `key`, `value` and the additive `mask` ([batch..., L, S],
    /// any strides) share the batch shape; the first three serve GEMM (`BatchedMatrices.servesGEMM`).
    func attentionForward<T: SequenceKernelScalar>(_: T.Type, query: Tensor, key: Tensor, value: Tensor, mask: Tensor?,
                                                   shape: AttentionShape) -> (output: Tensor, logSumExp: Tensor) {
        let (l, e, ev) = (shape.queries, shape.depth, shape.valueDepth)
        let output = Tensor(uninitializedShape: shape.batchShape + [l, ev], dtype: query.dtype)
        let logSumExp = Tensor(uninitializedShape: shape.batchShape + [l], dtype: query.dtype)
        let q = BatchedMatrices<T>(query), k = BatchedMatrices<T>(key), v = BatchedMatrices<T>(value)
        let m = mask.map { BatchedMatrices<T>($0) }
        let out = UncheckedSendable(output.elementPointer(T.self)), lse = UncheckedSendable(logSumExp.elementPointer(T.self))
        let (qb, kb) = (AttentionShape.queryBlock, AttentionShape.keyBlock)
        let queryBlocks = (l + qb - 1) / qb
        runAttentionTasks(T.self, count: shape.batch * queryBlocks) { tasks in
            let scores = UnsafeMutablePointer<T>.allocate(capacity: qb * kb), accumulator = UnsafeMutablePointer<T>.allocate(capacity: qb * ev)
            let rowMax = UnsafeMutablePointer<T>.allocate(capacity: qb), rowSum = UnsafeMutablePointer<T>.allocate(capacity: qb)
            defer { scores.deallocate(); accumulator.deallocate(); rowMax.deallocate(); rowSum.deallocate() }
            for task in tasks {
                let b = task / queryBlocks, q0 = (task % queryBlocks) * qb, rows = Swift.min(qb, l - q0)
                let (qm, km, vm) = (q.matrix(b) + q0 * q.rowStride, k.matrix(b), v.matrix(b))
                accumulator.initialize(repeating: 0, count: rows * ev)
                rowMax.initialize(repeating: -T.infinity, count: rows)
                rowSum.initialize(repeating: 0, count: rows)
                let keyEnd = shape.keyEnd(queryStart: q0, rows: rows)
                for k0 in stride(from: 0, to: keyEnd, by: kb) {
                    let columns = Swift.min(kb, keyEnd - k0)
                    T.gemm(transposeA: false, transposeB: true, m: rows, n: columns, k: e, a: qm, lda: q.leadingDimension,
                           b: km + k0 * k.rowStride, ldb: k.leadingDimension, beta: 0, c: scores, ldc: columns)
                    for r in 0..<rows {
                        let row = scores + r * columns
                        attentionScoreRow(row, columns: columns, query: q0 + r, keyStart: k0, mask: m, batch: b, shape: shape)
                        var peak = -T.infinity
                        for j in 0..<columns { peak = Swift.max(peak, row[j]) }
                        let newMax = Swift.max(rowMax[r], peak)
                        guard newMax != -T.infinity else {   // nothing visible yet: the tile adds nothing
                            row.update(repeating: 0, count: columns)
                            continue
                        }
                        for j in 0..<columns { row[j] -= newMax }
                        T.exp(UnsafePointer(row), row, count: columns)
                        var total: T = 0
                        for j in 0..<columns { total += row[j] }
                        if rowMax[r] != newMax {
                            let correction = T(Foundation.exp(Double(rowMax[r] - newMax)))   // 0 when rowMax is -∞
                            rowSum[r] *= correction
                            let accumulated = accumulator + r * ev
                            for c in 0..<ev { accumulated[c] *= correction }
                            rowMax[r] = newMax
                        }
                        rowSum[r] += total
                    }
                    T.gemm(transposeA: false, transposeB: false, m: rows, n: ev, k: columns, a: scores, lda: columns,
                           b: vm + k0 * v.rowStride, ldb: v.leadingDimension, beta: 1, c: accumulator, ldc: ev)
                }
                for r in 0..<rows {
                    let i = b * l + q0 + r, target = out.value + i * ev, accumulated = accumulator + r * ev
                    let total = rowSum[r], inverse = total > 0 ? 1 / total : 0
                    for c in 0..<ev { target[c] = accumulated[c] * inverse }
                    lse.value[i] = total > 0 ? rowMax[r] + T(Foundation.log(Double(total))) : T.infinity
                }
            }
        }
        return (output, logSumExp)
    }

    /// Gradients of `attentionForward`'s inputs [batch..., L, E], [batch..., S, E], [batch..., S, Ev] (dense,
    /// at the common batch shape) from the output's gradient and the forward's output and log Σ exp
    /// (all three dense).
    func attentionBackward<T: SequenceKernelScalar>(_: T.Type, query: Tensor, key: Tensor, value: Tensor, mask: Tensor?,
                                                    output: Tensor, logSumExp: Tensor, gradOutput: Tensor,
                                                    shape: AttentionShape) -> (query: Tensor, key: Tensor, value: Tensor) {
        let (l, s, e, ev) = (shape.queries, shape.keys, shape.depth, shape.valueDepth)
        let gradQuery = filled(shape.batchShape + [l, e], value: 0, dtype: query.dtype)
        let gradKey = filled(shape.batchShape + [s, e], value: 0, dtype: query.dtype)
        let gradValue = filled(shape.batchShape + [s, ev], value: 0, dtype: query.dtype)
        let q = BatchedMatrices<T>(query), k = BatchedMatrices<T>(key), v = BatchedMatrices<T>(value)
        let m = mask.map { BatchedMatrices<T>($0) }
        let pointers = UncheckedSendable((o: UnsafePointer(output.elementPointer(T.self)), lse: UnsafePointer(logSumExp.elementPointer(T.self)),
                                          dO: UnsafePointer(gradOutput.elementPointer(T.self)), dQ: gradQuery.elementPointer(T.self),
                                          dK: gradKey.elementPointer(T.self), dV: gradValue.elementPointer(T.self)))
        let (qb, kb) = (AttentionShape.queryBlock, AttentionShape.keyBlock)
        runAttentionTasks(T.self, count: shape.batch) { batches in
            let p = UnsafeMutablePointer<T>.allocate(capacity: qb * kb), dS = UnsafeMutablePointer<T>.allocate(capacity: qb * kb)
            let rowDot = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(l, 1))
            defer { p.deallocate(); dS.deallocate(); rowDot.deallocate() }
            let x = pointers.value
            for b in batches {
                let (qm, km, vm) = (q.matrix(b), k.matrix(b), v.matrix(b))
                let (o, lse, dO) = (x.o + b * l * ev, x.lse + b * l, x.dO + b * l * ev)
                let (dQ, dK, dV) = (x.dQ + b * l * e, x.dK + b * s * e, x.dV + b * s * ev)
                for i in 0..<l {
                    var dot: T = 0
                    for c in 0..<ev { dot += dO[i * ev + c] * o[i * ev + c] }
                    rowDot[i] = dot
                }
                for q0 in stride(from: 0, to: l, by: qb) {
                    let rows = Swift.min(qb, l - q0), keyEnd = shape.keyEnd(queryStart: q0, rows: rows)
                    let (qRows, dORows) = (qm + q0 * q.rowStride, dO + q0 * ev)
                    for k0 in stride(from: 0, to: keyEnd, by: kb) {
                        let columns = Swift.min(kb, keyEnd - k0)
                        let (kRows, vRows) = (km + k0 * k.rowStride, vm + k0 * v.rowStride)
                        T.gemm(transposeA: false, transposeB: true, m: rows, n: columns, k: e, a: qRows, lda: q.leadingDimension,
                               b: kRows, ldb: k.leadingDimension, beta: 0, c: p, ldc: columns)
                        for r in 0..<rows {   // the weights P = exp(scores - log Σ exp)
                            let row = p + r * columns, shift = lse[q0 + r]
                            attentionScoreRow(row, columns: columns, query: q0 + r, keyStart: k0, mask: m, batch: b, shape: shape)
                            for j in 0..<columns { row[j] -= shift }
                            T.exp(UnsafePointer(row), row, count: columns)
                        }
                        T.gemm(transposeA: true, transposeB: false, m: columns, n: ev, k: rows, a: p, lda: columns,
                               b: dORows, ldb: ev, beta: 1, c: dV + k0 * ev, ldc: ev)
                        T.gemm(transposeA: false, transposeB: true, m: rows, n: columns, k: ev, a: dORows, lda: ev,
                               b: vRows, ldb: v.leadingDimension, beta: 0, c: dS, ldc: columns)
                        let scale = T(shape.scale)
                        for r in 0..<rows {   // dS = P ⊙ (dP - rowsum(dO ⊙ O)) · scale
                            let (pr, dr, dot) = (p + r * columns, dS + r * columns, rowDot[q0 + r])
                            for j in 0..<columns { dr[j] = pr[j] * (dr[j] - dot) * scale }
                        }
                        T.gemm(transposeA: false, transposeB: false, m: rows, n: e, k: columns, a: dS, lda: columns,
                               b: kRows, ldb: k.leadingDimension, beta: 1, c: dQ + q0 * e, ldc: e)
                        T.gemm(transposeA: true, transposeB: false, m: columns, n: e, k: rows, a: dS, lda: columns,
                               b: qRows, ldb: q.leadingDimension, beta: 1, c: dK + k0 * e, ldc: e)
                    }
                }
            }
        }
        return (gradQuery, gradKey, gradValue)
    }

    /// Turns one row of raw products q·kᵀ (keys `keyStart..<keyStart + columns`, query row `query` of
    /// batch `batch`) into scores: times the scale, plus the mask, and -∞ past the diagonal when causal.
    @inline(__always)
    private func attentionScoreRow<T: SequenceKernelScalar>(_ row: UnsafeMutablePointer<T>, columns: Int, query i: Int, keyStart k0: Int,
                                                            mask: BatchedMatrices<T>?, batch b: Int, shape: AttentionShape) {
        let scale = T(shape.scale)
        if let mask {
            let values = mask.matrix(b) + i * mask.rowStride + k0 * mask.columnStride, step = mask.columnStride
            for j in 0..<columns { row[j] = row[j] * scale + values[j * step] }
        } else {
            for j in 0..<columns { row[j] *= scale }
        }
        if shape.causal {
            let visible = Swift.max(0, Swift.min(columns, i - k0 + 1))
            for j in visible..<columns { row[j] = -T.infinity }
        }
    }

    /// Runs `body` over chunks of `0..<count` tasks: on the thread team for float32 (each task's GEMMs
    /// then run on one thread; oneDNN does not nest), in one chunk for other types, whose GEMM (OpenBLAS)
    /// threads itself.
    private func runAttentionTasks<T>(_: T.Type, count: Int, _ body: (Range<Int>) -> Void) {
        if T.self == Float.self {
            Parallel.forChunks(count: count, grain: 1, body)
        } else if count > 0 {
            body(0..<count)
        }
    }
}
