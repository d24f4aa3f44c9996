import XCTest
import Nabla
@testable import NablaGraph

/// Each pass on small graphs: the rewritten graph has the expected nodes, and running it gives the
/// same results as the original.
final class PassTests: XCTestCase {
    private let x = Tensor.randn([4, 5], seed: 1), y = Tensor.randn([4, 5], seed: 2)

    private func assertSameResults(_ before: Graph, _ after: Graph, _ inputs: [Tensor], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(GraphVerifier.problems(in: after), [], file: file, line: line)
        let expected = Executor(before).run(inputs), actual = Executor(after).run(inputs)
        XCTAssertEqual(expected.count, actual.count, file: file, line: line)
        for (a, b) in zip(expected, actual) { assertClose(a, b, tolerance: 0, "", file: file, line: line) }
    }

    func testDeadCodeEliminationDropsUnusedNodes() {
        let graph = traceGraph([x, y]) { t in
            _ = t[0].exp()                 // unused
            _ = t[0] * t[1]                // unused
            return [t[0] + t[1]]
        }
        XCTAssertEqual(graph.operationCounts, ["exp": 1, "mul": 1, "add": 1])
        let result = DeadCodeElimination().run(graph)
        XCTAssertEqual(result.operationCounts, ["add": 1])
        assertSameResults(graph, result, [x, y])
    }

    func testCommonSubexpressionEliminationMergesRepeatedWork() {
        let graph = traceGraph([x, y]) { t in [(t[0] * t[1]).exp() + (t[0] * t[1]).exp()] }
        XCTAssertEqual(graph.operationCounts, ["mul": 2, "exp": 2, "add": 1])
        let result = DeadCodeElimination().run(CommonSubexpressionElimination().run(graph))
        XCTAssertEqual(result.operationCounts, ["mul": 1, "exp": 1, "add": 1])
        XCTAssertEqual(result.nodes.last?.inputs[0], result.nodes.last?.inputs[1], "the add reads one value twice")
        assertSameResults(graph, result, [x, y])
    }

    func testConstantFoldingEvaluatesConstantSubgraphsOnce() {
        let graph = traceGraph([x]) { t in
            let scale = (Tensor(Float(2)) * Tensor(Float(3))).exp()     // constant expression
            return [t[0] * scale]
        }
        XCTAssertEqual(graph.operationCounts["exp"], 1)
        let result = DeadCodeElimination().run(ConstantFolding().run(graph))
        XCTAssertNil(result.operationCounts["exp"])
        XCTAssertEqual(result.operationCounts, ["constant": 1, "mul": 1])
        assertSameResults(graph, result, [x])
    }

    func testAlgebraicSimplificationRemovesIdentities() {
        let graph = traceGraph([x]) { t in
            let a = t[0] * Tensor(Float(1)) + Tensor(Float(0))
            let b = a.permuted([1, 0]).permuted([1, 0])          // cancels
            let c = b.reshaped([20]).reshaped([2, 10])           // one reshape is enough
            return [c / Tensor(Float(1)), a.cast(to: .float32)]
        }
        let result = DeadCodeElimination().run(AlgebraicSimplification().run(graph))
        XCTAssertEqual(result.operationCounts, ["reshape": 1])
        XCTAssertEqual(result.outputs[1], result.inputs[0], "x * 1 + 0 is x itself")
        assertSameResults(graph, result, [x])
        // Not an identity: x * 1 where 1 broadcasts x to a bigger shape.
        let broadcast = traceGraph([Tensor.ones([5])]) { t in [t[0] * Tensor.ones([4, 5])] }
        XCTAssertEqual(AlgebraicSimplification().run(broadcast).operationCounts["mul"], 1)
    }

    func testPermuteChainsCompose() {
        let z = Tensor.randn([2, 3, 4], seed: 3)
        let graph = traceGraph([z]) { t in [t[0].permuted([2, 0, 1]).permuted([1, 2, 0]).permuted([0, 2, 1])] }
        let result = DeadCodeElimination().run(AlgebraicSimplification().run(graph))
        XCTAssertEqual(result.operationCounts, ["permute": 1])
        assertSameResults(graph, result, [z])
    }

    func testElementwiseFusionRunsAChainAsOneNode() {
        let bias = Tensor.randn([4, 5], seed: 4)
        let graph = traceGraph([x, y]) { t in
            let h = relu(t[0] * t[1] + bias) * Tensor(Float(0.5))
            return [h, h.exp()]
        }
        let result = DeadCodeElimination().run(ElementwiseFusion().run(graph))
        XCTAssertEqual(result.operationCounts["fused"], 1, "\(result)")
        XCTAssertNil(result.operationCounts["mul"])
        guard case let .fusedElementwise(program)? = result.nodes.first(where: { $0.operation.kindName == "fused" })?.operation else {
            return XCTFail("no fused node")
        }
        XCTAssertEqual(program.summary, "mul·add·relu·mul·exp")
        XCTAssertEqual(program.outputs.count, 2, "h is used outside the run (a graph output), and so is exp(h)")
        assertSameResults(graph, result, [x, y])
    }

    func testElementwiseFusionTakesBroadcastOperands() {
        // [300, 7] spans several 256-element tiles, so the [7], [1, 7] and [300, 1] operands wrap or change
        // value inside tiles.
        let z = Tensor.randn([300, 7], seed: 6), bias = Tensor.randn([7], seed: 7), scale = Tensor.randn([1, 7], seed: 8)
        let rowMax = Tensor.randn([300, 1], seed: 9)
        let graph = traceGraph([z, bias, scale, rowMax]) { t in [(relu(t[0] * t[2] + t[1]) - t[3]).exp() / t[3]] }
        let result = ElementwiseFusion().run(graph)
        XCTAssertEqual(result.operationCounts, ["fused": 1], "\(result)")
        assertSameResults(graph, result, [z, bias, scale, rowMax])
        // Softmax's shape of work: [B, T, 1] statistics over [B, T, D], and [T, 1] over [B, T, D].
        let u = Tensor.randn([3, 130, 5], seed: 10), stat = Tensor.randn([3, 130, 1], seed: 11), perT = Tensor.randn([130, 1], seed: 12)
        let softmaxLike = traceGraph([u, stat, perT]) { t in [((t[0] - t[1]).exp() * t[2]).tanh()] }
        XCTAssertEqual(ElementwiseFusion().run(softmaxLike).operationCounts, ["fused": 1])
        assertSameResults(softmaxLike, ElementwiseFusion().run(softmaxLike), [u, stat, perT])
        // A broadcast along a middle axis ([3, 1, 5] over [3, 130, 5]) is not served: the add stays a node of its own.
        let middle = traceGraph([u, Tensor.randn([3, 1, 5], seed: 13)]) { t in [(t[0] + t[1]).exp().tanh()] }
        XCTAssertEqual(ElementwiseFusion().run(middle).operationCounts, ["add": 1, "fused": 1])
    }

    func testFusionStopsAtShapeChangesAndNonElementwiseNodes() {
        let w = Tensor.randn([5, 3], seed: 5)
        let graph = traceGraph([x]) { t in [relu(matmul(t[0].exp() * 2, w)).sum()] }
        let result = ElementwiseFusion().run(graph)
        // exp·mul fuse ([4, 5]); matmul breaks the run; relu alone ([4, 3]) stays; sum is a reduction.
        XCTAssertEqual(result.operationCounts["fused"], 1, "\(result)")
        XCTAssertEqual(result.operationCounts["relu"], 1)
        assertSameResults(graph, result, [x])
    }

    func testPrintingAndGraphviz() {
        let graph = traceGraph([x, y]) { t in [relu(t[0] + t[1])] }
        XCTAssertEqual(graph.description, """
            graph(%0: f32[4, 5], %1: f32[4, 5]) {
              %2 = add(%0, %1) : f32[4, 5]
              %3 = relu(%2) : f32[4, 5]
              return %3
            }
            """)
        let dot = graph.dot()
        XCTAssertTrue(dot.hasPrefix("digraph \"nabla\" {"))
        XCTAssertTrue(dot.contains("n0 -> n1 [label=\"f32[4, 5]\"]"), dot)
        XCTAssertTrue(dot.contains("in0 -> n0"), dot)
    }

    func testVerifierFindsBrokenGraphs() {
        var graph = traceGraph([x]) { t in [t[0].exp()] }
        XCTAssertEqual(GraphVerifier.problems(in: graph), [])
        graph.nodes[0].inputs = [99]
        graph.outputs = [42]
        let problems = GraphVerifier.problems(in: graph)
        XCTAssertTrue(problems.contains { $0.contains("uses %99 before it is defined") }, "\(problems)")
        XCTAssertTrue(problems.contains { $0.contains("output %42 is never defined") }, "\(problems)")
        var planned = traceGraph([x]) { t in [t[0].exp()] }
        planned.memoryPlan.assignments[0] = [0: .inPlace(input: 3)]
        planned.memoryPlan.assignments[7] = [0: .reuse(1)]
        let planProblems = GraphVerifier.problems(in: planned)
        XCTAssertTrue(planProblems.contains { $0.contains("in place of operand 3") }, "\(planProblems)")
        XCTAssertTrue(planProblems.contains { $0.contains("names node 7") }, "\(planProblems)")
    }
}
