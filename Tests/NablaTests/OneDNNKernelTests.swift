import Dispatch
import Synchronization
import XCTest
@testable import Nabla

/// Checks the oneDNN convolution and pooling kernels against naive Swift loops written from PyTorch's definitions.
final class OneDNNKernelTests: XCTestCase {
    // MARK: - Helpers

    /// Deterministic uniform [-1, 1) floats (SplitMix64), so failures reproduce.
    private struct Rand {
        /// Generator state.
        var state: UInt64
        /// Next float in [-1, 1).
        mutating func next() -> Float {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Float(z >> 40) / Float(1 << 23) - 1
        }
        /// `count` random floats.
        mutating func array(_ count: Int) -> [Float] { (0..<count).map { _ in next() } }
    }

    /// Asserts elementwise closeness with a mixed absolute/relative tolerance.
    private func assertClose(_ got: [Float], _ want: [Float], tol: Float = 1e-4, _ what: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, "\(what): count", file: file, line: line)
        var worst: (Int, Float) = (-1, 0)
        for i in 0..<min(got.count, want.count) {
            let err = abs(got[i] - want[i]) / (1 + abs(want[i]))
            if !(err <= worst.1) { worst = (i, err) }  // also catches NaN
        }
        XCTAssert(worst.0 < 0 || worst.1 <= tol,
                  "\(what): worst error \(worst.1) at \(worst.0): got \(got[max(worst.0, 0)]) want \(want[max(worst.0, 0)])",
                  file: file, line: line)
    }

    // MARK: - Naive references (PyTorch semantics)

    /// torch.nn.functional.conv2d.
    private func refConv(_ g: Conv2dGeometry, _ x: [Float], _ w: [Float], _ b: [Float]?) -> [Float] {
        let (oh, ow, cg, og) = (g.outHeight, g.outWidth, g.inChannels / g.groups, g.outChannels / g.groups)
        var y = [Float](repeating: 0, count: g.outputCount)
        for n in 0..<g.batch { for o in 0..<g.outChannels { for oy in 0..<oh { for ox in 0..<ow {
            var acc = Double(b?[o] ?? 0)
            for c in 0..<cg { for ky in 0..<g.kernelHeight { for kx in 0..<g.kernelWidth {
                let iy = oy * g.strideHeight - g.padHeight + ky * g.dilationHeight
                let ix = ox * g.strideWidth - g.padWidth + kx * g.dilationWidth
                guard iy >= 0, iy < g.inHeight, ix >= 0, ix < g.inWidth else { continue }
                let ci = (o / og) * cg + c
                acc += Double(x[((n * g.inChannels + ci) * g.inHeight + iy) * g.inWidth + ix])
                    * Double(w[((o * cg + c) * g.kernelHeight + ky) * g.kernelWidth + kx])
            } } }
            y[((n * g.outChannels + o) * oh + oy) * ow + ox] = Float(acc)
        } } } }
        return y
    }

    /// torch.nn.functional.conv_transpose2d(gy, w) sized to the forward input (scatter form).
    private func refConvTranspose(_ g: Conv2dGeometry, _ gy: [Float], _ w: [Float]) -> [Float] {
        let (oh, ow, cg, og) = (g.outHeight, g.outWidth, g.inChannels / g.groups, g.outChannels / g.groups)
        var gx = [Double](repeating: 0, count: g.inputCount)
        for n in 0..<g.batch { for o in 0..<g.outChannels { for oy in 0..<oh { for ox in 0..<ow {
            let v = Double(gy[((n * g.outChannels + o) * oh + oy) * ow + ox])
            for c in 0..<cg { for ky in 0..<g.kernelHeight { for kx in 0..<g.kernelWidth {
                let iy = oy * g.strideHeight - g.padHeight + ky * g.dilationHeight
                let ix = ox * g.strideWidth - g.padWidth + kx * g.dilationWidth
                guard iy >= 0, iy < g.inHeight, ix >= 0, ix < g.inWidth else { continue }
                let ci = (o / og) * cg + c
                gx[((n * g.inChannels + ci) * g.inHeight + iy) * g.inWidth + ix] +=
                    v * Double(w[((o * cg + c) * g.kernelHeight + ky) * g.kernelWidth + kx])
            } } }
        } } } }
        return gx.map { Float($0) }
    }

    /// Weight and bias gradients of conv2d.
    private func refConvWeightGrad(_ g: Conv2dGeometry, _ x: [Float], _ gy: [Float]) -> ([Float], [Float]) {
        let (oh, ow, cg, og) = (g.outHeight, g.outWidth, g.inChannels / g.groups, g.outChannels / g.groups)
        var gw = [Double](repeating: 0, count: g.weightCount), gb = [Double](repeating: 0, count: g.outChannels)
        for n in 0..<g.batch { for o in 0..<g.outChannels { for oy in 0..<oh { for ox in 0..<ow {
            let v = Double(gy[((n * g.outChannels + o) * oh + oy) * ow + ox])
            gb[o] += v
            for c in 0..<cg { for ky in 0..<g.kernelHeight { for kx in 0..<g.kernelWidth {
                let iy = oy * g.strideHeight - g.padHeight + ky * g.dilationHeight
                let ix = ox * g.strideWidth - g.padWidth + kx * g.dilationWidth
                guard iy >= 0, iy < g.inHeight, ix >= 0, ix < g.inWidth else { continue }
                let ci = (o / og) * cg + c
                gw[((o * cg + c) * g.kernelHeight + ky) * g.kernelWidth + kx] +=
                    v * Double(x[((n * g.inChannels + ci) * g.inHeight + iy) * g.inWidth + ix])
            } } }
        } } } }
        return (gw.map { Float($0) }, gb.map { Float($0) })
    }

    /// Visits every pooling window: (flat output index, valid input indices, padded-window size).
    private func forEachWindow(_ g: Pool2dGeometry, _ body: (Int, [Int], Int) -> Void) {
        for nc in 0..<(g.batch * g.channels) { for oy in 0..<g.outHeight { for ox in 0..<g.outWidth {
            var cells: [Int] = []
            let y0 = oy * g.strideHeight - g.padHeight, x0 = ox * g.strideWidth - g.padWidth
            for iy in y0..<(y0 + g.kernelHeight) where iy >= 0 && iy < g.inHeight {
                for ix in x0..<(x0 + g.kernelWidth) where ix >= 0 && ix < g.inWidth {
                    cells.append((nc * g.inHeight + iy) * g.inWidth + ix)
                }
            }
            // PyTorch's include-pad divisor: window clipped to the padded input.
            let hEnd = min(y0 + g.kernelHeight, g.inHeight + g.padHeight), wEnd = min(x0 + g.kernelWidth, g.inWidth + g.padWidth)
            body((nc * g.outHeight + oy) * g.outWidth + ox, cells, (hEnd - y0) * (wEnd - x0))
        } } }
    }

    /// max_pool2d forward and backward (first arg-max wins, as in PyTorch).
    private func refMaxPool(_ g: Pool2dGeometry, _ x: [Float], _ gy: [Float]) -> ([Float], [Float]) {
        var y = [Float](repeating: 0, count: g.outputCount), gx = [Float](repeating: 0, count: g.inputCount)
        forEachWindow(g) { o, cells, _ in
            var best = cells[0]
            for i in cells where x[i] > x[best] { best = i }
            y[o] = x[best]
            gx[best] += gy[o]
        }
        return (y, gx)
    }

    /// avg_pool2d forward and backward.
    private func refAvgPool(_ g: Pool2dGeometry, _ x: [Float], _ gy: [Float]) -> ([Float], [Float]) {
        var y = [Float](repeating: 0, count: g.outputCount), gx = [Float](repeating: 0, count: g.inputCount)
        forEachWindow(g) { o, cells, padded in
            let div = Float(g.countIncludePad ? padded : cells.count)
            y[o] = cells.reduce(0) { $0 + x[$1] } / div
            for i in cells { gx[i] += gy[o] / div }
        }
        return (y, gx)
    }

    // MARK: - Kernel runners

    /// Runs all three conv kernels on random data and compares them with the references.
    private func checkConv(_ g: Conv2dGeometry, bias: Bool = true, seed: UInt64 = 1,
                           file: StaticString = #filePath, line: UInt = #line) {
        var r = Rand(state: seed)
        let x = r.array(g.inputCount), w = r.array(g.weightCount), b = r.array(g.outChannels)
        let gy = r.array(g.outputCount)
        // Pre-fill outputs with NaN so any element the kernel forgets to write fails the comparison.
        var y = [Float](repeating: .nan, count: g.outputCount)
        var gx = [Float](repeating: .nan, count: g.inputCount)
        var gw = [Float](repeating: .nan, count: g.weightCount), gb = [Float](repeating: .nan, count: g.outChannels)
        b.withUnsafeBufferPointer { bp in
            OneDNNConvolution.forward(g, input: x, weight: w, bias: bias ? bp.baseAddress : nil, output: &y)
        }
        OneDNNConvolution.backwardData(g, gradOutput: gy, weight: w, gradInput: &gx)
        if bias {
            gb.withUnsafeMutableBufferPointer { gbp in
                OneDNNConvolution.backwardWeight(g, input: x, gradOutput: gy, gradWeight: &gw, gradBias: gbp.baseAddress)
            }
        } else {
            OneDNNConvolution.backwardWeight(g, input: x, gradOutput: gy, gradWeight: &gw, gradBias: nil)
        }
        assertClose(y, refConv(g, x, w, bias ? b : nil), "forward \(g)", file: file, line: line)
        assertClose(gx, refConvTranspose(g, gy, w), "backwardData \(g)", file: file, line: line)
        let (rw, rb) = refConvWeightGrad(g, x, gy)
        assertClose(gw, rw, "backwardWeight \(g)", file: file, line: line)
        if bias { assertClose(gb, rb, "backwardBias \(g)", file: file, line: line) }
    }

    /// Runs the four pooling kernels on random data and compares them with the references.
    private func checkPool(_ g: Pool2dGeometry, negative: Bool = false, seed: UInt64 = 2,
                           file: StaticString = #filePath, line: UInt = #line) {
        var r = Rand(state: seed)
        // All-negative inputs make a zero-padded max pool visibly wrong.
        let x = r.array(g.inputCount).map { negative ? -2 - abs($0) : $0 }, gy = r.array(g.outputCount)
        // Max pooling runs in Swift (`SwiftMaxPooling`); average pooling through oneDNN.
        let xt = Tensor(shape: [g.batch, g.channels, g.inHeight, g.inWidth], scalars: x)
        let gyt = Tensor(shape: [g.batch, g.channels, g.outHeight, g.outWidth], scalars: gy)
        var y = SwiftMaxPooling.forward(g, xt, Float.self).toArray(as: Float.self)
        var gx = SwiftMaxPooling.backward(g, xt, gyt, Float.self).toArray(as: Float.self)
        let (my, mgx) = refMaxPool(g, x, gy)
        assertClose(y, my, "maxForward \(g)", file: file, line: line)
        assertClose(gx, mgx, "maxBackward \(g)", file: file, line: line)
        y = [Float](repeating: .nan, count: g.outputCount); gx = [Float](repeating: .nan, count: g.inputCount)
        OneDNNPooling.avgForward(g, input: x, output: &y)
        OneDNNPooling.avgBackward(g, gradOutput: gy, gradInput: &gx)
        let (ay, agx) = refAvgPool(g, x, gy)
        assertClose(y, ay, "avgForward \(g)", file: file, line: line)
        assertClose(gx, agx, "avgBackward \(g)", file: file, line: line)
    }

    // MARK: - Convolution tests

    /// Output-size formula matches PyTorch's.
    func testConvOutputSize() {
        let g = Conv2dGeometry(batch: 1, inChannels: 1, outChannels: 1, inHeight: 28, inWidth: 13, kernelHeight: 3,
                               kernelWidth: 2, strideHeight: 2, strideWidth: 3, padHeight: 1, padWidth: 2,
                               dilationHeight: 2, dilationWidth: 3)
        XCTAssertEqual(g.outHeight, 13)  // (28 + 2 - 4 - 1) / 2 + 1
        XCTAssertEqual(g.outWidth, 5)  // (13 + 4 - 3 - 1) / 3 + 1
    }

    /// Plain 3x3 convolution with bias.
    func testConvBasic() {
        checkConv(Conv2dGeometry(batch: 2, inChannels: 3, outChannels: 5, inHeight: 7, inWidth: 6,
                                 kernelHeight: 3, kernelWidth: 3))
    }

    /// Stride, padding and a non-square kernel, without bias.
    func testConvStridePaddingNonSquare() {
        checkConv(Conv2dGeometry(batch: 2, inChannels: 4, outChannels: 3, inHeight: 9, inWidth: 8, kernelHeight: 3,
                                 kernelWidth: 2, strideHeight: 2, strideWidth: 1, padHeight: 1, padWidth: 2), bias: false)
    }

    /// Dilation (PyTorch convention), asymmetric strides and padding.
    func testConvDilation() {
        checkConv(Conv2dGeometry(batch: 1, inChannels: 3, outChannels: 4, inHeight: 11, inWidth: 10, kernelHeight: 3,
                                 kernelWidth: 2, strideHeight: 1, strideWidth: 2, padHeight: 2, padWidth: 1,
                                 dilationHeight: 2, dilationWidth: 3))
    }

    /// Grouped convolution (weights O x C/groups x kH x kW).
    func testConvGroups() {
        checkConv(Conv2dGeometry(batch: 2, inChannels: 4, outChannels: 6, inHeight: 8, inWidth: 7, kernelHeight: 3,
                                 kernelWidth: 3, padHeight: 1, padWidth: 1, groups: 2))
        checkConv(Conv2dGeometry(batch: 2, inChannels: 6, outChannels: 9, inHeight: 7, inWidth: 9, kernelHeight: 2,
                                 kernelWidth: 3, strideHeight: 2, strideWidth: 2, padHeight: 1, padWidth: 0,
                                 dilationHeight: 2, dilationWidth: 1, groups: 3), bias: false)
    }

    /// Depthwise convolution, with channel multipliers 2 (GEMM path) and 1 (blocked depthwise kernels).
    func testConvDepthwise() {
        checkConv(Conv2dGeometry(batch: 2, inChannels: 3, outChannels: 6, inHeight: 9, inWidth: 9, kernelHeight: 3,
                                 kernelWidth: 3, strideHeight: 2, strideWidth: 2, padHeight: 1, padWidth: 1, groups: 3))
        checkConv(Conv2dGeometry(batch: 2, inChannels: 16, outChannels: 16, inHeight: 7, inWidth: 8, kernelHeight: 3,
                                 kernelWidth: 3, padHeight: 1, padWidth: 1, groups: 16))
    }

    /// Groups with 16 channels each, which oneDNN runs in blocked layouts (reorders of 5-D grouped weights).
    func testConvGroupsBlocked() {
        checkConv(Conv2dGeometry(batch: 2, inChannels: 32, outChannels: 32, inHeight: 6, inWidth: 7, kernelHeight: 3,
                                 kernelWidth: 2, strideHeight: 1, strideWidth: 2, padHeight: 1, padWidth: 1, groups: 2))
    }

    /// Floor mode leaves trailing rows/columns unread; their input gradient must be exactly zero.
    func testConvFloorModeLeftovers() {
        let g = Conv2dGeometry(batch: 1, inChannels: 2, outChannels: 3, inHeight: 8, inWidth: 9, kernelHeight: 3,
                               kernelWidth: 2, strideHeight: 2, strideWidth: 3)
        XCTAssertEqual(g.outHeight, 3)
        checkConv(g)
        var gx = [Float](repeating: .nan, count: g.inputCount)
        OneDNNConvolution.backwardData(g, gradOutput: [Float](repeating: 1, count: g.outputCount),
                                       weight: [Float](repeating: 1, count: g.weightCount), gradInput: &gx)
        XCTAssertEqual(gx[7 * 9 + 0], 0)  // row 7 is never read
    }

    /// 1x1 kernel, batch 1, and the training-benchmark shapes (1->32 at 28x28, 32->64 at 13x13).
    func testConvPointwiseAndBenchmarkShapes() {
        checkConv(Conv2dGeometry(batch: 1, inChannels: 8, outChannels: 4, inHeight: 5, inWidth: 5,
                                 kernelHeight: 1, kernelWidth: 1))
        checkConv(Conv2dGeometry(batch: 2, inChannels: 1, outChannels: 32, inHeight: 28, inWidth: 28,
                                 kernelHeight: 3, kernelWidth: 3), seed: 3)
        checkConv(Conv2dGeometry(batch: 2, inChannels: 32, outChannels: 64, inHeight: 13, inWidth: 13,
                                 kernelHeight: 3, kernelWidth: 3), seed: 4)
    }

    /// <conv(x), gy> == <x, backwardData(gy)>: backwardData is the adjoint, independently of the references.
    func testConvBackwardDataIsAdjoint() {
        let g = Conv2dGeometry(batch: 2, inChannels: 4, outChannels: 6, inHeight: 10, inWidth: 9, kernelHeight: 3,
                               kernelWidth: 3, strideHeight: 2, strideWidth: 1, padHeight: 1, padWidth: 2,
                               dilationHeight: 1, dilationWidth: 2, groups: 2)
        var r = Rand(state: 9)
        let x = r.array(g.inputCount), w = r.array(g.weightCount), gy = r.array(g.outputCount)
        var y = [Float](repeating: 0, count: g.outputCount), gx = [Float](repeating: 0, count: g.inputCount)
        OneDNNConvolution.forward(g, input: x, weight: w, bias: nil, output: &y)
        OneDNNConvolution.backwardData(g, gradOutput: gy, weight: w, gradInput: &gx)
        let lhs = zip(y, gy).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        let rhs = zip(x, gx).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        XCTAssertEqual(lhs, rhs, accuracy: 1e-3 * max(1, abs(lhs)))
    }

    /// Same geometry twice reuses the cached plan and rebinds the new buffers.
    func testConvPlanReuse() {
        let g = Conv2dGeometry(batch: 3, inChannels: 2, outChannels: 3, inHeight: 6, inWidth: 5, kernelHeight: 2,
                               kernelWidth: 3, padHeight: 1, padWidth: 0)
        checkConv(g, seed: 5)
        let plans = OneDNNConvolution.cachedPlanCount
        checkConv(g, seed: 6)
        XCTAssertEqual(OneDNNConvolution.cachedPlanCount, plans)
    }

    /// Concurrent calls with one geometry and different data all get their own correct result.
    func testConvConcurrentExecution() {
        let g = Conv2dGeometry(batch: 2, inChannels: 3, outChannels: 4, inHeight: 9, inWidth: 9, kernelHeight: 3,
                               kernelWidth: 3, padHeight: 1, padWidth: 1)
        let inputs: [[Float]] = (0..<8).map { i in var r = Rand(state: UInt64(100 + i)); return r.array(g.inputCount) }
        var r = Rand(state: 7)
        let w = r.array(g.weightCount)
        let results = Mutex([[Float]](repeating: [], count: inputs.count))
        DispatchQueue.concurrentPerform(iterations: inputs.count * 4) { it in
            let i = it % inputs.count
            var y = [Float](repeating: .nan, count: g.outputCount)
            OneDNNConvolution.forward(g, input: inputs[i], weight: w, bias: nil, output: &y)
            results.withLock { $0[i] = y }
        }
        let got = results.withLock { $0 }
        for i in inputs.indices { assertClose(got[i], refConv(g, inputs[i], w, nil), "concurrent forward \(i)") }
    }

    // MARK: - Pooling tests

    /// Output-size formula matches PyTorch's floor mode.
    func testPoolOutputSize() {
        let g = Pool2dGeometry(batch: 1, channels: 1, inHeight: 13, inWidth: 10, kernelHeight: 3, kernelWidth: 2,
                               strideHeight: 2, strideWidth: 3, padHeight: 1, padWidth: 1)
        XCTAssertEqual(g.outHeight, 7)  // (13 + 2 - 3) / 2 + 1
        XCTAssertEqual(g.outWidth, 4)  // (10 + 2 - 2) / 3 + 1
    }

    /// The classic 2x2 stride-2 pooling, with an odd input size (floor mode drops the last row/column).
    func testPool2x2() {
        checkPool(Pool2dGeometry(batch: 2, channels: 3, inHeight: 7, inWidth: 6, kernelHeight: 2, kernelWidth: 2,
                                 strideHeight: 2, strideWidth: 2))
    }

    /// Overlapping windows (gradients accumulate), non-square kernel and strides.
    func testPoolOverlappingNonSquare() {
        checkPool(Pool2dGeometry(batch: 2, channels: 2, inHeight: 9, inWidth: 8, kernelHeight: 3, kernelWidth: 2,
                                 strideHeight: 2, strideWidth: 1))
    }

    /// Padding: max treats it as -inf (all-negative inputs), avg counts it in the divisor.
    func testPoolPaddingIncludePad() {
        let g = Pool2dGeometry(batch: 2, channels: 3, inHeight: 7, inWidth: 8, kernelHeight: 3, kernelWidth: 3,
                               strideHeight: 2, strideWidth: 2, padHeight: 1, padWidth: 1, countIncludePad: true)
        checkPool(g, negative: true)
        checkPool(g, seed: 11)
    }

    /// Padding with count_include_pad = false: divisor is the number of real cells.
    func testPoolPaddingExcludePad() {
        checkPool(Pool2dGeometry(batch: 2, channels: 3, inHeight: 7, inWidth: 8, kernelHeight: 3, kernelWidth: 2,
                                 strideHeight: 1, strideWidth: 2, padHeight: 1, padWidth: 1, countIncludePad: false),
                  negative: true)
    }

    /// Pooling plans are cached per geometry.
    func testPoolPlanReuse() {
        let g = Pool2dGeometry(batch: 1, channels: 2, inHeight: 6, inWidth: 6, kernelHeight: 2, kernelWidth: 2,
                               strideHeight: 2, strideWidth: 2)
        checkPool(g, seed: 12)
        let plans = OneDNNPooling.cachedPlanCount
        checkPool(g, seed: 13)
        XCTAssertEqual(OneDNNPooling.cachedPlanCount, plans)
    }
}
