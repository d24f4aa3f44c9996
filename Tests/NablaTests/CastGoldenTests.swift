import XCTest
import Nabla

/// Casts between all nine dtypes against PyTorch (exact: round-to-nearest-even into narrower floats,
/// truncation toward zero into integers, two's-complement wrapping of narrowing integer casts,
/// `!= 0` into bool), and the gradient of float-to-float casts.
final class CastGoldenTests: XCTestCase {
    func testCastsMatchPyTorch() {
        var runner = GoldenRunner(family: "cast")
        runner.tolerance = { _, _ in .exact }
        let (run, passed) = runner.run { c, x in try Self.forward(c, x) }
        XCTAssertGreaterThan(run, 0)
        XCTAssertEqual(run, passed)
    }

    static func forward(_ c: FixtureCase, _ x: [Tensor]) throws -> [Tensor] {
        switch c.op {
        case "cast":
            let name = try c.string("to")
            guard let dtype = DType(name: name) else { throw FixtureError("unknown dtype \(name)") }
            return [x[0].cast(to: dtype)]
        default:
            throw UnknownOp(op: c.op)
        }
    }
}
