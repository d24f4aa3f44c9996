import XCTest
import Nabla

/// Reductions (sum, mean, max, min, prod, logsumexp, var, std, argmax/argmin, all/any), softmax,
/// logSoftmax and cumsum against PyTorch: forward values and gradients.
final class ReductionGoldenTests: XCTestCase {
    func testReductionsMatchPyTorch() {
        var runner = GoldenRunner(family: "reduction")
        runner.gradientTolerance = { c, dtype in
            // PyTorch's logsumexp backward is g * exp(x - result) with the float32-rounded result:
            // around |x| = 1000 the result carries up to half an ulp (3e-5) of error, which PyTorch's
            // gradient inherits as a relative error; Nabla's gradient (exp(x - max) / sum) does not.
            if c.name == "logsumexp_large_float32" { return Tolerance(rtol: 6.1e-5, atol: 1e-6) }
            return .standard(dtype)
        }
        let (run, passed) = runner.run { c, x in try Self.forward(c, x) }
        XCTAssertGreaterThan(run, 0)
        XCTAssertEqual(run, passed)
    }

    static func forward(_ c: FixtureCase, _ x: [Tensor]) throws -> [Tensor] {
        let t = x[0]
        switch c.op {
        case "sum":
            return [t.sum(alongAxes: try c.optionalInts("axes"), keepingDims: try c.bool("keepdim"))]
        case "mean":
            return [t.mean(alongAxes: try c.optionalInts("axes"), keepingDims: try c.bool("keepdim"))]
        case "max":
            return [t.max(alongAxes: try c.optionalInts("axes"), keepingDims: try c.bool("keepdim"))]
        case "min":
            // `min` and `prod` take variadic axes only.
            let keep = try c.bool("keepdim")
            switch try c.optionalInts("axes") {
            case nil: return [t.min(keepingDims: keep)]
            case let axes? where axes.count == 1: return [t.min(alongAxes: axes[0], keepingDims: keep)]
            case let axes? where axes.count == 2: return [t.min(alongAxes: axes[0], axes[1], keepingDims: keep)]
            case let axes?: throw FixtureError("min over \(axes) is not mapped")
            }
        case "prod":
            let keep = try c.bool("keepdim")
            switch try c.optionalInts("axes") {
            case nil: return [t.prod(keepingDims: keep)]
            case let axes? where axes.count == 1: return [t.prod(alongAxes: axes[0], keepingDims: keep)]
            case let axes? where axes.count == 2: return [t.prod(alongAxes: axes[0], axes[1], keepingDims: keep)]
            case let axes?: throw FixtureError("prod over \(axes) is not mapped")
            }
        case "logsumexp":
            let axes = try c.optionalInts("axes") ?? Array(0..<t.rank)
            return [t.logSumExp(alongAxes: axes, keepingDims: try c.bool("keepdim"))]
        case "argmax", "argmin":
            let axes = try c.optionalInts("axes")
            guard axes == nil || axes!.count == 1 else { throw FixtureError("\(c.op) over several axes") }
            let keep = try c.bool("keepdim")
            return [c.op == "argmax" ? t.argmax(axis: axes?[0], keepingDims: keep) : t.argmin(axis: axes?[0], keepingDims: keep)]
        case "var":
            return [t.variance(alongAxes: try c.optionalInts("axes"), correction: try c.int("correction"), keepingDims: try c.bool("keepdim"))]
        case "std":
            return [t.standardDeviation(alongAxes: try c.optionalInts("axes"), correction: try c.int("correction"),
                                        keepingDims: try c.bool("keepdim"))]
        case "all":
            return [t.all(alongAxes: try c.optionalInts("axes"), keepingDims: try c.bool("keepdim"))]
        case "any":
            return [t.any(alongAxes: try c.optionalInts("axes"), keepingDims: try c.bool("keepdim"))]
        case "softmax":
            return [softmax(t, axis: try c.int("axis"))]
        case "log_softmax":
            return [logSoftmax(t, axis: try c.int("axis"))]
        case "cumsum":
            return [t.cumsum(axis: try c.int("axis"))]
        default:
            throw UnknownOp(op: c.op)
        }
    }
}
