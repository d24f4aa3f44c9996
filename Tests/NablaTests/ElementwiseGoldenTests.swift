import XCTest
import Nabla

/// Elementwise ops (unary, binary with broadcasting and promotion, where, comparisons, logical ops,
/// activations, scalar operands) against PyTorch: forward values and gradients.
final class ElementwiseGoldenTests: XCTestCase {
    func testElementwiseMatchesPyTorch() {
        // Standard tolerances everywhere (float32 rtol 1e-5, atol 1e-6), transcendentals included.
        let runner = GoldenRunner(family: "elementwise")
        let (run, passed) = runner.run { c, x in try Self.forward(c, x) }
        XCTAssertGreaterThan(run, 0)
        XCTAssertEqual(run, passed)
    }

    static func forward(_ c: FixtureCase, _ x: [Tensor]) throws -> [Tensor] {
        switch c.op {
        // Binary arithmetic.
        case "add": return [x[0] + x[1]]
        case "sub": return [x[0] - x[1]]
        case "mul": return [x[0] * x[1]]
        case "div": return [x[0] / x[1]]
        case "pow": return [x[0].pow(x[1])]
        case "minimum": return [minimum(x[0], x[1])]
        case "maximum": return [maximum(x[0], x[1])]
        // Unary.
        case "neg": return [-x[0]]
        case "abs": return [x[0].abs()]
        case "sign": return [x[0].sign()]
        case "exp": return [x[0].exp()]
        case "log": return [x[0].log()]
        case "log1p": return [x[0].log1p()]
        case "expm1": return [x[0].expm1()]
        case "sqrt": return [x[0].sqrt()]
        case "rsqrt": return [x[0].rsqrt()]
        case "square": return [x[0].square()]
        case "sin": return [x[0].sin()]
        case "cos": return [x[0].cos()]
        case "tanh": return [x[0].tanh()]
        case "sigmoid": return [x[0].sigmoid()]
        // Activations (composites).
        case "relu": return [relu(x[0])]
        case "silu": return [silu(x[0])]
        case "leaky_relu": return [leakyRelu(x[0], negativeSlope: try c.double("negative_slope"))]
        case "elu": return [elu(x[0], alpha: try c.double("alpha"))]
        case "gelu":
            switch try c.string("approximate") {
            case "none": return [gelu(x[0], approximate: .none)]
            case "tanh": return [gelu(x[0], approximate: .tanh)]
            case let other: throw FixtureError("gelu: unknown approximate \(other)")
            }
        case "softplus": return [softplus(x[0], beta: try c.double("beta"), threshold: try c.double("threshold"))]
        case "clamp": return [x[0].clamped(min: try c.optionalDouble("min"), max: try c.optionalDouble("max"))]
        case "where": return [Tensor.where(x[0], x[1], x[2])]
        // Comparisons and logic.
        case "eq": return [x[0] .== x[1]]
        case "ne": return [x[0] .!= x[1]]
        case "lt": return [x[0] .< x[1]]
        case "le": return [x[0] .<= x[1]]
        case "gt": return [x[0] .> x[1]]
        case "ge": return [x[0] .>= x[1]]
        case "logical_and": return [x[0] .&& x[1]]
        case "logical_or": return [x[0] .|| x[1]]
        case "logical_not": return [x[0].logicalNot()]
        case "isnan": return [x[0].isNaN()]
        case "isfinite": return [x[0].isFinite()]
        // Python scalar operands: an int literal is an integer scalar, a float literal a float scalar.
        case "add_scalar", "mul_scalar":
            let s = try c.attr("scalar")
            let isAdd = c.op == "add_scalar"
            if s.isIntegerLiteral, let i = s.intValue { return [isAdd ? x[0] + i : x[0] * i] }
            let d = try c.double("scalar")
            return [isAdd ? x[0] + d : x[0] * d]
        default:
            throw UnknownOp(op: c.op)
        }
    }
}
