import CDNNL

/// C = op(A)·op(B), float32, row-major, through oneDNN's matmul primitive on the caller's strided buffers,
/// one primitive per geometry (cached): `GEMM`'s `oneDNNMatmulPrimitive` provider.
///
/// Serves the products `dnnl_sgemm` runs slowly on two threads: a transposed B with few rows of A (a
/// Linear layer's `x·Wᵀ` at batch 16–256), where `dnnl_sgemm` repacks Wᵀ on every call and splits the
/// small M badly (see `GEMM.prefersMatmulPrimitive`). A plan runs one call at a time.
final class OneDNNStridedMatmul: @unchecked Sendable {
    /// The shape and strides of one product.
    struct Key: Hashable, Sendable {
        /// Rows of op(A) and C, the shared dimension, columns of op(B) and C.
        var m: Int, k: Int, n: Int
        /// Whether A / B are read transposed, and the row strides (in elements) of A, B and C as stored.
        var transposeA: Bool, transposeB: Bool, lda: Int, ldb: Int, ldc: Int
    }

    /// The products built so far.
    private static let cache = OneDNNCache<Key, OneDNNStridedMatmul>()

    /// The cached primitive for `key`.
    static func shared(_ key: Key) -> OneDNNStridedMatmul { cache.plan(for: key) { OneDNNStridedMatmul(key) } }

    /// The product: user A, user B, user C.
    private let plan: OneDNNPlan

    private init(_ key: Key) {
        var a = Self.stridedDesc(rows: key.m, columns: key.k, transposed: key.transposeA, leading: key.lda)
        var b = Self.stridedDesc(rows: key.k, columns: key.n, transposed: key.transposeB, leading: key.ldb)
        var c = Self.stridedDesc(rows: key.m, columns: key.n, transposed: false, leading: key.ldc)
        var matmul = dnnl_matmul_desc_t()
        dnnlCheck(dnnl_matmul_desc_init(&matmul, &a, &b, nil, &c), "dnnl_matmul_desc_init")
        let pd = OneDNNContext.matmulPrimitiveDesc(&matmul, addend: nil)
        var builder = OneDNNPlanBuilder()
        let inputs = [(DNNL_ARG_SRC, builder.user(a)), (DNNL_ARG_WEIGHTS, builder.user(b))]
        builder.append(pd, inputs: inputs, outputs: [(DNNL_ARG_DST, builder.user(c))])
        plan = builder.build()
    }

    /// A [rows, columns] float32 descriptor over a row-major buffer with row stride `leading`, or over the
    /// transpose of one ([columns, rows] stored, row stride `leading`).
    private static func stridedDesc(rows: Int, columns: Int, transposed: Bool, leading: Int) -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let dims = [dnnl_dim_t(rows), dnnl_dim_t(columns)]
        let strides = transposed ? [1, dnnl_dim_t(leading)] : [dnnl_dim_t(leading), 1]
        dnnlCheck(dnnl_memory_desc_init_by_strides(&md, 2, dims, dnnl_f32, strides), "dnnl_memory_desc_init_by_strides")
        return md
    }

    /// c = op(a)·op(b).
    func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>) {
        plan.execute([UnsafeMutableRawPointer(mutating: a), UnsafeMutableRawPointer(mutating: b), UnsafeMutableRawPointer(c)])
    }
}
