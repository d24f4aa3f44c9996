import XCTest
import Nabla

/// The `layerNorm` primitive: the float32 row kernels against the composite they replace, finite
/// differences in float64, second-order gradients, and traces that see the composite's ops.
final class LayerNormPrimitiveTests: XCTestCase {
    /// The composite, written out here as the reference.
    private func composite(_ x: Tensor, normalizedAxes: Int = 1, weight: Tensor?, bias: Tensor?, eps: Double = 1e-5) -> Tensor {
        let axes = Array((x.rank - normalizedAxes)..<x.rank)
        let centered = x - x.mean(alongAxes: axes, keepingDims: true)
        var y = centered * ((centered * centered).mean(alongAxes: axes, keepingDims: true) + eps).rsqrt()
        if let weight { y = y * weight }
        if let bias { y = y + bias }
        return y
    }

    /// The output and the gradients of Σ y ⊙ upstream with respect to x, weight and bias (as given).
    private func outputAndGradients(_ x: Tensor, _ parameters: [Tensor], upstream: Tensor,
                                    _ f: (Tensor, [Tensor]) -> Tensor) -> [[Float]] {
        let leaves = ([x] + parameters).map { $0.requiringGrad() }
        let y = f(leaves[0], Array(leaves.dropFirst()))
        return [y.toArray(as: Float.self)] + gradients(of: (y * upstream).sum(), wrt: leaves).map { $0.toArray(as: Float.self) }
    }

    private func assertClose(_ a: [[Float]], _ b: [[Float]], tolerance: Float, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (u, v) in zip(a, b) {
            XCTAssertEqual(u.count, v.count, file: file, line: line)
            for (p, q) in zip(u, v) { XCTAssertEqual(p, q, accuracy: tolerance * max(1, abs(q)), file: file, line: line) }
        }
    }

    func testFloat32KernelsMatchTheComposite() {
        // A transposed (non-dense) input with rows of 37 (not a multiple of the vector width), shifted
        // away from zero mean.
        let x = (Tensor.randn([37, 6], seed: 71) * 3 + 2).transposed(), upstream = Tensor.randn([6, 37], seed: 72)
        let weight = Tensor.randn([37], seed: 73), bias = Tensor.randn([37], seed: 74)
        let fused = outputAndGradients(x, [weight, bias], upstream: upstream) { layerNorm($0, normalizedAxes: 1, weight: $1[0], bias: $1[1]) }
        let reference = outputAndGradients(x, [weight, bias], upstream: upstream) { composite($0, weight: $1[0], bias: $1[1]) }
        assertClose(fused, reference, tolerance: 1e-5)
    }

    func testManyRowsSplitAcrossThreadsMatchTheComposite() {
        // Enough rows for the parameter gradients to be summed over several blocks of rows.
        let x = Tensor.randn([512, 256], seed: 75), upstream = Tensor.randn([512, 256], seed: 76)
        let weight = Tensor.randn([256], seed: 77), bias = Tensor.randn([256], seed: 78)
        let fused = outputAndGradients(x, [weight, bias], upstream: upstream) { layerNorm($0, normalizedAxes: 1, weight: $1[0], bias: $1[1]) }
        let reference = outputAndGradients(x, [weight, bias], upstream: upstream) { composite($0, weight: $1[0], bias: $1[1]) }
        assertClose(fused, reference, tolerance: 2e-4)
    }

    func testSeveralTrailingAxesAndNoParametersMatchTheComposite() {
        let x = Tensor.randn([3, 4, 5], seed: 81), upstream = Tensor.randn([3, 4, 5], seed: 82)
        let weight = Tensor.randn([4, 5], seed: 83)
        let fused = outputAndGradients(x, [weight], upstream: upstream) { layerNorm($0, normalizedAxes: 2, weight: $1[0], eps: 1e-3) }
        let reference = outputAndGradients(x, [weight], upstream: upstream) { composite($0, normalizedAxes: 2, weight: $1[0], bias: nil, eps: 1e-3) }
        assertClose(fused, reference, tolerance: 1e-5)
        let bare = outputAndGradients(x, [], upstream: upstream) { x, _ in layerNorm(x, normalizedAxes: 1) }
        let bareReference = outputAndGradients(x, [], upstream: upstream) { x, _ in composite(x, weight: nil, bias: nil) }
        assertClose(bare, bareReference, tolerance: 1e-5)
    }

    func testFiniteDifferencesInFloat64() {
        let inputs = [GradData.normal([3, 5], seed: 91), GradData.normal([5], seed: 92), GradData.normal([5], seed: 93)]
        checkGradients("layerNorm", inputs) { layerNorm($0[0], normalizedAxes: 1, weight: $0[1], bias: $0[2]) }
        checkGradients("layerNorm over two axes", [GradData.normal([2, 3, 4], seed: 94), GradData.normal([3, 4], seed: 95)]) {
            layerNorm($0[0], normalizedAxes: 2, weight: $0[1], eps: 1e-3)
        }
    }

    func testSecondOrderGradientsMatchTheComposite() {
        let upstream = GradData.normal([3, 6], seed: 101)
        func hessianVector(_ f: (Tensor, Tensor, Tensor) -> Tensor) -> [[Double]] {
            let x = GradData.normal([3, 6], seed: 102).requiringGrad()
            let weight = GradData.normal([6], seed: 103).requiringGrad(), bias = GradData.normal([6], seed: 104).requiringGrad()
            let first = gradients(of: (f(x, weight, bias) * upstream).sum(), wrt: [x, weight], createGraph: true)
            let second = gradients(of: (first[0] * first[0]).sum() + (first[1] * first[1]).sum(), wrt: [x, weight, bias])
            return second.map(\.scalars)
        }
        let primitive = hessianVector { layerNorm($0, normalizedAxes: 1, weight: $1, bias: $2) }
        let reference = hessianVector { composite($0, weight: $1, bias: $2) }
        for (a, b) in zip(primitive, reference) {
            for (p, q) in zip(a, b) { XCTAssertEqual(p, q, accuracy: 1e-10 * max(1, abs(q))) }
        }
    }

    func testTracesRecordThePrimitiveAndItsBackwardKernel() {
        let observer = PrimitiveRecorder()
        let x = Tensor.randn([2, 8], seed: 111).requiringGrad(), weight = Tensor.ones([8]).requiringGrad(), bias = Tensor.zeros([8])
        _ = Tracing.withObserver(observer) {
            gradients(of: (layerNorm(x, normalizedAxes: 1, weight: weight, bias: bias) * x).sum(), wrt: [x, weight])
        }
        let names = observer.primitives.map(\.description)
        XCTAssertTrue(names.contains("layerNorm(eps: 1e-05)"), "\(names)")
        XCTAssertTrue(names.contains("layerNormBackward(eps: 1e-05)"), "\(names)")
        XCTAssertFalse(names.contains("rsqrt"), "no composite: \(names)")
    }

    func testTheBackwardPrimitiveAppliesByDescription() {
        let x = Tensor.randn([3, 8], seed: 112), weight = Tensor.randn([8], seed: 113), g = Tensor.randn([3, 8], seed: 114)
        let applied = Primitive.layerNormBackward(eps: 1e-5).forward([x, weight, g])
        let inputs = [x, weight, Tensor.zeros([8])].map { $0.requiringGrad() }
        let expected = gradients(of: (layerNorm(inputs[0], normalizedAxes: 1, weight: inputs[1], bias: inputs[2]) * g).sum(), wrt: inputs)
        XCTAssertEqual(applied.count, 3)
        for (a, b) in zip(applied, expected) { XCTAssertEqual(a.scalars, b.scalars) }
    }
}
