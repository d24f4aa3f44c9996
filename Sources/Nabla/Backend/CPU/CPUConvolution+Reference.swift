/// Direct-loop float64 convolution and pooling: the kernels float64 gradient checks run on
/// (oneDNN has no float64 path). Plain and slow by design; shapes in checks are small.
enum ReferenceConvolution {
    /// Visits every (n, o, oh, ow, c, kh, kw) tap with its input coordinates inside the image.
    private static func forEachTap(_ g: Conv2dGeometry, _ body: (_ outIndex: Int, _ inIndex: Int, _ weightIndex: Int) -> Void) {
        let cPerGroup = g.inChannels / g.groups, oPerGroup = g.outChannels / g.groups
        for n in 0..<g.batch { for o in 0..<g.outChannels {
            let group = o / oPerGroup
            for oh in 0..<g.outHeight { for ow in 0..<g.outWidth {
                let outIndex = ((n * g.outChannels + o) * g.outHeight + oh) * g.outWidth + ow
                for ci in 0..<cPerGroup {
                    let c = group * cPerGroup + ci
                    for kh in 0..<g.kernelHeight {
                        let ih = oh * g.strideHeight - g.padHeight + kh * g.dilationHeight
                        if ih < 0 || ih >= g.inHeight { continue }
                        for kw in 0..<g.kernelWidth {
                            let iw = ow * g.strideWidth - g.padWidth + kw * g.dilationWidth
                            if iw < 0 || iw >= g.inWidth { continue }
                            body(outIndex, ((n * g.inChannels + c) * g.inHeight + ih) * g.inWidth + iw,
                                 ((o * cPerGroup + ci) * g.kernelHeight + kh) * g.kernelWidth + kw)
                        }
                    }
                }
            } }
        } }
    }

    static func forward(_ g: Conv2dGeometry, _ x: Tensor, _ w: Tensor, _ b: Tensor?) -> Tensor {
        let out = CPUBackend.shared.filled([g.batch, g.outChannels, g.outHeight, g.outWidth], value: 0, dtype: .float64)
        let px = x.elementPointer(Double.self), pw = w.elementPointer(Double.self), po = out.elementPointer(Double.self)
        forEachTap(g) { o, i, k in po[o] += px[i] * pw[k] }
        if let b {
            let pb = b.elementPointer(Double.self), plane = g.outHeight * g.outWidth
            for idx in 0..<out.count { po[idx] += pb[(idx / plane) % g.outChannels] }
        }
        return out
    }

    static func backwardData(_ g: Conv2dGeometry, _ gy: Tensor, _ w: Tensor) -> Tensor {
        let out = CPUBackend.shared.filled([g.batch, g.inChannels, g.inHeight, g.inWidth], value: 0, dtype: .float64)
        let py = gy.elementPointer(Double.self), pw = w.elementPointer(Double.self), po = out.elementPointer(Double.self)
        forEachTap(g) { o, i, k in po[i] += py[o] * pw[k] }
        return out
    }

    static func backwardWeight(_ g: Conv2dGeometry, _ x: Tensor, _ gy: Tensor) -> Tensor {
        let out = CPUBackend.shared.filled([g.outChannels, g.inChannels / g.groups, g.kernelHeight, g.kernelWidth], value: 0, dtype: .float64)
        let px = x.elementPointer(Double.self), py = gy.elementPointer(Double.self), po = out.elementPointer(Double.self)
        forEachTap(g) { o, i, k in po[k] += py[o] * px[i] }
        return out
    }
}

/// Direct-loop float64 pooling.
enum ReferencePooling {
    /// Visits each output position with the in-image input indices of its window and the window's divisor.
    private static func forEachWindow(_ g: Pool2dGeometry, _ body: (_ outIndex: Int, _ inputs: [Int], _ divisor: Int) -> Void) {
        for nc in 0..<(g.batch * g.channels) { for oh in 0..<g.outHeight { for ow in 0..<g.outWidth {
            var inputs: [Int] = []
            let h0 = oh * g.strideHeight - g.padHeight, w0 = ow * g.strideWidth - g.padWidth
            for kh in 0..<g.kernelHeight { for kw in 0..<g.kernelWidth {
                let ih = h0 + kh, iw = w0 + kw
                if ih >= 0 && ih < g.inHeight && iw >= 0 && iw < g.inWidth { inputs.append((nc * g.inHeight + ih) * g.inWidth + iw) }
            } }
            let hEnd = Swift.min(h0 + g.kernelHeight, g.inHeight + g.padHeight), wEnd = Swift.min(w0 + g.kernelWidth, g.inWidth + g.padWidth)
            let divisor = g.countIncludePad ? (hEnd - h0) * (wEnd - w0) : inputs.count
            body((nc * g.outHeight + oh) * g.outWidth + ow, inputs, divisor)
        } } }
    }

    static func avgForward(_ g: Pool2dGeometry, _ x: Tensor) -> Tensor {
        let out = CPUBackend.shared.filled([g.batch, g.channels, g.outHeight, g.outWidth], value: 0, dtype: .float64)
        let px = x.elementPointer(Double.self), po = out.elementPointer(Double.self)
        forEachWindow(g) { o, inputs, divisor in po[o] = inputs.reduce(0) { $0 + px[$1] } / Double(divisor) }
        return out
    }

    static func avgBackward(_ g: Pool2dGeometry, _ gy: Tensor) -> Tensor {
        let out = CPUBackend.shared.filled([g.batch, g.channels, g.inHeight, g.inWidth], value: 0, dtype: .float64)
        let py = gy.elementPointer(Double.self), po = out.elementPointer(Double.self)
        forEachWindow(g) { o, inputs, divisor in for i in inputs { po[i] += py[o] / Double(divisor) } }
        return out
    }
}
