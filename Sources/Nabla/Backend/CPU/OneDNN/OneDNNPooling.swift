import CDNNL

/// Shape and hyper-parameters of a 2-D pooling over NCHW activations (PyTorch conventions, ceil_mode=False).
struct Pool2dGeometry: Hashable, Sendable {
    /// Batch size N.
    var batch: Int
    /// Channels C.
    var channels: Int
    /// Input height H.
    var inHeight: Int
    /// Input width W.
    var inWidth: Int
    /// Window height.
    var kernelHeight: Int
    /// Window width.
    var kernelWidth: Int
    /// Vertical stride (PyTorch's default is the kernel size).
    var strideHeight: Int
    /// Horizontal stride.
    var strideWidth: Int
    /// Padding above and below (-inf for max pooling, zeros for average pooling).
    var padHeight: Int = 0
    /// Padding left and right.
    var padWidth: Int = 0
    /// Average pooling only: whether padded cells count in the divisor (PyTorch's default, true).
    var countIncludePad: Bool = true

    /// Output height, floor((H + 2 padH - kH) / strideH) + 1.
    var outHeight: Int { (inHeight + 2 * padHeight - kernelHeight) / strideHeight + 1 }
    /// Output width, floor((W + 2 padW - kW) / strideW) + 1.
    var outWidth: Int { (inWidth + 2 * padWidth - kernelWidth) / strideWidth + 1 }

    /// Element count of the input buffer.
    var inputCount: Int { batch * channels * inHeight * inWidth }
    /// Element count of the output buffer.
    var outputCount: Int { batch * channels * outHeight * outWidth }

    /// Traps on geometries PyTorch rejects.
    func validate() {
        precondition(batch >= 0 && channels > 0 && inHeight > 0 && inWidth > 0, "pool2d: bad sizes \(self)")
        precondition(kernelHeight > 0 && kernelWidth > 0 && strideHeight > 0 && strideWidth > 0,
                     "pool2d: bad kernel or stride \(self)")
        precondition(padHeight >= 0 && padWidth >= 0 && 2 * padHeight <= kernelHeight && 2 * padWidth <= kernelWidth,
                     "pool2d: padding must be at most half the kernel \(self)")
        precondition(inHeight + 2 * padHeight >= kernelHeight && inWidth + 2 * padWidth >= kernelWidth,
                     "pool2d: window larger than padded input \(self)")
    }
}

/// float32 2-D average pooling, forward and backward, on oneDNN over plain NCHW buffers. (Max pooling
/// runs in Swift, `SwiftMaxPooling`: measured faster than oneDNN's plain-layout implementation.)
///
/// Pooling keeps the activations' own layout (plain NCHW), so no reorders are needed; plans, workspaces and
/// intermediates are cached per geometry.
enum OneDNNPooling {
    /// Which computation a cached plan performs.
    private enum Kind: Hashable, Sendable { case avgForward, avgBackward }
    /// Cache key: geometry and computation.
    private struct Key: Hashable, Sendable {
        /// The pooling geometry.
        var geometry: Pool2dGeometry
        /// Which pass.
        var kind: Kind
    }
    /// All pooling plans built so far.
    private static let cache = OneDNNPlanCache<Key>()

    /// Number of cached plans (tests use it to check reuse).
    static var cachedPlanCount: Int { cache.count }

    /// output = avg_pool2d(input, count_include_pad: g.countIncludePad).
    static func avgForward(_ g: Pool2dGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        g.validate()
        if g.batch == 0 { return }
        let plan = cache.plan(for: key(g, .avgForward)) {
            var b = OneDNNPlanBuilder()
            let d = Descs(g)
            let src = b.user(d.src), dst = b.user(d.dst)
            b.append(forwardDesc(g, avgAlgorithm(g), dnnl_forward_inference),
                     inputs: [(DNNL_ARG_SRC, src)], outputs: [(DNNL_ARG_DST, dst)])
            return b.build()
        }
        plan.execute([raw(input), UnsafeMutableRawPointer(output)])
    }

    /// gradInput of avg_pool2d: each output's gradient spread evenly over its window (same divisor as forward).
    static func avgBackward(_ g: Pool2dGeometry, gradOutput: UnsafePointer<Float>,
                            gradInput: UnsafeMutablePointer<Float>) {
        g.validate()
        if g.batch == 0 { return }
        let plan = cache.plan(for: key(g, .avgBackward)) {
            var b = OneDNNPlanBuilder()
            let d = Descs(g)
            let diffDst = b.user(d.dst), diffSrc = b.user(d.src)
            let hint = b.own(forwardDesc(g, avgAlgorithm(g), dnnl_forward_training))
            b.append(backwardDesc(g, avgAlgorithm(g), hint: hint),
                     inputs: [(DNNL_ARG_DIFF_DST, diffDst)], outputs: [(DNNL_ARG_DIFF_SRC, diffSrc)])
            return b.build()
        }
        plan.execute([raw(gradOutput), UnsafeMutableRawPointer(gradInput)])
    }

    /// The cache key.
    private static func key(_ g: Pool2dGeometry, _ kind: Kind) -> Key { Key(geometry: g, kind: kind) }

    /// oneDNN's average algorithm for the geometry's divisor rule.
    private static func avgAlgorithm(_ g: Pool2dGeometry) -> dnnl_alg_kind_t {
        g.countIncludePad ? dnnl_pooling_avg_include_padding : dnnl_pooling_avg_exclude_padding
    }

    /// The oneDNN-side description of a geometry.
    private struct Descs {
        /// Plain NCHW descriptors of the input and output.
        let src: dnnl_memory_desc_t, dst: dnnl_memory_desc_t
        /// Strides, window, dilation (none) and left/right padding.
        let strides: [dnnl_dim_t], kernel: [dnnl_dim_t], dilation: [dnnl_dim_t], padL: [dnnl_dim_t], padR: [dnnl_dim_t]

        /// Derives everything from the geometry.
        init(_ g: Pool2dGeometry) {
            src = OneDNNContext.plainDesc([g.batch, g.channels, g.inHeight, g.inWidth], dnnl_nchw)
            dst = OneDNNContext.plainDesc([g.batch, g.channels, g.outHeight, g.outWidth], dnnl_nchw)
            strides = [dnnl_dim_t(g.strideHeight), dnnl_dim_t(g.strideWidth)]
            kernel = [dnnl_dim_t(g.kernelHeight), dnnl_dim_t(g.kernelWidth)]
            dilation = [0, 0]
            padL = [dnnl_dim_t(g.padHeight), dnnl_dim_t(g.padWidth)]
            // Tight right padding for floor mode: windows never reach past it, so with count_include_pad the
            // divisor is always kH*kW, exactly as PyTorch computes it.
            padR = [dnnl_dim_t(max(0, (g.outHeight - 1) * g.strideHeight + g.kernelHeight - g.inHeight - g.padHeight)),
                    dnnl_dim_t(max(0, (g.outWidth - 1) * g.strideWidth + g.kernelWidth - g.inWidth - g.padWidth))]
        }
    }

    /// A forward pooling primitive descriptor over plain NCHW.
    private static func forwardDesc(_ g: Pool2dGeometry, _ alg: dnnl_alg_kind_t,
                                    _ prop: dnnl_prop_kind_t) -> dnnl_primitive_desc_t {
        let d = Descs(g)
        var op = dnnl_pooling_v2_desc_t()
        var (src, dst) = (d.src, d.dst)
        dnnlCheck(dnnl_pooling_v2_forward_desc_init(&op, prop, alg, &src, &dst, d.strides, d.kernel, d.dilation,
                                                    d.padL, d.padR), "dnnl_pooling_v2_forward_desc_init")
        return OneDNNContext.primitiveDesc(&op, "pooling forward")
    }

    /// A backward pooling primitive descriptor over plain NCHW, hinted by the matching forward.
    private static func backwardDesc(_ g: Pool2dGeometry, _ alg: dnnl_alg_kind_t,
                                     hint: dnnl_primitive_desc_t) -> dnnl_primitive_desc_t {
        let d = Descs(g)
        var op = dnnl_pooling_v2_desc_t()
        var (diffSrc, diffDst) = (d.src, d.dst)
        dnnlCheck(dnnl_pooling_v2_backward_desc_init(&op, alg, &diffSrc, &diffDst, d.strides, d.kernel, d.dilation,
                                                     d.padL, d.padR), "dnnl_pooling_v2_backward_desc_init")
        return OneDNNContext.primitiveDesc(&op, hint: hint, "pooling backward")
    }

    /// oneDNN takes `void *` for every buffer; inputs are only read.
    @inline(__always)
    private static func raw(_ p: UnsafePointer<Float>) -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(mutating: p)
    }
}
