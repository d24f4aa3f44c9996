// What the sequence kernels share (`CPULSTMSequence.swift`, `CPUGRUSequence.swift`, and the scalar type
// and GEMM of `CPUAttention.swift`): the scalar types they run in, the per-step recurrent product, SIMD
// row helpers and the recurrent sequence shape.

import Foundation

/// The scalar types the sequence kernels (recurrent and attention) run in: the activations and the
/// products they call.
protocol SequenceKernelScalar: TensorScalar & BinaryFloatingPoint & SIMDScalar & Codable {
    /// `y[i] = exp(x[i])` for `count` contiguous values (`x` and `y` may be the same buffer).
    static func exp(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, count: Int)
    /// `x[i] = σ(x[i])` for `count` contiguous values.
    static func sigmoidInPlace(_ x: UnsafeMutablePointer<Self>, count: Int)
    /// `y[i] = tanh(x[i])` for `count` contiguous values (`x` and `y` may be the same buffer).
    static func tanh(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, count: Int)
    /// The forward step's product for one sequence: returns `step(h, projection_t, out_t)`, which writes
    /// out_t = h·W_hhᵀ ([batch, gates·hidden]) plus projection_t when given, for the dense `weightHH`
    /// [gates·hidden, hidden]. `addsProjection` says whether every call passes a projection.
    static func recurrentProduct(batch: Int, hidden: Int, gates: Int, weightHH: Tensor, addsProjection: Bool)
        -> (_ h: UnsafePointer<Self>, _ projection: UnsafePointer<Self>?, _ out: UnsafeMutablePointer<Self>) -> Void
    /// The backward step's product for one sequence: returns `step(gateGradients, out)`, which overwrites
    /// out [batch, hidden] with gateGradients [batch, gates·hidden] · `weightHH` [gates·hidden, hidden] (dense).
    static func recurrentGradientProduct(batch: Int, hidden: Int, gates: Int, weightHH: Tensor)
        -> (_ gateGradients: UnsafePointer<Self>, _ out: UnsafeMutablePointer<Self>) -> Void
    /// Row-major `C = op(A)·op(B) + beta·C`.
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Self>, lda: Int,
                     b: UnsafePointer<Self>, ldb: Int, beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
}

extension Float: SequenceKernelScalar {
    /// W_hhᵀ packed once for oneDNN's matmul primitive, the projection added as a post-op (see `OneDNNPackedMatmul`).
    static func recurrentProduct(batch: Int, hidden: Int, gates: Int, weightHH: Tensor, addsProjection: Bool)
        -> (UnsafePointer<Float>, UnsafePointer<Float>?, UnsafeMutablePointer<Float>) -> Void {
        let product = OneDNNPackedMatmul.shared(.init(m: batch, k: hidden, n: gates * hidden, weightsTransposed: true,
                                                      addend: addsProjection))
        let packed = packedWeights(weightHH, for: product)
        return { h, projection, out in
            product.multiply(h, packed: UnsafeRawPointer(packed.elementPointer(UInt8.self)), addend: projection, into: out)
        }
    }
    /// W_hh packed once for oneDNN's matmul primitive (see `OneDNNPackedMatmul`): 5.0–5.7 ms against 6.2–6.7 ms for
    /// `dnnl_sgemm` over the W5 LSTM's 64 steps on a 2-core Zen 4 (docs/PERFORMANCE.md).
    static func recurrentGradientProduct(batch: Int, hidden: Int, gates: Int, weightHH: Tensor)
        -> (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void {
        let product = OneDNNPackedMatmul.shared(.init(m: batch, k: gates * hidden, n: hidden, weightsTransposed: false,
                                                      addend: false))
        let packed = packedWeights(weightHH, for: product)
        return { gateGradients, out in
            product.multiply(gateGradients, packed: UnsafeRawPointer(packed.elementPointer(UInt8.self)), addend: nil, into: out)
        }
    }
    /// The dense `weights` reordered into `product`'s packed layout (a byte tensor the step closures keep alive).
    private static func packedWeights(_ weights: Tensor, for product: OneDNNPackedMatmul) -> Tensor {
        let packed = Tensor(uninitializedShape: [product.packedByteCount], dtype: .uint8)
        product.pack(UnsafePointer(weights.elementPointer(Float.self)), into: UnsafeMutableRawPointer(packed.elementPointer(UInt8.self)))
        return packed
    }
    static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) { VectorMath.exp(x, y, count: count) }
    static func sigmoidInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) { VectorMath.sigmoid(UnsafePointer(x), x, count: count) }
    static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) { VectorMath.tanh(x, y, count: count) }
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        GEMM.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb,
                   beta: beta, c: c, ldc: ldc)
    }
}

extension Double: SequenceKernelScalar {
    /// The projection copied into the output, then one `dgemm` with W_hhᵀ (transposed once) and beta = 1.
    static func recurrentProduct(batch: Int, hidden: Int, gates: Int, weightHH: Tensor, addsProjection: Bool)
        -> (UnsafePointer<Double>, UnsafePointer<Double>?, UnsafeMutablePointer<Double>) -> Void {
        let weightT = weightHH.transposed().contiguous()
        let width = gates * hidden
        return { h, projection, out in
            if let projection { out.update(from: projection, count: batch * width) }
            GEMM.dgemm(transposeA: false, transposeB: false, m: batch, n: width, k: hidden, alpha: 1, a: h, lda: hidden,
                       b: weightT.elementPointer(Double.self), ldb: width, beta: projection == nil ? 0 : 1, c: out, ldc: width)
        }
    }
    /// One `dgemm` per step with W_hh as stored.
    static func recurrentGradientProduct(batch: Int, hidden: Int, gates: Int, weightHH: Tensor)
        -> (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void {
        let width = gates * hidden
        return { gateGradients, out in
            GEMM.dgemm(transposeA: false, transposeB: false, m: batch, n: hidden, k: width, alpha: 1, a: gateGradients, lda: width,
                       b: weightHH.elementPointer(Double.self), ldb: hidden, beta: 0, c: out, ldc: hidden)
        }
    }
    static func exp(_ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int) {
        VectorMath.exp(x, y, count: count)
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
func forEachVector(_ count: Int, _ body: (Int, Int) -> Void) {
    var j = 0
    while j < count {
        body(j, min(16, count - j))
        j += 16
    }
}

/// The `n` (≤ 16) values at `p + j` as a vector (zero-padded).
@inline(__always)
func load<T: SequenceKernelScalar>(_ p: UnsafePointer<T>, _ j: Int, _ n: Int) -> SIMD16<T> {
    if n == 16 { return UnsafeRawPointer(p + j).loadUnaligned(as: SIMD16<T>.self) }
    var v = SIMD16<T>()
    for k in 0..<n { v[k] = p[j + k] }
    return v
}

@inline(__always)
func load<T: SequenceKernelScalar>(_ p: UnsafeMutablePointer<T>, _ j: Int, _ n: Int) -> SIMD16<T> { load(UnsafePointer(p), j, n) }

/// Stores the first `n` (≤ 16) lanes of `v` at `p + j`.
@inline(__always)
func store<T: SequenceKernelScalar>(_ v: SIMD16<T>, _ p: UnsafeMutablePointer<T>, _ j: Int, _ n: Int) {
    if n == 16 { UnsafeMutableRawPointer(p + j).storeBytes(of: v, as: SIMD16<T>.self); return }
    for k in 0..<n { p[j + k] = v[k] }
}

/// The sizes of one recurrent sequence and the time index of each processing step.
struct RecurrentSequenceShape {
    let steps: Int, batch: Int, hidden: Int
    /// Gates stacked in the weights: 4 for the LSTM, 3 for the GRU.
    let gates: Int
    let reverse: Bool

    /// The time index handled at processing step `s` (reversed for the reverse direction).
    @inline(__always) func time(_ s: Int) -> Int { reverse ? steps - 1 - s : s }
    /// Elements of one step of the gates ([batch, gates·hidden]) and of the state ([batch, hidden]).
    var gateStride: Int { batch * gates * hidden }
    var stateStride: Int { batch * hidden }
    /// Rows per parallel chunk of a pointwise pass, so a chunk has a worthwhile amount of work.
    var rowGrain: Int { max(1, Parallel.elementwiseGrain / max(1, 4 * gates * hidden)) }
}

extension CPUBackend {
    /// dW_hh = Σ_t dgatesᵀ_t · h_{t-1} ([gates·H, H]) as two GEMMs: the steps whose previous state is an
    /// output, then the first step's, whose previous state is h0.
    func recurrentWeightGradient<T: SequenceKernelScalar>(_: T.Type, gateGradients dg: UnsafePointer<T>, output h: UnsafePointer<T>,
                                                           h0: UnsafePointer<T>, shape: RecurrentSequenceShape) -> Tensor {
        let (steps, batch, hidden, width) = (shape.steps, shape.batch, shape.hidden, shape.gates * shape.hidden)
        let gradW = Tensor(uninitializedShape: [width, hidden], dtype: T.dtype)
        let dw = gradW.elementPointer(T.self)
        let laterGates = shape.reverse ? dg : dg + shape.gateStride
        let previousStates = shape.reverse ? h + shape.stateStride : h
        T.gemm(transposeA: true, transposeB: false, m: width, n: hidden, k: (steps - 1) * batch, a: laterGates,
               lda: width, b: previousStates, ldb: hidden, beta: 0, c: dw, ldc: hidden)
        T.gemm(transposeA: true, transposeB: false, m: width, n: hidden, k: batch, a: dg + shape.time(0) * shape.gateStride,
               lda: width, b: h0, ldb: hidden, beta: 1, c: dw, ldc: hidden)
        return gradW
    }
}
