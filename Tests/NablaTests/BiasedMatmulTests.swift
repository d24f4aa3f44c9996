import XCTest
import Nabla

/// The `biasedMatmul` primitive (`matmul(_:_:bias:)`): one GEMM with the bias added in place, against
/// `matmul` followed by `+`, forward, backward and second order; traces see the two ops.
final class BiasedMatmulTests: XCTestCase {
    /// The output and the gradients of Σ y ⊙ upstream with respect to a, b and the bias.
    private func outputAndGradients(_ a: Tensor, _ b: Tensor, _ bias: Tensor, _ f: (Tensor, Tensor, Tensor) -> Tensor) -> [[Float]] {
        let leaves = [a, b, bias].map { $0.requiringGrad() }
        let y = f(leaves[0], leaves[1], leaves[2])
        let upstream = Tensor.randn(y.shape, seed: 121)
        return [y.toArray(as: Float.self)] + gradients(of: (y * upstream).sum(), wrt: leaves).map { $0.toArray(as: Float.self) }
    }

    private func assertMatchesTheComposite(_ a: Tensor, _ b: Tensor, _ bias: Tensor, file: StaticString = #filePath, line: UInt = #line) {
        let fused = outputAndGradients(a, b, bias) { matmul($0, $1, bias: $2) }
        let reference = outputAndGradients(a, b, bias) { matmul($0, $1) + $2 }
        XCTAssertEqual(fused.count, reference.count, file: file, line: line)
        for (u, v) in zip(fused, reference) {
            XCTAssertEqual(u.count, v.count, file: file, line: line)
            for (p, q) in zip(u, v) { XCTAssertEqual(p, q, accuracy: 1e-5 * max(1, abs(q)), file: file, line: line) }
        }
    }

    func testLinearLayerShapesMatchTheComposite() {
        // [..., in] times a transposed [out, in] weight (a Linear layer), rows folded into one GEMM.
        assertMatchesTheComposite(Tensor.randn([2, 3, 4], seed: 122), Tensor.randn([5, 4], seed: 123).transposed(), Tensor.randn([5], seed: 124))
        assertMatchesTheComposite(Tensor.randn([6, 4], seed: 125), Tensor.randn([4, 5], seed: 126), Tensor.randn([5], seed: 127))
    }

    func testBatchedProductsMatchTheComposite() {
        // One GEMM per batch, the bias added to every row of each.
        assertMatchesTheComposite(Tensor.randn([2, 3, 4], seed: 128), Tensor.randn([2, 4, 5], seed: 129), Tensor.randn([5], seed: 130))
    }

    func testEmptyInnerDimensionGivesTheBias() {
        let y = matmul(Tensor.zeros([2, 0]), Tensor.zeros([0, 3]), bias: Tensor([1, 2, 3] as [Float]))
        XCTAssertEqual(y.toArray(as: Float.self), [1, 2, 3, 1, 2, 3])
    }

    func testOtherDtypesAndShapesUseTheCompositeAndKeepItsGradients() {
        checkGradients("matmul(bias:) float64", [GradData.normal([3, 4], seed: 131), GradData.normal([4, 2], seed: 132),
                                                 GradData.normal([2], seed: 133)]) { matmul($0[0], $0[1], bias: $0[2]) }
        // A bias broadcast over columns is not a row bias: the two ops.
        let y = matmul(Tensor.ones([2, 3]), Tensor.ones([3, 2]), bias: Tensor(shape: [2, 1], scalars: [10, 20] as [Float]))
        XCTAssertEqual(y.toArray(as: Float.self), [13, 13, 23, 23])
    }

    func testSecondOrderGradientsMatchTheComposite() {
        func hessianVector(_ f: (Tensor, Tensor, Tensor) -> Tensor) -> [[Float]] {
            let a = Tensor.randn([3, 4], seed: 141).requiringGrad(), b = Tensor.randn([4, 2], seed: 142).requiringGrad()
            let bias = Tensor.randn([2], seed: 143).requiringGrad()
            let y = f(a, b, bias)
            let first = gradients(of: (y * y).sum(), wrt: [a, b, bias], createGraph: true)
            return gradients(of: first.map { ($0 * $0).sum() }.reduce(Tensor.zeros([]), +), wrt: [a, b, bias]).map { $0.toArray(as: Float.self) }
        }
        for (u, v) in zip(hessianVector { matmul($0, $1, bias: $2) }, hessianVector { matmul($0, $1) + $2 }) {
            for (p, q) in zip(u, v) { XCTAssertEqual(p, q, accuracy: 1e-4 * max(1, abs(q))) }
        }
    }

    func testTracesSeeMatmulAndAdd() {
        let observer = PrimitiveRecorder()
        let a = Tensor.randn([2, 3], seed: 151), b = Tensor.randn([3, 4], seed: 152), bias = Tensor.randn([4], seed: 153)
        _ = Tracing.withObserver(observer) { matmul(a, b, bias: bias) }
        XCTAssertEqual(observer.primitives, [.matmul, .binary(.add)])
    }
}
