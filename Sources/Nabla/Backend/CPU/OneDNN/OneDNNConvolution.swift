import CDNNL

/// Shape and hyper-parameters of a 2-D convolution (NCHW activations, OIHW weights, PyTorch conventions).
struct Conv2dGeometry: Hashable, Sendable {
    /// Batch size N.
    var batch: Int
    /// Input channels C.
    var inChannels: Int
    /// Output channels O.
    var outChannels: Int
    /// Input height H.
    var inHeight: Int
    /// Input width W.
    var inWidth: Int
    /// Kernel height kH.
    var kernelHeight: Int
    /// Kernel width kW.
    var kernelWidth: Int
    /// Vertical stride.
    var strideHeight: Int = 1
    /// Horizontal stride.
    var strideWidth: Int = 1
    /// Zero padding added above and below.
    var padHeight: Int = 0
    /// Zero padding added left and right.
    var padWidth: Int = 0
    /// Vertical dilation; 1 is a dense kernel (PyTorch convention; oneDNN's is this minus one).
    var dilationHeight: Int = 1
    /// Horizontal dilation; 1 is a dense kernel.
    var dilationWidth: Int = 1
    /// Number of groups; weights are O x (C/groups) x kH x kW.
    var groups: Int = 1

    /// Output height, floor((H + 2 padH - dilH (kH - 1) - 1) / strideH) + 1.
    var outHeight: Int { (inHeight + 2 * padHeight - dilationHeight * (kernelHeight - 1) - 1) / strideHeight + 1 }
    /// Output width, floor((W + 2 padW - dilW (kW - 1) - 1) / strideW) + 1.
    var outWidth: Int { (inWidth + 2 * padWidth - dilationWidth * (kernelWidth - 1) - 1) / strideWidth + 1 }

    /// Element count of the input buffer (N x C x H x W).
    var inputCount: Int { batch * inChannels * inHeight * inWidth }
    /// Element count of the weight buffer (O x C/groups x kH x kW).
    var weightCount: Int { outChannels * (inChannels / groups) * kernelHeight * kernelWidth }
    /// Element count of the output buffer (N x O x outH x outW).
    var outputCount: Int { batch * outChannels * outHeight * outWidth }

    /// Traps on geometries neither PyTorch nor oneDNN accept.
    func validate() {
        precondition(batch >= 0 && inChannels > 0 && outChannels > 0 && inHeight > 0 && inWidth > 0,
                     "conv2d: bad sizes \(self)")
        precondition(kernelHeight > 0 && kernelWidth > 0 && strideHeight > 0 && strideWidth > 0
                     && padHeight >= 0 && padWidth >= 0 && dilationHeight > 0 && dilationWidth > 0,
                     "conv2d: bad hyper-parameters \(self)")
        precondition(groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "conv2d: channels \(inChannels)->\(outChannels) not divisible by groups \(groups)")
        precondition(inHeight + 2 * padHeight >= dilationHeight * (kernelHeight - 1) + 1
                     && inWidth + 2 * padWidth >= dilationWidth * (kernelWidth - 1) + 1,
                     "conv2d: kernel larger than padded input \(self)")
    }
}

/// float32 2-D convolution forward and backward kernels on oneDNN, over plain contiguous buffers.
///
/// Each primitive is created with format `any`, so oneDNN picks its fastest (usually blocked) layouts; plain
/// buffers are reordered in and out as needed (the one exception, few-channel input gradients, is explained at
/// `chooseLayouts`). Primitives, reorders and intermediate buffers for a geometry are built once and cached.
enum OneDNNConvolution {
    /// Which computation a cached plan performs.
    private enum Kind: Hashable, Sendable { case forward, backwardData, backwardWeight }
    /// Cache key: geometry, computation, and whether a bias (or bias gradient) is involved.
    private struct Key: Hashable, Sendable {
        /// The convolution geometry.
        var geometry: Conv2dGeometry
        /// Which pass.
        var kind: Kind
        /// Whether the plan reads a bias / writes a bias gradient.
        var hasBias: Bool
    }
    /// All convolution plans built so far.
    private static let cache = OneDNNPlanCache<Key>()

    /// Number of cached plans (tests use it to check reuse).
    static var cachedPlanCount: Int { cache.count }

    /// output = conv2d(input, weight, bias), exactly `torch.nn.functional.conv2d`.
    static func forward(_ g: Conv2dGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        g.validate()
        if g.batch == 0 { return }
        let hasBias = bias != nil
        let plan = cache.plan(for: Key(geometry: g, kind: .forward, hasBias: hasBias)) {
            var b = OneDNNPlanBuilder()
            let d = Descs(g)
            let src = b.user(d.src), wei = b.user(d.weight)
            var inputs = [(DNNL_ARG_SRC, src), (DNNL_ARG_WEIGHTS, wei)]
            if hasBias { inputs.append((DNNL_ARG_BIAS, b.user(d.bias))) }
            let dst = b.user(d.dst)
            b.append(forwardDesc(d, bias: hasBias), inputs: inputs, outputs: [(DNNL_ARG_DST, dst)])
            return b.build()
        }
        var handles = [raw(input), raw(weight)]
        if let bias { handles.append(raw(bias)) }
        handles.append(UnsafeMutableRawPointer(output))
        plan.execute(handles)
    }

    /// gradInput = conv_transpose2d(gradOutput, weight) with the forward's stride, padding, dilation and groups,
    /// sized back to the input (rows/columns the forward never read get zero).
    static func backwardData(_ g: Conv2dGeometry, gradOutput: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                             gradInput: UnsafeMutablePointer<Float>) {
        g.validate()
        if g.batch == 0 { return }
        let plan = cache.plan(for: Key(geometry: g, kind: .backwardData, hasBias: false)) {
            var b = OneDNNPlanBuilder()
            let d = Descs(g)
            let diffDst = b.user(d.dst), wei = b.user(d.weight), diffSrc = b.user(d.src)
            let hint = b.own(forwardDesc(d, bias: false))
            let pd = chooseLayouts(paddedArg: DNNL_ARG_DIFF_SRC) { plain in
                var op = dnnl_convolution_desc_t()
                var (src, w, dst) = (d.srcDesc(plain), d.weightDesc(plain), d.dstDesc(plain))
                dnnlCheck(dnnl_dilated_convolution_backward_data_desc_init(
                    &op, dnnl_convolution_direct, &src, &w, &dst, d.strides, d.dilates, d.padL, d.padR),
                    "dnnl_dilated_convolution_backward_data_desc_init")
                return OneDNNContext.tryPrimitiveDesc(&op, hint: hint)
            }
            b.append(pd, inputs: [(DNNL_ARG_DIFF_DST, diffDst), (DNNL_ARG_WEIGHTS, wei)],
                     outputs: [(DNNL_ARG_DIFF_SRC, diffSrc)])
            return b.build()
        }
        plan.execute([raw(gradOutput), raw(weight), UnsafeMutableRawPointer(gradInput)])
    }

    /// gradWeight (and gradBias = gradOutput summed over N, H, W) of the forward convolution; both are overwritten.
    static func backwardWeight(_ g: Conv2dGeometry, input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                               gradWeight: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>?) {
        g.validate()
        if g.batch == 0 {
            gradWeight.update(repeating: 0, count: g.weightCount)
            gradBias?.update(repeating: 0, count: g.outChannels)
            return
        }
        let hasBias = gradBias != nil
        let plan = cache.plan(for: Key(geometry: g, kind: .backwardWeight, hasBias: hasBias)) {
            var b = OneDNNPlanBuilder()
            let d = Descs(g)
            let src = b.user(d.src), diffDst = b.user(d.dst), diffWei = b.user(d.weight)
            var outputs = [(DNNL_ARG_DIFF_WEIGHTS, diffWei)]
            if hasBias { outputs.append((DNNL_ARG_DIFF_BIAS, b.user(d.bias))) }
            let hint = b.own(forwardDesc(d, bias: hasBias))
            var op = dnnl_convolution_desc_t()
            var (s, w, dst, bias) = (d.srcDesc(false), d.weightDesc(false), d.dstDesc(false), d.bias)
            dnnlCheck(withOptionalPointer(hasBias, &bias) { biasPtr in
                dnnl_dilated_convolution_backward_weights_desc_init(
                    &op, dnnl_convolution_direct, &s, &w, biasPtr, &dst, d.strides, d.dilates, d.padL, d.padR)
            }, "dnnl_dilated_convolution_backward_weights_desc_init")
            let pd = OneDNNContext.primitiveDesc(&op, hint: hint, "convolution backward weights")
            b.append(pd, inputs: [(DNNL_ARG_SRC, src), (DNNL_ARG_DIFF_DST, diffDst)], outputs: outputs)
            return b.build()
        }
        var handles = [raw(input), raw(gradOutput), UnsafeMutableRawPointer(gradWeight)]
        if let gradBias { handles.append(UnsafeMutableRawPointer(gradBias)) }
        plan.execute(handles)
    }

    /// Creates a primitive descriptor with `any` layouts, unless oneDNN's choice pads `paddedArg` to more than
    /// twice its size (few input channels in 16-channel blocks); then the plain-layout (col2im + GEMM) version
    /// is used if it exists. Measured on AVX-512 with batch 64 at 28x28: for the input gradient of a 1- or
    /// 3-channel convolution the plain path is 2.5-7x faster, from 8 channels on the two tie, and for every
    /// other pass (forward, weight gradient, few output channels) the blocked direct kernels win by 1.5-6x.
    /// `make(plain)` returns nil when oneDNN has no implementation.
    private static func chooseLayouts(paddedArg: Int32,
                                      _ make: (_ plain: Bool) -> dnnl_primitive_desc_t?) -> dnnl_primitive_desc_t {
        guard let pd = make(false) else { fatalError("oneDNN: no convolution implementation for format any") }
        guard OneDNNContext.paddingRatio(OneDNNContext.queryDesc(pd, paddedArg)) > 2, let plain = make(true) else {
            return pd
        }
        dnnl_primitive_desc_destroy(pd)
        return plain
    }

    /// The oneDNN-side description of a geometry: dims, plain descriptors and the padding/stride arrays.
    private struct Descs {
        /// Dims of input, weights (5-D `goihw` when grouped) and output.
        let srcDims: [Int], weightDims: [Int], dstDims: [Int]
        /// Plain descriptors matching the caller's row-major buffers.
        let src: dnnl_memory_desc_t, weight: dnnl_memory_desc_t, dst: dnnl_memory_desc_t, bias: dnnl_memory_desc_t
        /// Strides, oneDNN dilations (PyTorch's minus one), and left/right padding.
        let strides: [dnnl_dim_t], dilates: [dnnl_dim_t], padL: [dnnl_dim_t], padR: [dnnl_dim_t]

        /// The input descriptor: plain, or `any` for oneDNN to choose.
        func srcDesc(_ plain: Bool) -> dnnl_memory_desc_t { plain ? src : OneDNNContext.anyDesc(srcDims) }
        /// The weight descriptor: plain, or `any`.
        func weightDesc(_ plain: Bool) -> dnnl_memory_desc_t { plain ? weight : OneDNNContext.anyDesc(weightDims) }
        /// The output descriptor: plain, or `any`.
        func dstDesc(_ plain: Bool) -> dnnl_memory_desc_t { plain ? dst : OneDNNContext.anyDesc(dstDims) }

        /// Derives everything from the geometry.
        init(_ g: Conv2dGeometry) {
            srcDims = [g.batch, g.inChannels, g.inHeight, g.inWidth]
            dstDims = [g.batch, g.outChannels, g.outHeight, g.outWidth]
            let cPerGroup = g.inChannels / g.groups
            if g.groups == 1 {
                weightDims = [g.outChannels, cPerGroup, g.kernelHeight, g.kernelWidth]
                weight = OneDNNContext.plainDesc(weightDims, dnnl_oihw)
            } else {
                // O x C/G x kH x kW row-major is bit-identical to G x O/G x C/G x kH x kW (goihw).
                weightDims = [g.groups, g.outChannels / g.groups, cPerGroup, g.kernelHeight, g.kernelWidth]
                weight = OneDNNContext.plainDesc(weightDims, dnnl_goihw)
            }
            src = OneDNNContext.plainDesc(srcDims, dnnl_nchw)
            dst = OneDNNContext.plainDesc(dstDims, dnnl_nchw)
            bias = OneDNNContext.plainDesc([g.outChannels], dnnl_x)
            strides = [dnnl_dim_t(g.strideHeight), dnnl_dim_t(g.strideWidth)]
            dilates = [dnnl_dim_t(g.dilationHeight - 1), dnnl_dim_t(g.dilationWidth - 1)]
            padL = [dnnl_dim_t(g.padHeight), dnnl_dim_t(g.padWidth)]
            // Floor mode may leave trailing rows unread; the right padding is the tight one, never negative
            // (oneDNN checks (in - extent + padL + padR) / stride + 1 == out, which this satisfies).
            let extentH = g.dilationHeight * (g.kernelHeight - 1) + 1, extentW = g.dilationWidth * (g.kernelWidth - 1) + 1
            padR = [dnnl_dim_t(max(0, (g.outHeight - 1) * g.strideHeight + extentH - g.inHeight - g.padHeight)),
                    dnnl_dim_t(max(0, (g.outWidth - 1) * g.strideWidth + extentW - g.inWidth - g.padWidth))]
        }
    }

    /// A forward-training primitive descriptor with `any` layouts (also the hint for the backward passes).
    private static func forwardDesc(_ d: Descs, bias hasBias: Bool) -> dnnl_primitive_desc_t {
        var op = dnnl_convolution_desc_t()
        var (src, w, dst, bias) = (d.srcDesc(false), d.weightDesc(false), d.dstDesc(false), d.bias)
        dnnlCheck(withOptionalPointer(hasBias, &bias) { biasPtr in
            dnnl_dilated_convolution_forward_desc_init(&op, dnnl_forward_training, dnnl_convolution_direct,
                                                       &src, &w, biasPtr, &dst, d.strides, d.dilates, d.padL, d.padR)
        }, "dnnl_dilated_convolution_forward_desc_init")
        return OneDNNContext.primitiveDesc(&op, "convolution forward")
    }

    /// Calls `body` with a pointer to `value`, or with nil when `present` is false.
    private static func withOptionalPointer<R>(_ present: Bool, _ value: inout dnnl_memory_desc_t,
                                               _ body: (UnsafePointer<dnnl_memory_desc_t>?) -> R) -> R {
        present ? withUnsafePointer(to: &value) { body($0) } : body(nil)
    }

    /// oneDNN takes `void *` for every buffer; inputs are only read.
    @inline(__always)
    private static func raw(_ p: UnsafePointer<Float>) -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(mutating: p)
    }
}
