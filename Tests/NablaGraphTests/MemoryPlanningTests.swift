import XCTest
import Nabla
@testable import NablaGraph

/// `MemoryPlanning` and the executor's use of the plan: in-place and reuse decisions on small
/// graphs, the cases that must never be overwritten, and unchanged results.
final class MemoryPlanningTests: XCTestCase {
    private let x = Tensor.randn([4, 5], seed: 21), y = Tensor.randn([4, 5], seed: 22)

    private func assertSameResults(_ graph: Graph, _ planned: Graph, _ inputs: [Tensor], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(GraphVerifier.problems(in: planned), [], file: file, line: line)
        let expected = Executor(graph).run(inputs), actual = Executor(planned).run(inputs)
        for (a, b) in zip(expected, actual) { assertClose(a, b, tolerance: 0, "", file: file, line: line) }
    }

    func testAnElementwiseNodeWritesIntoAnOperandThatDiesThere() {
        let graph = traceGraph([x, y]) { t in [(t[0].exp() + t[1]).tanh()] }
        let planned = MemoryPlanning().run(graph)
        // exp reads a graph input (never overwritten); the add and the tanh run in place of their operand.
        XCTAssertNil(planned.memoryPlan.assignments[0], "\(planned.memoryPlan)")
        XCTAssertEqual(planned.memoryPlan.assignments[1], [0: .inPlace(input: 0)])
        XCTAssertEqual(planned.memoryPlan.assignments[2], [0: .inPlace(input: 0)])
        XCTAssertEqual(planned.memoryPlan.counts.inPlace, 2)
        XCTAssertTrue(planned.description.contains("%3 = add(%2, %1) : f32[4, 5]    // %3 in place of %2"), planned.description)
        assertSameResults(graph, planned, [x, y])
    }

    func testInputsConstantsAndOutputsAreNeverOverwritten() {
        let constant = Tensor.randn([4, 5], seed: 23)
        let graph = traceGraph([x]) { t in
            let a = t[0] * constant          // operands: a graph input and a constant
            let b = a.exp()                   // a is returned: must keep its values
            return [a, b]
        }
        let planned = MemoryPlanning().run(graph)
        XCTAssertTrue(planned.memoryPlan.assignments.isEmpty, "\(planned.memoryPlan)")
        let before = x.toArray(as: Float.self), constantBefore = constant.toArray(as: Float.self)
        assertSameResults(graph, planned, [x])
        XCTAssertEqual(x.toArray(as: Float.self), before)
        XCTAssertEqual(constant.toArray(as: Float.self), constantBefore)
    }

    func testAViewKeepsItsBufferAlive() {
        let graph = traceGraph([x, y]) { t in
            let a = t[0].exp()
            let flat = a.reshaped([20])               // a view of a's buffer, read after the add
            let b = a + t[1]                          // a's last direct use, but its buffer lives on in `flat`
            return [b, flat.sum(alongAxes: [0])]
        }
        let planned = MemoryPlanning().run(graph)
        let add = graph.nodes.firstIndex { $0.operation == .primitive(.binary(.add)) }!
        XCTAssertNil(planned.memoryPlan.assignments[add], "\(planned.memoryPlan)")
        assertSameResults(graph, planned, [x, y])
    }

    func testADeadBufferOfTheRightSizeIsReused() {
        let graph = traceGraph([x, y]) { t in
            let a = t[0].exp()                        // node 0: a new buffer
            let s = a.sum(alongAxes: [1])             // node 1: a dies here (a reduction cannot write over it)
            let b = t[1].tanh()                       // node 2: same size as a: written into a's buffer
            let c = s.exp()                           // node 3: in place of s, which dies there
            let d = c.tanh() * t[1].sum(alongAxes: [1])   // nodes 4-6: the sum has no free buffer of its size
            return [b, d]
        }
        let planned = MemoryPlanning().run(graph)
        let a = graph.nodes[0].outputs[0]
        XCTAssertEqual(planned.memoryPlan.assignments[2], [0: .reuse(a)], "\(planned.memoryPlan)")
        XCTAssertEqual(planned.memoryPlan.assignments[3], [0: .inPlace(input: 0)], "\(planned.memoryPlan)")
        XCTAssertNil(planned.memoryPlan.assignments[5], "a reduction's result is not planned")
        XCTAssertEqual(planned.memoryPlan.retainedValues, [a])
        XCTAssertEqual(planned.memoryPlan.counts.reused, 1)
        assertSameResults(graph, planned, [x, y])
    }

    func testFusedNodesRunInPlaceAndReuseBuffers() {
        let graph = traceGraph([x, y]) { t in
            let a = matmul(t[0], t[1].transposed())              // [4, 4], a new buffer
            let h = relu(a * 2 + 1)
            let g = (h.exp() - h) * 3                             // one fused run with h, in place of a
            return [g.sum()]
        }
        let planned = PassPipeline(passes: [ElementwiseFusion(), MemoryPlanning()]).run(graph)
        XCTAssertEqual(planned.operationCounts["fused"], 1, "one run of six ops: \(planned)")
        let fused = planned.nodes.firstIndex { $0.operation.kindName == "fused" }!
        XCTAssertEqual(planned.memoryPlan.assignments[fused], [0: .inPlace(input: 0)], "in place of the product: \(planned.memoryPlan)")
        assertSameResults(graph, planned, [x, y])
    }

    func testTheExecutorChecksThePlanAtRunTime() {
        // A wrong plan (in place of a graph input the caller still holds) must not overwrite it.
        var graph = traceGraph([x]) { t in [t[0].exp()] }
        graph.memoryPlan.assignments[0] = [0: .inPlace(input: 0)]
        let before = x.toArray(as: Float.self)
        let result = Executor(graph).run([x])[0]
        XCTAssertEqual(x.toArray(as: Float.self), before)
        XCTAssertEqual(result.toArray(as: Float.self), x.exp().toArray(as: Float.self))
    }

    func testTheFusedKernelOrdersInPlaceWrites() throws {
        // Register 2 = exp(x) goes into x's buffer, but step 2 still reads x: the kernel computes into
        // scratch and copies after each tile. Sizes span several tiles and a partial one.
        for count in [5, 256, 1000] {
            let xs = Tensor.randn([count], seed: 24), ys = Tensor.randn([count], seed: 25)
            let expected = [xs.exp(), xs.exp() + xs * ys]
            var owned = xs * 1                                  // a buffer nobody else holds
            XCTAssertTrue(owned.hasUniqueStorage())
            let results = try XCTUnwrap(fusedElementwise([.unary(.exp, 0), .binary(.mul, 0, 1), .binary(.add, 2, 3)],
                                                         inputs: [owned, ys], outputs: [2, 4], shape: [count],
                                                         destinations: [owned, nil]))
            XCTAssertEqual(results[0].toArray(as: Float.self), expected[0].toArray(as: Float.self))
            XCTAssertEqual(results[1].toArray(as: Float.self), expected[1].toArray(as: Float.self))
            XCTAssertEqual(owned.toArray(as: Float.self), expected[0].toArray(as: Float.self), "written in place")
        }
    }
}
