import XCTest
import Nabla

/// The `lstmSequence` primitive (a whole LSTM direction fused forward and backward): against the step
/// loop it replaces, in both directions and in float32 and float64, finite differences in float64,
/// second-order gradients, and inputs that are not dense.
final class LSTMSequencePrimitiveTests: XCTestCase {
    /// The loop written with separate ops: the definition the primitive must match.
    private func reference(_ projection: Tensor, _ h0: Tensor, _ c0: Tensor, _ weightHH: Tensor, reverse: Bool) -> (output: Tensor, c: Tensor) {
        let steps = projection.shape[0]
        var h = h0, c = c0
        var outputs = [Tensor?](repeating: nil, count: steps)
        for s in 0..<steps {
            let t = reverse ? steps - 1 - s : s
            let g = (projection[t] + matmul(h, weightHH.transposed())).chunked(4, axis: -1)
            c = g[1].sigmoid() * c + g[0].sigmoid() * g[2].tanh()
            h = g[3].sigmoid() * c.tanh()
            outputs[t] = h
        }
        return (stack(outputs.map { $0! }, axis: 0), c)
    }

    /// Outputs and the gradients of all four inputs for a weighted sum of both outputs.
    private func run(_ dtype: DType, reverse: Bool, steps: Int = 5, batch: Int = 3, hidden: Int = 20,
                     _ f: (Tensor, Tensor, Tensor, Tensor) -> (output: Tensor, c: Tensor)) -> [[Double]] {
        let projection = Tensor.randn([steps, batch, 4 * hidden], seed: 1, dtype: dtype).requiringGrad()
        let h0 = (Tensor.randn([batch, hidden], seed: 2, dtype: dtype) * 0.5).requiringGrad()
        let c0 = Tensor.randn([batch, hidden], seed: 3, dtype: dtype).requiringGrad()
        let weightHH = (Tensor.randn([4 * hidden, hidden], seed: 4, dtype: dtype) * 0.3).requiringGrad()
        let upstream = Tensor.randn([steps, batch, hidden], seed: 5, dtype: dtype)
        let upstreamC = Tensor.randn([batch, hidden], seed: 6, dtype: dtype)
        let (output, c) = f(projection, h0, c0, weightHH)
        let loss = (output * upstream).sum() + (c * upstreamC).sum()
        let grads = gradients(of: loss, wrt: [projection, h0, c0, weightHH])
        return ([output, c] + grads).map { $0.cast(to: .float64).scalars }
    }

    func testMatchesTheStepLoopInBothDirectionsAndDtypes() {
        for dtype in [DType.float32, .float64] {
            let tolerance = dtype == .float32 ? 1e-5 : 1e-12
            for reverse in [false, true] {
                let fused = run(dtype, reverse: reverse) { lstmSequence(projection: $0, h0: $1, c0: $2, weightHH: $3, reverse: reverse) }
                let loop = run(dtype, reverse: reverse) { reference($0, $1, $2, $3, reverse: reverse) }
                let names = ["output", "c", "d projection", "d h0", "d c0", "d weightHH"]
                for (k, name) in names.enumerated() {
                    XCTAssertEqual(fused[k].count, loop[k].count, name)
                    for (a, b) in zip(fused[k], loop[k]) {
                        XCTAssertEqual(a, b, accuracy: tolerance * max(1, abs(b)), "\(name), \(dtype), reverse \(reverse)")
                    }
                }
            }
        }
    }

    func testOnlyTheOutputsOrOnlyTheCellStateCarryAGradient() {
        let projection = Tensor.randn([4, 2, 12], seed: 7).requiringGrad(), weightHH = Tensor.randn([12, 3], seed: 8)
        let h0 = Tensor.zeros([2, 3]), c0 = Tensor.zeros([2, 3])
        let (output, c) = lstmSequence(projection: projection, h0: h0, c0: c0, weightHH: weightHH)
        let (refOutput, refC) = reference(projection, h0, c0, weightHH, reverse: false)
        for (loss, refLoss) in [(output.sum(), refOutput.sum()), (c.sum(), refC.sum())] {
            let a = gradients(of: loss, wrt: [projection], retainGraph: true)[0].scalars
            let b = gradients(of: refLoss, wrt: [projection], retainGraph: true)[0].scalars
            for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5 * max(1, abs(y))) }
        }
    }

    func testFiniteDifferencesInFloat64() {
        let projection = GradData.normal([3, 2, 8], seed: 11), h0 = GradData.normal([2, 2], seed: 12)
        let c0 = GradData.normal([2, 2], seed: 13), weightHH = GradData.normal([8, 2], seed: 14)
        let wOut = GradData.normal([3, 2, 2], seed: 15), wC = GradData.normal([2, 2], seed: 16)
        for reverse in [false, true] {
            checkGradients("lstmSequence reverse \(reverse)", [projection, h0, c0, weightHH]) { x in
                let (output, c) = lstmSequence(projection: x[0], h0: x[1], c0: x[2], weightHH: x[3], reverse: reverse)
                return (output * wOut).sum() + (c * wC).sum()
            }
        }
        checkGradients("lstmSequence output only", [projection, h0, c0, weightHH]) { x in
            (lstmSequence(projection: x[0], h0: x[1], c0: x[2], weightHH: x[3]).output * wOut).sum()
        }
    }

    func testSecondOrderGradientsMatchTheStepLoop() {
        let projection = GradData.normal([3, 2, 8], seed: 21), h0 = GradData.normal([2, 2], seed: 22)
        let c0 = GradData.normal([2, 2], seed: 23), weightHH = GradData.normal([8, 2], seed: 24)
        func hessianVector(_ f: (Tensor, Tensor) -> (output: Tensor, c: Tensor)) -> [Double] {
            let p = projection.requiringGrad(), w = weightHH.requiringGrad()
            let (output, c) = f(p, w)
            let first = gradients(of: (output * output).sum() + c.sum(), wrt: [p, w], createGraph: true)
            let grads = gradients(of: first[0].sum() + (first[1] * first[1]).sum(), wrt: [p, w])
            return grads[0].scalars + grads[1].scalars
        }
        for reverse in [false, true] {
            let fused = hessianVector { lstmSequence(projection: $0, h0: h0, c0: c0, weightHH: $1, reverse: reverse) }
            let loop = hessianVector { reference($0, h0, c0, $1, reverse: reverse) }
            for (a, b) in zip(fused, loop) { XCTAssertEqual(a, b, accuracy: 1e-10 * max(1, abs(b))) }
        }
    }

    func testNonContiguousInputsAndOneStep() {
        let projection = Tensor.randn([3, 2, 8], seed: 31).transposed(0, 1)        // [2, 3, 8], not dense
        let h0 = Tensor.randn([2, 3], seed: 33).transposed(), c0 = Tensor.randn([3, 2], seed: 34)
        let weightHH = Tensor.randn([2, 8], seed: 35).transposed()                 // [8, 2], not dense
        let (output, c) = lstmSequence(projection: projection, h0: h0, c0: c0, weightHH: weightHH)
        let (refOutput, refC) = reference(projection, h0, c0, weightHH, reverse: false)
        for (a, b) in zip(output.scalars + c.scalars, refOutput.scalars + refC.scalars) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        let one = lstmSequence(projection: projection[0...0], h0: h0, c0: c0, weightHH: weightHH)
        XCTAssertEqual(one.output.shape, [1, 3, 2])
        for (a, b) in zip(one.output.scalars, output[0].scalars) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }
    // A bad shape traps with a message: TrapTests' "lstmSequenceShapeMismatch" case.
}
