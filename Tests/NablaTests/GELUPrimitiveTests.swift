import XCTest
import Nabla

/// The `gelu` primitive (exact GELU): its fused float32 passes against the composite it replaces,
/// finite differences in float64 and second-order gradients.
final class GELUPrimitiveTests: XCTestCase {
    private func composite(_ x: Tensor) -> Tensor { x * 0.5 * (1 + (x * (1 / 2.0.squareRoot())).erf()) }

    func testFloat32ForwardIsBitwiseTheCompositeAndBackwardMatchesIt() {
        let x = Tensor.randn([7, 33], seed: 5) * 3, upstream = Tensor.randn([7, 33], seed: 6)
        func run(_ f: (Tensor) -> Tensor) -> ([Float], [Float]) {
            let leaf = x.requiringGrad()
            let y = f(leaf)
            return (y.toArray(as: Float.self), gradients(of: (y * upstream).sum(), wrt: [leaf])[0].toArray(as: Float.self))
        }
        let (fusedY, fusedGrad) = run { gelu($0) }, (compositeY, compositeGrad) = run(composite)
        XCTAssertEqual(fusedY, compositeY)
        for (a, b) in zip(fusedGrad, compositeGrad) { XCTAssertEqual(a, b, accuracy: 1e-6 * max(1, abs(b))) }
    }

    func testFiniteDifferencesInFloat64() {
        checkGradient("gelu", GradData.normal([4, 5], seed: 31) * 2) { gelu($0) }
    }

    func testSecondOrderGradientsMatchTheComposite() {
        func secondDerivative(_ f: (Tensor) -> Tensor) -> [Double] {
            let x = GradData.normal([6], seed: 41).requiringGrad()
            let first = gradients(of: f(x).sum(), wrt: [x], createGraph: true)[0]
            return gradients(of: first.sum(), wrt: [x])[0].scalars
        }
        for (a, b) in zip(secondDerivative { gelu($0) }, secondDerivative(composite)) { XCTAssertEqual(a, b, accuracy: 1e-12) }
    }
}
