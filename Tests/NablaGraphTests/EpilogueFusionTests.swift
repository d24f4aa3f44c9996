import XCTest
import Nabla
import NablaNN
import NablaOptim
@testable import NablaGraph

/// `EpilogueFusion` (with the `reluGrad` rewrite of `AlgebraicSimplification` it relies on): the
/// rewritten graphs, and values bit-identical to the unfused graphs.
final class EpilogueFusionTests: XCTestCase {
    private let x = Tensor.randn([6, 5], seed: 11), w = Tensor.randn([3, 5], seed: 12), b = Tensor.randn([3], seed: 13)

    /// The graph after elementwise fusion, and after epilogue fusion too.
    private func fusedGraphs(_ graph: Graph) -> (before: Graph, after: Graph) {
        let before = PassPipeline(passes: [AlgebraicSimplification(), DeadCodeElimination(), ElementwiseFusion()]).run(graph)
        return (before, DeadCodeElimination().run(EpilogueFusion().run(before)))
    }

    private func assertSameValues(_ a: Graph, _ b: Graph, _ inputs: [Tensor], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(GraphVerifier.problems(in: b), [], file: file, line: line)
        for (u, v) in zip(Executor(a).run(inputs), Executor(b).run(inputs)) { assertClose(u, v, tolerance: 0, "", file: file, line: line) }
    }

    private func epilogue(_ graph: Graph) -> FusedElementwiseProgram? {
        for node in graph.nodes { if case let .kernel(.matmulEpilogue(program)) = node.operation { return program } }
        return nil
    }

    func testLinearBiasAndReluFoldIntoTheMatmul() throws {
        let graph = traceGraph([x, w, b]) { t in [relu(matmul(t[0], t[1].transposed()) + t[2])] }
        let (before, after) = fusedGraphs(graph)
        XCTAssertEqual(before.operationCounts["fused"], 1, "the row-broadcast bias add and the relu fuse first: \(before)")
        XCTAssertEqual(after.operationCounts["matmul+epilogue"], 1, "\(after)")
        XCTAssertNil(after.operationCounts["matmul"])
        XCTAssertNil(after.operationCounts["fused"])
        let program = try XCTUnwrap(epilogue(after))
        XCTAssertEqual(program.summary, "add·relu")
        XCTAssertEqual(program.inputCount, 2, "register 0 is the product, 1 the bias")
        XCTAssertEqual(after.nodes.last?.inputs.count, 3, "x, wᵀ and the bias")
        assertSameValues(graph, after, [x, w, b])
    }

    func testGELUAndBatchedProductsFold() {
        let x3 = Tensor.randn([2, 4, 5], seed: 14)
        let graph = traceGraph([x3, w, b]) { t in [gelu(matmul(t[0], t[1].transposed()) + t[2])] }
        let (_, after) = fusedGraphs(graph)
        XCTAssertEqual(after.operationCounts["matmul+epilogue"], 1, "\(after)")
        XCTAssertEqual(after.nodes.filter { !["permute", "constant"].contains($0.operation.kindName) }.count, 1, "\(after)")
        assertSameValues(graph, after, [x3, w, b])
    }

    func testASingleElementwiseConsumerFolds() {
        let g = Tensor.randn([6, 3], seed: 15)
        // The backward pass's shape: reluGrad(matmul(g, w), h) with h a saved activation.
        let graph = traceGraph([x, w, g]) { t in [Tensor.reluGrad(matmul(t[2], t[1]), t[0])] }
        let (_, after) = fusedGraphs(graph)
        XCTAssertEqual(after.operationCounts, ["matmul+epilogue": 1], "\(after)")
        assertSameValues(graph, after, [x, w, g])
    }

    func testProductsUsedTwiceOrReturnedStayUnfused() {
        let shared = traceGraph([x, w]) { t in
            let p = matmul(t[0], t[1].transposed())
            return [relu(p), p.sum(alongAxes: [1])]
        }
        XCTAssertNil(fusedGraphs(shared).after.operationCounts["matmul+epilogue"], "the product has two users")
        let oneFusedUser = traceGraph([x, w]) { t in
            let p = matmul(t[0], t[1].transposed())
            return [relu(p) + p.exp()]
        }
        XCTAssertEqual(fusedGraphs(oneFusedUser).after.operationCounts["matmul+epilogue"], 1, "one fused run reads it twice")
        let returned = traceGraph([x, w]) { t in
            let p = matmul(t[0], t[1].transposed())
            return [p, relu(p)]
        }
        XCTAssertNil(fusedGraphs(returned).after.operationCounts["matmul+epilogue"], "the product is a graph output")
        let mixed = traceGraph([x, w, Tensor.randn([6, 1, 3], seed: 16)]) { t in [matmul(t[0], t[1].transposed()) + t[2]] }
        XCTAssertNil(fusedGraphs(mixed).after.operationCounts["matmul+epilogue"], "the sum is bigger than the product")
    }

    func testReluGradReadsTheActivationSoThePreActivationDies() {
        let g = Tensor.randn([6, 3], seed: 17)
        let graph = traceGraph([x, w, b, g]) { t in
            let pre = matmul(t[0], t[1].transposed()) + t[2]
            let h = relu(pre)
            return [h.sum(), Tensor.reluGrad(t[3], pre)]
        }
        let simplified = AlgebraicSimplification().run(graph)
        let gradientNode = simplified.nodes.first { $0.operation == Operation.primitive(.binary(.reluGrad)) }!
        let activationNode = simplified.nodes.first { $0.operation == Operation.primitive(.unary(.relu)) }!
        XCTAssertEqual(gradientNode.inputs[1], activationNode.outputs[0])
        let (_, after) = fusedGraphs(graph)
        XCTAssertEqual(after.operationCounts["matmul+epilogue"], 1, "the pre-activation has one user left: \(after)")
        assertSameValues(graph, after, [x, w, b, g])
        // NaN, -0 and 0 in the pre-activation: the same gradient either way.
        let special = Tensor([Float.nan, -0.0, 0, 2, -3])
        let ones = Tensor.ones([5])
        XCTAssertEqual(Tensor.reluGrad(ones, special).toArray(as: Float.self), Tensor.reluGrad(ones, Nabla.relu(special)).toArray(as: Float.self))
    }

    func testCompiledTrainingStepUsesEpiloguesForwardAndBackward() throws {
        manualSeed(3)
        let model = Sequential(Linear(12, 16), ReLU(), Linear(16, 8), ReLU(), Linear(8, 4))
        let optimizer = SGD(model, learningRate: 0.1)
        let step = compiledMSETrainingStep(model, optimizer)
        for i in 0..<2 { _ = try step(Tensor.randn([10, 12], seed: UInt64(i)), Tensor.randn([10, 4], seed: UInt64(9 + i))) }
        let graph = try XCTUnwrap(step.graph)
        // Forward: three bias adds, two with a relu; backward: the two reluGrads after dX = g·W.
        XCTAssertEqual(graph.operationCounts["matmul+epilogue"], 5, "\(graph)")
        XCTAssertNil(graph.operationCounts["relu"])
        XCTAssertNil(graph.operationCounts["reluGrad"])
    }
}

private extension Tensor {
    /// The reluGrad primitive, `g` where `x > 0`, else 0.
    static func reluGrad(_ g: Tensor, _ x: Tensor) -> Tensor { Primitive.binary(.reluGrad).forward([g, x])[0] }
}
