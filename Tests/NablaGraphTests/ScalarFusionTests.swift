import XCTest
import Nabla
import NablaNN
import NablaOptim
@testable import NablaGraph

/// `ScalarFusion`: one-element arithmetic on inputs and constants becomes one node, bit-identical.
final class ScalarFusionTests: XCTestCase {
    func testBiasCorrectionChainsBecomeOneNode() throws {
        let step = Tensor(Double(3)), x = Tensor.randn([4, 5], seed: 31)
        let graph = traceGraph([step, x]) { t in
            // Adam's capturable bias corrections, then their use on a tensor.
            let next = t[0] + 1
            let correction1 = 1 - Tensor(0.9).pow(next)
            let correction2 = (1 - Tensor(0.999).pow(next)).sqrt()
            let size = (-(Tensor(1e-3) / correction1)).cast(to: .float32)
            let scaled = t[1] * size / correction2.cast(to: .float32)
            // A scalar that depends on a computed tensor stays where it is.
            let mean = scaled.mean() * 2
            return [next, scaled, mean]
        }
        let result = ScalarFusion().run(graph)
        XCTAssertEqual(GraphVerifier.problems(in: result), [])
        XCTAssertEqual(result.operationCounts["scalars"], 1, "\(result)")
        for kind in ["pow", "sqrt", "cast", "neg"] { XCTAssertNil(result.operationCounts[kind], "\(kind): \(result)") }
        XCTAssertEqual(result.operationCounts["mul"], graph.operationCounts["mul"], "the tensor products and the mean's scaling stay")
        let program = try XCTUnwrap(result.nodes.lazy.compactMap { node -> ScalarProgram? in
            if case let .kernel(.scalarProgram(program)) = node.operation { return program } else { return nil }
        }.first)
        XCTAssertEqual(program.outputs.count, 3, "t + 1 (returned), and the two float32 scalars the tensor ops read")
        for (a, b) in zip(Executor(graph).run([step, x]), Executor(result).run([step, x])) {
            XCTAssertEqual(a.dtype, b.dtype)
            assertClose(a, b, tolerance: 0)
        }
    }

    func testCompiledAdamStepComputesItsBiasCorrectionsInOneNode() throws {
        manualSeed(5)
        let model = Sequential(Linear(6, 5), ReLU(), Linear(5, 3))
        let optimizer = Adam(model, learningRate: 1e-2)
        let step = compiledMSETrainingStep(model, optimizer)
        for i in 0..<3 { _ = try step(Tensor.randn([4, 6], seed: UInt64(i)), Tensor.randn([4, 3], seed: UInt64(20 + i))) }
        let graph = try XCTUnwrap(step.graph)
        XCTAssertEqual(graph.operationCounts["scalars"], 1, "\(graph)")
        XCTAssertNil(graph.operationCounts["pow"])
    }
}
