/// Max pooling in Swift for float32 and float64 (NCHW), parallel over planes.
///
/// Measured faster than oneDNN 2.6 here: oneDNN picks its reference implementation for plain
/// NCHW pooling, and its backward needs the forward's workspace (recomputed), e.g. 1.6 ms for the
/// backward of a 64x32x26x26 2x2 pool against about 0.3 ms for these loops. NaN propagates as the
/// maximum, and ties go to the first element of the window, as in PyTorch.
enum SwiftMaxPooling {
    /// The window of output (oh, ow), clipped to the image: rows h0..<h1, columns w0..<w1.
    @inline(__always)
    private static func window(_ g: Pool2dGeometry, _ oh: Int, _ ow: Int) -> (h0: Int, h1: Int, w0: Int, w1: Int) {
        let h = oh * g.strideHeight - g.padHeight, w = ow * g.strideWidth - g.padWidth
        return (Swift.max(h, 0), Swift.min(h + g.kernelHeight, g.inHeight), Swift.max(w, 0), Swift.min(w + g.kernelWidth, g.inWidth))
    }

    /// Index (within the plane) of the window's maximum.
    @inline(__always)
    private static func argmax<T: CPUFloat>(_ plane: UnsafePointer<T>, _ g: Pool2dGeometry, _ oh: Int, _ ow: Int) -> Int {
        let (h0, h1, w0, w1) = window(g, oh, ow)
        var best = h0 * g.inWidth + w0
        var bestValue = plane[best]
        if bestValue.isNaN { return best }
        for h in h0..<h1 {
            for w in w0..<w1 {
                let v = plane[h * g.inWidth + w]
                if v > bestValue || v.isNaN {
                    best = h * g.inWidth + w
                    bestValue = v
                    if v.isNaN { return best }
                }
            }
        }
        return best
    }

    /// The forward pass: `output[n, c, oh, ow]` = the window's maximum.
    static func forward<T: CPUFloat>(_ g: Pool2dGeometry, _ x: Tensor, _: T.Type) -> Tensor {
        let out = Tensor(uninitializedShape: [g.batch, g.channels, g.outHeight, g.outWidth], dtype: x.dtype)
        let px = UncheckedSendable(UnsafePointer(x.elementPointer(T.self))), po = UncheckedSendable(out.elementPointer(T.self))
        let inPlane = g.inHeight * g.inWidth, outPlane = g.outHeight * g.outWidth
        Parallel.forChunks(count: g.batch * g.channels, grain: Swift.max(1, 16_384 / Swift.max(inPlane, 1))) { planes in
            for p in planes {
                let plane = px.value + p * inPlane, dst = po.value + p * outPlane
                for oh in 0..<g.outHeight {
                    for ow in 0..<g.outWidth { dst[oh * g.outWidth + ow] = plane[argmax(plane, g, oh, ow)] }
                }
            }
        }
        return out
    }

    /// The backward pass: each output gradient goes to its window's maximum.
    static func backward<T: CPUFloat>(_ g: Pool2dGeometry, _ x: Tensor, _ gradOutput: Tensor, _: T.Type) -> Tensor {
        let out = CPUBackend.shared.filled([g.batch, g.channels, g.inHeight, g.inWidth], value: 0, dtype: x.dtype)
        let px = UncheckedSendable(UnsafePointer(x.elementPointer(T.self)))
        let pg = UncheckedSendable(UnsafePointer(gradOutput.elementPointer(T.self))), po = UncheckedSendable(out.elementPointer(T.self))
        let inPlane = g.inHeight * g.inWidth, outPlane = g.outHeight * g.outWidth
        Parallel.forChunks(count: g.batch * g.channels, grain: Swift.max(1, 16_384 / Swift.max(inPlane, 1))) { planes in
            for p in planes {
                let plane = px.value + p * inPlane, grad = pg.value + p * outPlane, dst = po.value + p * inPlane
                for oh in 0..<g.outHeight {
                    for ow in 0..<g.outWidth { dst[argmax(plane, g, oh, ow)] += grad[oh * g.outWidth + ow] }
                }
            }
        }
        return out
    }
}
