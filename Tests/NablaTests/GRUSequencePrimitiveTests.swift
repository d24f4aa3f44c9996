import XCTest
import Nabla

/// The `gruSequence` primitive (a whole GRU direction fused forward and backward): against the step
/// loop it replaces, in both directions and in float32 and float64, without a bias, finite
/// differences in float64 and second-order gradients.
final class GRUSequencePrimitiveTests: XCTestCase {
    /// The loop written with separate ops, as PyTorch defines the GRU: the definition the primitive must match.
    private func reference(_ projection: Tensor, _ h0: Tensor, _ weightHH: Tensor, _ biasHH: Tensor?, reverse: Bool) -> Tensor {
        let steps = projection.shape[0]
        var h = h0
        var outputs = [Tensor?](repeating: nil, count: steps)
        for s in 0..<steps {
            let t = reverse ? steps - 1 - s : s
            let p = projection[t].chunked(3, axis: -1)
            var product = matmul(h, weightHH.transposed())
            if let biasHH { product = product + biasHH }
            let hh = product.chunked(3, axis: -1)
            let r = (p[0] + hh[0]).sigmoid(), z = (p[1] + hh[1]).sigmoid()
            let n = (p[2] + r * hh[2]).tanh()
            h = (1 - z) * n + z * h
            outputs[t] = h
        }
        return stack(outputs.map { $0! }, axis: 0)
    }

    /// The output and the gradients of all four inputs for a weighted sum of the output.
    private func run(_ dtype: DType, reverse: Bool, bias: Bool = true, steps: Int = 5, batch: Int = 3, hidden: Int = 20,
                     _ f: (Tensor, Tensor, Tensor, Tensor?) -> Tensor) -> [[Double]] {
        let projection = Tensor.randn([steps, batch, 3 * hidden], seed: 1, dtype: dtype).requiringGrad()
        let h0 = (Tensor.randn([batch, hidden], seed: 2, dtype: dtype) * 0.5).requiringGrad()
        let weightHH = (Tensor.randn([3 * hidden, hidden], seed: 3, dtype: dtype) * 0.3).requiringGrad()
        let biasHH = Tensor.randn([3 * hidden], seed: 4, dtype: dtype).requiringGrad()
        let upstream = Tensor.randn([steps, batch, hidden], seed: 5, dtype: dtype)
        let output = f(projection, h0, weightHH, bias ? biasHH : nil)
        let inputs = bias ? [projection, h0, weightHH, biasHH] : [projection, h0, weightHH]
        let grads = gradients(of: (output * upstream).sum(), wrt: inputs)
        return ([output] + grads).map { $0.cast(to: .float64).scalars }
    }

    func testMatchesTheStepLoopInBothDirectionsAndDtypes() {
        for dtype in [DType.float32, .float64] {
            let tolerance = dtype == .float32 ? 1e-5 : 1e-12
            for reverse in [false, true] {
                for bias in [true, false] {
                    let fused = run(dtype, reverse: reverse, bias: bias) {
                        gruSequence(projection: $0, h0: $1, weightHH: $2, biasHH: $3, reverse: reverse)
                    }
                    let loop = run(dtype, reverse: reverse, bias: bias) { reference($0, $1, $2, $3, reverse: reverse) }
                    for (k, name) in ["output", "d projection", "d h0", "d weightHH", "d biasHH"].prefix(fused.count).enumerated() {
                        XCTAssertEqual(fused[k].count, loop[k].count, name)
                        for (a, b) in zip(fused[k], loop[k]) {
                            XCTAssertEqual(a, b, accuracy: tolerance * max(1, abs(b)), "\(name), \(dtype), reverse \(reverse), bias \(bias)")
                        }
                    }
                }
            }
        }
    }

    func testFiniteDifferencesInFloat64() {
        let projection = GradData.normal([3, 2, 6], seed: 11), h0 = GradData.normal([2, 2], seed: 12)
        let weightHH = GradData.normal([6, 2], seed: 13), biasHH = GradData.normal([6], seed: 14)
        let wOut = GradData.normal([3, 2, 2], seed: 15)
        for reverse in [false, true] {
            checkGradients("gruSequence reverse \(reverse)", [projection, h0, weightHH, biasHH]) { x in
                (gruSequence(projection: x[0], h0: x[1], weightHH: x[2], biasHH: x[3], reverse: reverse) * wOut).sum()
            }
        }
    }

    func testSecondOrderGradientsMatchTheStepLoop() {
        let projection = GradData.normal([3, 2, 6], seed: 21), h0 = GradData.normal([2, 2], seed: 22)
        let weightHH = GradData.normal([6, 2], seed: 23), biasHH = GradData.normal([6], seed: 24)
        func hessianVector(_ f: (Tensor, Tensor, Tensor) -> Tensor) -> [Double] {
            let p = projection.requiringGrad(), w = weightHH.requiringGrad(), b = biasHH.requiringGrad()
            let output = f(p, w, b)
            let first = gradients(of: (output * output).sum(), wrt: [p, w, b], createGraph: true)
            let grads = gradients(of: first[0].sum() + (first[1] * first[1]).sum() + first[2].sum(), wrt: [p, w, b])
            return grads.flatMap(\.scalars)
        }
        for reverse in [false, true] {
            let fused = hessianVector { gruSequence(projection: $0, h0: h0, weightHH: $1, biasHH: $2, reverse: reverse) }
            let loop = hessianVector { reference($0, h0, $1, $2, reverse: reverse) }
            for (a, b) in zip(fused, loop) { XCTAssertEqual(a, b, accuracy: 1e-10 * max(1, abs(b))) }
        }
    }
    // A bad shape traps with a message: TrapTests' "gruSequenceShapeMismatch" case.
}
