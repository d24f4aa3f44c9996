import XCTest
import Nabla
import NablaNN
@testable import NablaOptim

final class GradientClippingTests: XCTestCase {
    /// atol is 1e-9 rather than 1e-6 so that the 1e-6 in `maxNorm / (total + 1e-6)` shows on the tiny-gradient case.
    func testClippingMatchesPyTorch() throws {
        let cases = try OptimFixtureFile.load().clipping
        XCTAssertEqual(Set(cases.map(\.kind)), ["norm", "value"])
        for c in cases {
            let parameters = try c.grads.map { g -> Parameter in
                let p = Parameter(Tensor.zeros(g.shape))
                p.grad = try g.tensor()
                return p
            }
            if c.kind == "norm" {
                let normType: Double
                switch c.norm_type {
                case .string("inf")?: normType = .infinity
                case let .number(v)?: normType = v
                default: throw OptimFixtureError("\(c.name): bad norm_type")
                }
                let total = clipGradNorm(parameters, maxNorm: try XCTUnwrap(c.max_norm), normType: normType)
                assertClose(total, try XCTUnwrap(c.total_norm), atol: 1e-9, "\(c.name) total norm")
            } else {
                clipGradValue(parameters, clipValue: try XCTUnwrap(c.clip_value))
            }
            for (i, p) in parameters.enumerated() {
                assertClose(try XCTUnwrap(p.grad), c.clipped[i], atol: 1e-9, "\(c.name) gradient \(i)")
            }
        }
    }

    func testParametersWithoutGradientsAreIgnored() {
        let a = Parameter(Tensor.zeros([2])), b = Parameter(Tensor.zeros([2]))
        XCTAssertEqual(clipGradNorm([a, b], maxNorm: 1).item(), 0)
        a.grad = Tensor([3, 4] as [Float])
        let total = clipGradNorm([a, b], maxNorm: 1)
        XCTAssertEqual(total.item(), 5, accuracy: 1e-6)
        XCTAssertNil(b.grad)
        XCTAssertEqual(a.grad!.scalars[0], 3 * 1 / (5 + 1e-6), accuracy: 1e-6)
        clipGradValue([a, b], clipValue: 0.5)
        XCTAssertNil(b.grad)
    }

    func testClipsAModule() {
        let model = TinyNet()
        setGradients(model.parameters(), step: 0)
        clipGradNorm(model, maxNorm: 0.1)
        let after = clipGradNorm(model, maxNorm: 100)
        XCTAssertEqual(after.item(), 0.1, accuracy: 1e-6)
    }
}
