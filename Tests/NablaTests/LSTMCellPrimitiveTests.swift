import XCTest
import Nabla

/// The `lstmCell` primitive (`lstmCellPointwise`): its fused float32 passes against the composite it
/// replaces, finite differences in float64, second-order gradients, and what a trace records.
final class LSTMCellPrimitiveTests: XCTestCase {
    /// The same step written as separate ops (the definition the primitive must match).
    private func reference(_ gates: Tensor, _ cell: Tensor) -> (h: Tensor, c: Tensor) {
        let g = gates.chunked(4, axis: -1)
        let c = g[1].sigmoid() * cell + g[0].sigmoid() * g[2].tanh()
        return (g[3].sigmoid() * c.tanh(), c)
    }

    func testFloat32ForwardIsBitwiseTheCompositeAndBackwardMatchesIt() {
        let gates = Tensor.randn([5, 12], seed: 1) * 2, cell = Tensor.randn([5, 3], seed: 2)
        let upstreamH = Tensor.randn([5, 3], seed: 3), upstreamC = Tensor.randn([5, 3], seed: 4)
        func run(_ step: (Tensor, Tensor) -> (h: Tensor, c: Tensor)) -> [[Float]] {
            let g = gates.requiringGrad(), c = cell.requiringGrad()
            let (h1, c1) = step(g, c)
            let loss = (h1 * upstreamH).sum() + (c1 * upstreamC).sum()
            let grads = gradients(of: loss, wrt: [g, c])
            return [h1, c1, grads[0], grads[1]].map { $0.toArray(as: Float.self) }
        }
        let fused = run { lstmCellPointwise(gates: $0, cell: $1) }, composite = run(reference)
        XCTAssertEqual(fused[0], composite[0], "h' must be bitwise the composite's")
        XCTAssertEqual(fused[1], composite[1], "c' must be bitwise the composite's")
        for k in 2...3 {
            for (a, b) in zip(fused[k], composite[k]) { XCTAssertEqual(a, b, accuracy: 1e-6 * max(1, abs(b))) }
        }
    }

    func testFiniteDifferencesInFloat64() {
        let gates = GradData.normal([3, 8], seed: 11), cell = GradData.normal([3, 2], seed: 12)
        let wh = GradData.normal([3, 2], seed: 13), wc = GradData.normal([3, 2], seed: 14)
        checkGradients("lstmCellPointwise", [gates, cell]) { x in
            let (h, c) = lstmCellPointwise(gates: x[0], cell: x[1])
            return (h * wh).sum() + (c * wc).sum()
        }
        // Only one output used: the other's gradient is absent, not zero-filled by the caller.
        checkGradients("lstmCellPointwise h only", [gates, cell]) { x in (lstmCellPointwise(gates: x[0], cell: x[1]).h * wh).sum() }
        checkGradients("lstmCellPointwise c only", [gates, cell]) { x in (lstmCellPointwise(gates: x[0], cell: x[1]).c * wc).sum() }
    }

    func testSecondOrderGradientsMatchTheComposite() {
        let gates = GradData.normal([2, 8], seed: 21), cell = GradData.normal([2, 2], seed: 22)
        func hessianVector(_ step: (Tensor, Tensor) -> (h: Tensor, c: Tensor)) -> [Double] {
            let g = gates.requiringGrad()
            let (h, c) = step(g, cell)
            let first = gradients(of: (h * h).sum() + c.sum(), wrt: [g], createGraph: true)[0]
            return gradients(of: first.sum(), wrt: [g])[0].scalars
        }
        let primitive = hessianVector { lstmCellPointwise(gates: $0, cell: $1) }, composite = hessianVector(reference)
        for (a, b) in zip(primitive, composite) { XCTAssertEqual(a, b, accuracy: 1e-12) }
    }
    // A bad shape traps with a message: TrapTests' "lstmCellShapeMismatch" case.
}
