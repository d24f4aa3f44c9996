import XCTest
import Nabla

/// matmul (every rank combination, batch broadcasting, transposed operands), dot, outer and einsum
/// against PyTorch: forward values and gradients.
final class LinalgGoldenTests: XCTestCase {
    func testLinearAlgebraMatchesPyTorch() {
        var runner = GoldenRunner(family: "linalg")
        runner.tolerance = { _, dtype in
            // Dot products of up to 24 terms in a different summation order (BLAS blocking).
            dtype == .float32 ? Tolerance(rtol: 1e-5, atol: 5e-6) : .standard(dtype)
        }
        let (run, passed) = runner.run { c, x in try Self.forward(c, x) }
        XCTAssertGreaterThan(run, 0)
        XCTAssertEqual(run, passed)
    }

    static func forward(_ c: FixtureCase, _ x: [Tensor]) throws -> [Tensor] {
        switch c.op {
        case "matmul": return [matmul(x[0], x[1])]
        case "dot": return [dot(x[0], x[1])]
        case "outer": return [outer(x[0], x[1])]
        case "einsum":
            let equation = try c.string("equation")
            switch x.count {
            case 1: return [einsum(equation, x[0])]
            case 2: return [einsum(equation, x[0], x[1])]
            default: throw FixtureError("einsum with \(x.count) operands is not mapped")
            }
        default:
            throw UnknownOp(op: c.op)
        }
    }
}
