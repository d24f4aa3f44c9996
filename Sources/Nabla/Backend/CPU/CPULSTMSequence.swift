// The CPU kernels of the `lstmSequence` primitive (see `Primitives/LSTMSequencePrimitive.swift`): a
// whole LSTM layer direction, forward and backward, as one loop over time each way.
//
// Forward, per step: one product writes the step's input projection plus h_{t-1}·W_hhᵀ into the gates
// buffer (float32: oneDNN's matmul primitive with W_hhᵀ packed once per call), then one pass turns the pre-activations into the activations
// i, f, g, o in place (kept for backward) and writes c_t and h_t. Backward, per step: one pass from
// (dh_t, dc_t) to the four gate gradients and dc_{t-1}, then one GEMM dh_{t-1} = dgates_t·W_hh. The
// weight gradient is one GEMM over all steps at the end (Σ_t dgatesᵀ_t·h_{t-1}, K = steps·batch)
// instead of a thin GEMM and an accumulation per step; the gate gradients double as the gradient of
// the input projection, so the input weights get theirs from one GEMM too (through the ops that made
// the projection). This is the schedule of oneDNN's and cuDNN's RNN primitives.

import Foundation

/// The scalar types the LSTM sequence kernels run in: the activations and the GEMM they call.
protocol LSTMKernelScalar: BinaryFloatingPoint & SIMDScalar & Codable {
    /// `x[i] = σ(x[i])` for `count` contiguous values.
    static func sigmoidInPlace(_ x: UnsafeMutablePointer<Self>, count: Int)
    /// `y[i] = tanh(x[i])` for `count` contiguous values (`x` and `y` may be the same buffer).
    static func tanh(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, count: Int)
    /// The forward step's product for one sequence: returns `step(h, projection_t, gates_t)`, which
    /// writes gates_t = projection_t + h·W_hhᵀ ([batch, 4·hidden]) for the dense `weightHH` [4·hidden, hidden].
    static func recurrentProduct(batch: Int, hidden: Int, weightHH: Tensor)
        -> (_ h: UnsafePointer<Self>, _ projection: UnsafePointer<Self>, _ gates: UnsafeMutablePointer<Self>) -> Void
    /// Row-major `C = op(A)·op(B) + beta·C`.
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Self>, lda: Int,
                     b: UnsafePointer<Self>, ldb: Int, beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
}

extension Float: LSTMKernelScalar {
    /// W_hhᵀ packed once for oneDNN's matmul primitive, the projection added as a post-op (see `OneDNNPackedMatmul`).
    static func recurrentProduct(batch: Int, hidden: Int, weightHH: Tensor)
        -> (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void {
        let product = OneDNNPackedMatmul.shared(.init(m: batch, k: hidden, n: 4 * hidden, weightsTransposed: true, addend: true))
        let packed = Tensor(uninitializedShape: [product.packedByteCount], dtype: .uint8)
        product.pack(UnsafePointer(weightHH.elementPointer(Float.self)), into: UnsafeMutableRawPointer(packed.elementPointer(UInt8.self)))
        return { h, projection, gates in
            product.multiply(h, packed: UnsafeRawPointer(packed.elementPointer(UInt8.self)), addend: projection, into: gates)
        }
    }
    static func sigmoidInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) { VectorMath.sigmoid(UnsafePointer(x), x, count: count) }
    static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) { VectorMath.tanh(x, y, count: count) }
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        GEMM.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb,
                   beta: beta, c: c, ldc: ldc)
    }
}

extension Double: LSTMKernelScalar {
    /// The projection copied into the gates, then one `dgemm` with W_hhᵀ (transposed once) and beta = 1.
    static func recurrentProduct(batch: Int, hidden: Int, weightHH: Tensor)
        -> (UnsafePointer<Double>, UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void {
        let weightT = weightHH.transposed().contiguous()
        return { h, projection, gates in
            gates.update(from: projection, count: batch * 4 * hidden)
            GEMM.dgemm(transposeA: false, transposeB: false, m: batch, n: 4 * hidden, k: hidden, alpha: 1, a: h, lda: hidden,
                       b: weightT.elementPointer(Double.self), ldb: 4 * hidden, beta: 1, c: gates, ldc: 4 * hidden)
        }
    }
    static func sigmoidInPlace(_ x: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { x[i] = 1 / (1 + Foundation.exp(-x[i])) }
    }
    static func tanh(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { y[i] = Foundation.tanh(x[i]) }
    }
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Double>, lda: Int,
                     b: UnsafePointer<Double>, ldb: Int, beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        GEMM.dgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb,
                   beta: beta, c: c, ldc: ldc)
    }
}

/// Calls `body(j, n)` for j = 0, 16, 32, … < `count` with n = min(16, count - j): the vectors of a row.
@inline(__always)
private func forEachVector(_ count: Int, _ body: (Int, Int) -> Void) {
    var j = 0
    while j < count {
        body(j, min(16, count - j))
        j += 16
    }
}

/// The `n` (≤ 16) values at `p + j` as a vector (zero-padded).
@inline(__always)
private func load<T: LSTMKernelScalar>(_ p: UnsafePointer<T>, _ j: Int, _ n: Int) -> SIMD16<T> {
    if n == 16 { return UnsafeRawPointer(p + j).loadUnaligned(as: SIMD16<T>.self) }
    var v = SIMD16<T>()
    for k in 0..<n { v[k] = p[j + k] }
    return v
}

@inline(__always)
private func load<T: LSTMKernelScalar>(_ p: UnsafeMutablePointer<T>, _ j: Int, _ n: Int) -> SIMD16<T> { load(UnsafePointer(p), j, n) }

/// Stores the first `n` (≤ 16) lanes of `v` at `p + j`.
@inline(__always)
private func store<T: LSTMKernelScalar>(_ v: SIMD16<T>, _ p: UnsafeMutablePointer<T>, _ j: Int, _ n: Int) {
    if n == 16 { UnsafeMutableRawPointer(p + j).storeBytes(of: v, as: SIMD16<T>.self); return }
    for k in 0..<n { p[j + k] = v[k] }
}

/// The sizes of one LSTM sequence and the time index of each processing step.
struct LSTMSequenceShape {
    let steps: Int, batch: Int, hidden: Int
    let reverse: Bool

    /// The time index handled at processing step `s` (reversed for the reverse direction).
    @inline(__always) func time(_ s: Int) -> Int { reverse ? steps - 1 - s : s }
    /// Elements of one step of the gates ([batch, 4·hidden]) and of the state ([batch, hidden]).
    var gateStride: Int { batch * 4 * hidden }
    var stateStride: Int { batch * hidden }
    /// Rows per parallel chunk of a pointwise pass, so a chunk has a worthwhile amount of work.
    var rowGrain: Int { max(1, Parallel.elementwiseGrain / max(1, 16 * hidden)) }
}

/// What the forward pass keeps for backward: the gate activations i, f, g, o [T, B, 4H] and the cell
/// states c_t [T, B, H], both by time index.
struct LSTMSequenceSaved {
    let gates: Tensor
    let cells: Tensor
}

extension CPUBackend {
    /// Runs one LSTM direction over a dense `projection` [T, B, 4H] (x·W_ihᵀ + both biases) from dense
    /// `h0`, `c0` [B, H] with dense `weightHH` [4H, H]; returns the hidden states [T, B, H] by time
    /// index, the last cell state [B, H] and what backward needs.
    func lstmSequenceForward<T: LSTMKernelScalar>(_: T.Type, projection: Tensor, h0: Tensor, c0: Tensor, weightHH: Tensor,
                                                  shape: LSTMSequenceShape) -> (output: Tensor, cell: Tensor, saved: LSTMSequenceSaved) {
        let (steps, batch, hidden) = (shape.steps, shape.batch, shape.hidden)
        let dtype = projection.dtype
        let output = Tensor(uninitializedShape: [steps, batch, hidden], dtype: dtype)
        let gates = Tensor(uninitializedShape: [steps, batch, 4 * hidden], dtype: dtype)
        let cells = Tensor(uninitializedShape: [steps, batch, hidden], dtype: dtype)
        let g = gates.elementPointer(T.self), c = cells.elementPointer(T.self), h = output.elementPointer(T.self)
        let product = T.recurrentProduct(batch: batch, hidden: hidden, weightHH: weightHH)
        let p = UnsafePointer(projection.elementPointer(T.self))
        var hPrevious = UnsafePointer(h0.elementPointer(T.self)), cPrevious = UnsafePointer(c0.elementPointer(T.self))
        for s in 0..<steps {
            let t = shape.time(s)
            let gt = g + t * shape.gateStride, ct = c + t * shape.stateStride, ht = h + t * shape.stateStride
            product(hPrevious, p + t * shape.gateStride, gt)
            let box = UncheckedSendable((gt, ct, ht, cPrevious))
            Parallel.forChunks(count: batch, grain: shape.rowGrain) { rows in
                let (gt, ct, ht, cPrevious) = box.value
                for row in rows {
                    let gr = gt + row * 4 * hidden, cr = ct + row * hidden, hr = ht + row * hidden, cp = cPrevious + row * hidden
                    T.sigmoidInPlace(gr, count: 2 * hidden)                     // i, f
                    T.tanh(UnsafePointer(gr + 2 * hidden), gr + 2 * hidden, count: hidden)   // g
                    T.sigmoidInPlace(gr + 3 * hidden, count: hidden)            // o
                    forEachVector(hidden) { j, n in
                        let c = load(gr + hidden, j, n) * load(cp, j, n) + load(gr, j, n) * load(gr + 2 * hidden, j, n)
                        store(c, cr, j, n)
                    }
                    T.tanh(UnsafePointer(cr), hr, count: hidden)
                    forEachVector(hidden) { j, n in store(load(gr + 3 * hidden, j, n) * load(hr, j, n), hr, j, n) }
                }
            }
            hPrevious = UnsafePointer(ht)
            cPrevious = UnsafePointer(ct)
        }
        let last = Tensor(uninitializedShape: [batch, hidden], dtype: dtype)
        last.elementPointer(T.self).update(from: cPrevious, count: shape.stateStride)
        return (output, last, LSTMSequenceSaved(gates: gates, cells: cells))
    }

    /// The gradients of one LSTM direction: of the projection [T, B, 4H], `h0`, `c0` [B, H] and
    /// `weightHH` [4H, H], from those of the outputs [T, B, H] and the last cell state [B, H] (nil: zero).
    /// Every tensor is dense (the gradients too); `output` and `saved` are what `lstmSequenceForward` returned.
    func lstmSequenceBackward<T: LSTMKernelScalar>(_: T.Type, output: Tensor, saved: LSTMSequenceSaved, h0: Tensor, c0: Tensor,
                                                   weightHH: Tensor, gradOutput: Tensor?, gradCell: Tensor?,
                                                   shape: LSTMSequenceShape) -> (projection: Tensor, h0: Tensor, c0: Tensor, weightHH: Tensor) {
        let (steps, batch, hidden) = (shape.steps, shape.batch, shape.hidden)
        let dtype = output.dtype
        let gradGates = Tensor(uninitializedShape: [steps, batch, 4 * hidden], dtype: dtype)
        let gradH = Tensor.zeros([batch, hidden], dtype: dtype)
        let gradC = Tensor.zeros([batch, hidden], dtype: dtype)
        if let gradCell { gradC.elementPointer(T.self).update(from: gradCell.elementPointer(T.self), count: shape.stateStride) }
        let tanhScratch = Tensor(uninitializedShape: [batch, hidden], dtype: dtype)
        let g = UnsafePointer(saved.gates.elementPointer(T.self)), c = UnsafePointer(saved.cells.elementPointer(T.self))
        let dg = gradGates.elementPointer(T.self), dh = gradH.elementPointer(T.self), dc = gradC.elementPointer(T.self)
        let tc = tanhScratch.elementPointer(T.self)
        let dOut = gradOutput.map { UnsafePointer($0.elementPointer(T.self)) }
        let w = UnsafePointer(weightHH.elementPointer(T.self))
        let c0p = UnsafePointer(c0.elementPointer(T.self))
        for s in stride(from: steps - 1, through: 0, by: -1) {
            let t = shape.time(s)
            let cPrevious = s == 0 ? c0p : c + shape.time(s - 1) * shape.stateStride
            let box = UncheckedSendable((g + t * shape.gateStride, c + t * shape.stateStride, cPrevious,
                                         dOut.map { $0 + t * shape.stateStride }, dg + t * shape.gateStride))
            Parallel.forChunks(count: batch, grain: shape.rowGrain) { rows in
                let (gt, ct, cp, dOutT, dgt) = box.value
                for row in rows {
                    let gr = gt + row * 4 * hidden, cr = ct + row * hidden, cpr = cp + row * hidden
                    let dhr = dh + row * hidden, dcr = dc + row * hidden, tcr = tc + row * hidden, dgr = dgt + row * 4 * hidden
                    let dOutRow = dOutT.map { $0 + row * hidden }
                    T.tanh(cr, tcr, count: hidden)
                    forEachVector(hidden) { j, n in
                        let i = load(gr, j, n), f = load(gr + hidden, j, n), gg = load(gr + 2 * hidden, j, n)
                        let o = load(gr + 3 * hidden, j, n), tanhC = load(tcr, j, n)
                        let gradHidden = dOutRow.map { load(dhr, j, n) + load($0, j, n) } ?? load(dhr, j, n)
                        let total = load(dcr, j, n) + gradHidden * o * (1 - tanhC * tanhC)
                        store(total * gg * (i * (1 - i)), dgr, j, n)
                        store(total * load(cpr, j, n) * (f * (1 - f)), dgr + hidden, j, n)
                        store(total * i * (1 - gg * gg), dgr + 2 * hidden, j, n)
                        store(gradHidden * tanhC * (o * (1 - o)), dgr + 3 * hidden, j, n)
                        store(total * f, dcr, j, n)
                    }
                }
            }
            // dh_{t-1} = dgates_t · W_hh (overwrites dh, whose step-t value the pass above consumed).
            T.gemm(transposeA: false, transposeB: false, m: batch, n: hidden, k: 4 * hidden, a: dg + t * shape.gateStride,
                   lda: 4 * hidden, b: w, ldb: hidden, beta: 0, c: dh, ldc: hidden)
        }
        // dW_hh = Σ_t dgatesᵀ_t · h_{t-1}: the steps whose previous state is an output in one GEMM, then h0's.
        let gradW = Tensor(uninitializedShape: [4 * hidden, hidden], dtype: dtype)
        let dw = gradW.elementPointer(T.self), h = UnsafePointer(output.elementPointer(T.self))
        let firstTime = shape.time(0)
        let laterGates = shape.reverse ? UnsafePointer(dg) : UnsafePointer(dg + shape.gateStride)
        let previousStates = shape.reverse ? h + shape.stateStride : h
        T.gemm(transposeA: true, transposeB: false, m: 4 * hidden, n: hidden, k: (steps - 1) * batch, a: laterGates,
               lda: 4 * hidden, b: previousStates, ldb: hidden, beta: 0, c: dw, ldc: hidden)
        T.gemm(transposeA: true, transposeB: false, m: 4 * hidden, n: hidden, k: batch, a: dg + firstTime * shape.gateStride,
               lda: 4 * hidden, b: h0.elementPointer(T.self), ldb: hidden, beta: 1, c: dw, ldc: hidden)
        return (gradGates, gradH, gradC, gradW)
    }
}
