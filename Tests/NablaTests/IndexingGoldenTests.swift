import XCTest
import Nabla

/// Indexing ops (gather, scatter, scatterAdd, indexSelect, maskedFill, oneHot, embedding, topk,
/// sort) against PyTorch: values, indices and gradients.
final class IndexingGoldenTests: XCTestCase {
    func testIndexingMatchesPyTorch() {
        var runner = GoldenRunner(family: "indexing")
        runner.tolerance = { _, _ in .exact }
        // Gradients accumulate duplicates (scatter_add, embedding): allow float rounding.
        runner.gradientTolerance = { _, dtype in .standard(dtype) }
        let (run, passed) = runner.run { c, x in try Self.forward(c, x) }
        XCTAssertGreaterThan(run, 0)
        XCTAssertEqual(run, passed)
    }

    static func forward(_ c: FixtureCase, _ x: [Tensor]) throws -> [Tensor] {
        switch c.op {
        case "gather": return [x[0].gather(axis: try c.int("dim"), index: x[1])]
        case "scatter": return [x[0].scattering(axis: try c.int("dim"), index: x[1], source: x[2])]
        case "scatter_add": return [x[0].scatteringAdd(axis: try c.int("dim"), index: x[1], source: x[2])]
        case "index_select": return [x[0].indexSelect(axis: try c.int("dim"), index: x[1])]
        case "masked_fill": return [x[0].maskedFill(x[1], value: try c.double("value"))]
        case "one_hot": return [oneHot(x[0], numClasses: try c.int("num_classes"))]
        // F.embedding(indices, weight): the fixture stores [weight, indices].
        case "embedding": return [embedding(x[1], weight: x[0])]
        case "topk":
            let (values, indices) = x[0].topk(try c.int("k"), axis: try c.int("dim"), largest: try c.bool("largest"))
            return [values, indices]
        case "sort":
            let (values, indices) = x[0].sorted(axis: try c.int("dim"), descending: try c.bool("descending"))
            return [values, indices]
        default:
            throw UnknownOp(op: c.op)
        }
    }
}
