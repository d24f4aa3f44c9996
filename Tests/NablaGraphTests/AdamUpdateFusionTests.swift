import XCTest
import Nabla
import NablaNN
import NablaOptim
@testable import NablaGraph

/// `AdamUpdateFusion`: the traced Adam update becomes one kernel node with bit-identical values.
final class AdamUpdateFusionTests: XCTestCase {
    private let shape = [7, 37]

    /// p, g, m, v, then the scalars w, b2, c2, bc, eps, s (0-d float32).
    private var operands: [Tensor] {
        [Tensor.randn(shape, seed: 1), Tensor.randn(shape, seed: 2), Tensor.randn(shape, seed: 3) * 0.1,
         (Tensor.randn(shape, seed: 4) * 0.1).abs(),
         Tensor(Float(0.1)), Tensor(Float(0.999)), Tensor(Float(0.001)), Tensor(Float(0.0447)), Tensor(Float(1e-8)), Tensor(Float(-0.0053))]
    }

    /// The update as NablaOptim's composite traces it.
    private func update(_ t: [Tensor]) -> (p: Tensor, m: Tensor, v: Tensor) {
        let (p, g, m, v, w, b2, c2, bc, eps, s) = (t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9])
        let newM = m + (g - m) * w
        let newV = v * b2 + (g * c2) * g
        return (p + (newM * s) / (newV.sqrt() / bc + eps), newM, newV)
    }

    func testTheTracedUpdateBecomesOneKernelWithTheSameBits() {
        let graph = traceGraph(operands) { t in
            let (p, m, v) = update(t)
            return [p, m, v]
        }
        XCTAssertEqual(graph.nodes.count, 13)
        let result = AdamUpdateFusion().run(graph)
        XCTAssertEqual(result.operationCounts, ["adam": 1], "\(result)")
        XCTAssertEqual(result.nodes[0].inputs, Array(graph.inputs), "p, g, m, v, then the six scalars")
        XCTAssertEqual(GraphVerifier.problems(in: result), [])
        let inputs = operands
        for (a, b) in zip(Executor(graph).run(inputs), Executor(result).run(inputs)) { assertClose(a, b, tolerance: 0) }
        // The kernel's fallback (the primitives one by one) agrees too.
        for (a, b) in zip(AdamUpdateFusion.composite(inputs), Executor(graph).run(inputs)) { assertClose(a, b, tolerance: 0) }
    }

    func testAnIntermediateUsedElsewhereOrAnotherFormulaIsLeftAlone() {
        let leaked = traceGraph(operands) { t in
            let (p, m, v) = update(t)
            return [p, m, v, t[1] - t[2]]            // g - m is computed again here, but CSE would merge it
        }
        let merged = CommonSubexpressionElimination().run(leaked)
        XCTAssertNil(AdamUpdateFusion().run(merged).operationCounts["adam"], "g - m has another user")
        let different = traceGraph(operands) { t in
            let (g, m, v, w) = (t[1], t[2], t[3], t[4])
            let newM = m + (g - m) * w
            let newV = v * t[5] + (g * t[6]) * g
            return [t[0] - (newM * t[9]) / (newV.sqrt() / t[7] + t[8])]        // subtracts: not Adam's form
        }
        XCTAssertNil(AdamUpdateFusion().run(different).operationCounts["adam"])
    }

    func testCompiledAdamAndAdamWStepsUseTheKernel() throws {
        for makeOptimizer in [{ (m: Module) -> Optimizer in Adam(m, learningRate: 1e-2) },
                              { (m: Module) -> Optimizer in AdamW(m, learningRate: 1e-2, weightDecay: 0.1) }] {
            manualSeed(4)
            let model = Sequential(Linear(6, 5), ReLU(), Linear(5, 3))
            let optimizer = makeOptimizer(model)
            let step = compiledMSETrainingStep(model, optimizer)
            for i in 0..<3 { _ = try step(Tensor.randn([4, 6], seed: UInt64(i)), Tensor.randn([4, 3], seed: UInt64(20 + i))) }
            let graph = try XCTUnwrap(step.graph)
            XCTAssertEqual(graph.operationCounts["adam"], 4, "one per parameter (\(type(of: optimizer))): \(graph)")
        }
    }
}
