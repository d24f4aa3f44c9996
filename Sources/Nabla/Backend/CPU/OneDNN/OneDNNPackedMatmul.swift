import CDNNL

/// C = A·W (+ D), float32, with W packed once into oneDNN's preferred layout and then used for many
/// products: the recurrent GEMMs of an RNN, where one weight matrix meets a new small A at every step.
///
/// `dnnl_sgemm` repacks B on every call, which at M = batch (32 × 256 × 1024) costs as much as the
/// product. oneDNN's matmul primitive with weights in format `any` reads a layout packed once per
/// sequence instead: measured with a C harness on this machine, 108 against 125 µs per step forward.
/// The optional addend D (the step's input projection) is a binary post-op, so the product lands in
/// the gates buffer without first copying the projection there.
final class OneDNNPackedMatmul: @unchecked Sendable {
    /// The shape of one product and whether it adds D.
    struct Key: Hashable, Sendable {
        /// Rows of A and C, the shared dimension, columns of W and C.
        var m: Int, k: Int, n: Int
        /// Whether W is handed over transposed (a [n, k] row-major matrix) rather than as [k, n].
        var weightsTransposed: Bool
        /// Whether C = A·W + D (else C = A·W).
        var addend: Bool
    }

    /// The products built so far.
    private static let cache = OneDNNCache<Key, OneDNNPackedMatmul>()

    /// The cached primitive for `key`.
    static func shared(_ key: Key) -> OneDNNPackedMatmul { cache.plan(for: key) { OneDNNPackedMatmul(key) } }

    /// Bytes of a packed weight buffer.
    let packedByteCount: Int
    /// Reorders the caller's W into the packed layout: user W, user packed buffer.
    private let packPlan: OneDNNPlan
    /// The product: user A, user packed W, (user D), user C.
    private let productPlan: OneDNNPlan

    private init(_ key: Key) {
        let weightsDims = [key.k, key.n]
        var matmul = dnnl_matmul_desc_t()
        var a = OneDNNContext.plainDesc([key.m, key.k], dnnl_ab), w = OneDNNContext.anyDesc(weightsDims)
        var c = OneDNNContext.plainDesc([key.m, key.n], dnnl_ab)
        dnnlCheck(dnnl_matmul_desc_init(&matmul, &a, &w, nil, &c), "dnnl_matmul_desc_init")
        let pd = OneDNNContext.matmulPrimitiveDesc(&matmul, addend: key.addend ? c : nil)
        let packed = OneDNNContext.queryDesc(pd, DNNL_ARG_WEIGHTS)
        var packedDesc = packed
        packedByteCount = dnnl_memory_desc_get_size(&packedDesc)

        var product = OneDNNPlanBuilder()
        var inputs = [(DNNL_ARG_SRC, product.user(a)), (DNNL_ARG_WEIGHTS, product.user(packed))]
        if key.addend { inputs.append((Self.addendArgument, product.user(c))) }
        let output = product.user(c)
        product.append(pd, inputs: inputs, outputs: [(DNNL_ARG_DST, output)])
        productPlan = product.build()

        var pack = OneDNNPlanBuilder()
        let source = pack.user(OneDNNContext.plainDesc(weightsDims, key.weightsTransposed ? dnnl_ba : dnnl_ab))
        pack.reorder(from: source, to: pack.user(packed))
        packPlan = pack.build()
    }

    /// The execution argument of the binary post-op's second input: DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1
    /// (function-like macros, which Swift does not import).
    private static let addendArgument = Int32(DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE) | Int32(DNNL_ARG_SRC_1)

    /// Packs `weights` ([k, n], or [n, k] when the key says transposed) into `packed` (`packedByteCount` bytes).
    func pack(_ weights: UnsafePointer<Float>, into packed: UnsafeMutableRawPointer) {
        packPlan.execute([UnsafeMutableRawPointer(mutating: weights), packed])
    }

    /// c = a·W (+ addend), with W as packed by `pack`.
    func multiply(_ a: UnsafePointer<Float>, packed: UnsafeRawPointer, addend: UnsafePointer<Float>?, into c: UnsafeMutablePointer<Float>) {
        var handles = [UnsafeMutableRawPointer(mutating: a), UnsafeMutableRawPointer(mutating: packed)]
        if let addend { handles.append(UnsafeMutableRawPointer(mutating: addend)) }
        handles.append(UnsafeMutableRawPointer(c))
        productPlan.execute(handles)
    }
}
