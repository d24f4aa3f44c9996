import XCTest
import Nabla
import NablaNN
import NablaOptim
@testable import NablaGraph

/// Messages logged by a compiled function.
private final class LogLines: @unchecked Sendable {
    var lines: [String] = []
}

final class CompileTests: XCTestCase {
    func testForwardFunctionTracesOnceAndReplays() throws {
        manualSeed(0)
        let layer = Linear(8, 4)
        let f = compile { (x: Tensor) in relu(layer(x)).sum(alongAxes: [1]) }
        for seed in 0..<3 {
            let x = Tensor.randn([5, 8], seed: UInt64(seed))
            assertClose(try f(x), relu(layer(x)).sum(alongAxes: [1]), tolerance: 1e-6)
        }
        XCTAssertEqual(f.traceCount, 1)
        let graph = try XCTUnwrap(f.graph)
        XCTAssertEqual(graph.operationCounts["matmul+epilogue"], 1, "bias and relu fold into the matmul: \(graph)")
        XCTAssertEqual(graph.inputs.count, 1)
    }

    func testANewInputShapeRetracesAndSaysWhy() throws {
        let log = LogLines()
        let f = compile { (x: Tensor) in x * 2 }
        f.log = { log.lines.append($0) }
        f.retraceWarningThreshold = 2
        _ = try f(Tensor.ones([2, 3]))
        _ = try f(Tensor.ones([2, 3]))
        _ = try f(Tensor.ones([4, 3]))
        XCTAssertEqual(f.traceCount, 2)
        XCTAssertEqual(f.retraceReasons, ["input 0 changed from f32[2, 3] to f32[4, 3]"])
        XCTAssertTrue(log.lines[0].contains("retracing compiled function at NablaGraphTests/CompileTests.swift:"), log.lines[0])
        _ = try f(Tensor.ones([5, 3]))
        _ = try f(Tensor.ones([6, 3]))
        XCTAssertEqual(log.lines.filter { $0.contains("warning") }.count, 1, "the storm warning is logged once: \(log.lines)")
    }

    func testReadingValuesOrDrawingRandomNumbersWhileTracingThrows() {
        let reads = compile(name: "scaleByMax") { (x: Tensor) in x / x.max().item() }
        XCTAssertThrowsError(try reads(Tensor.ones([3]))) { error in
            guard case let TraceError.valueRead(function, location) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(function, "scaleByMax")
            XCTAssertTrue(location.contains("CompileTests.swift"), location)
            XCTAssertTrue("\(error)".contains("scaleByMax reads tensor values"), "\(error)")
        }
        let random = compile(name: "noisy") { (x: Tensor) in x + Tensor.randn([3]) }
        XCTAssertThrowsError(try random(Tensor.ones([3]))) { error in
            XCTAssertTrue("\(error)".contains("noisy draws random numbers"), "\(error)")
        }
    }

    /// Ten training steps, compiled and eager, from the same initial weights, agree within `tolerance` relative.
    /// Returns the compiled step.
    @discardableResult
    private func assertCompiledTrainingMatchesEager(makeModel: () -> any Layer, input: [Int], optimizer makeOptimizer: (Module) -> Optimizer,
                                                    steps: Int = 10, tolerance: Double = 1e-6,
                                                    file: StaticString = #filePath, line: UInt = #line) throws -> CompiledFunction {
        manualSeed(1)
        let eagerModel = makeModel()
        manualSeed(1)
        let compiledModel = makeModel()
        let eagerOptimizer = makeOptimizer(eagerModel), compiledOptimizer = makeOptimizer(compiledModel)
        let batches = (0..<steps).map { step in
            (Tensor.randn([16] + input, seed: UInt64(100 + step)), Tensor.randint(0, 10, [16], generator: Generator(seed: UInt64(200 + step))))
        }
        let trainStep = compile(state: [compiledModel, compiledOptimizer]) { (x: Tensor, y: Tensor) in
            compiledOptimizer.zeroGrad()
            let loss = crossEntropy(compiledModel(x), y)
            loss.backward()
            compiledOptimizer.step()
            return loss
        }
        for (x, y) in batches {
            eagerOptimizer.zeroGrad()
            let eagerLoss = crossEntropy(eagerModel(x), y)
            eagerLoss.backward()
            eagerOptimizer.step()
            let compiledLoss = try trainStep(x, y)
            assertClose(compiledLoss, eagerLoss, tolerance: tolerance, "loss", file: file, line: line)
        }
        for ((name, a), (_, b)) in zip(eagerModel.stateDict(), compiledModel.stateDict()) {
            assertClose(b, a, tolerance: tolerance, name, file: file, line: line)
        }
        // Step 1 has no optimizer state yet; from step 2 on the layout is fixed and the graph replays.
        XCTAssertEqual(trainStep.traceCount, 2, "\(trainStep.retraceReasons)", file: file, line: line)
        return trainStep
    }

    private static func mlp() -> any Layer { Sequential(Flatten(), Linear(784, 64), ReLU(), Linear(64, 10)) }
    private static func cnn() -> any Layer {
        Sequential(Conv2d(1, 8, kernelSize: 3), ReLU(), MaxPool2d(kernelSize: 2), Flatten(), Linear(8 * 13 * 13, 10))
    }

    func testCompiledMLPTrainingStepMatchesEagerWithSGD() throws {
        try assertCompiledTrainingMatchesEager(makeModel: Self.mlp, input: [1, 28, 28]) { SGD($0, learningRate: 0.1, momentum: 0.9) }
    }

    func testCompiledCNNTrainingStepMatchesEagerWithSGD() throws {
        try assertCompiledTrainingMatchesEager(makeModel: Self.cnn, input: [1, 28, 28]) { SGD($0, learningRate: 0.05, momentum: 0.9) }
    }

    func testCompiledMLPTrainingStepMatchesEagerWithAdam() throws {
        try assertCompiledTrainingMatchesEager(makeModel: Self.mlp, input: [1, 28, 28]) { Adam($0, learningRate: 1e-3) }
    }

    func testCompiledCNNTrainingStepMatchesEagerWithAdam() throws {
        try assertCompiledTrainingMatchesEager(makeModel: Self.cnn, input: [1, 28, 28]) { Adam($0, learningRate: 1e-3) }
    }

    func testCompiledTransformerTrainingStepMatchesEagerAndRunsTheFusedAttention() throws {
        // The trace records the fused attention primitive and its backward kernel; eager runs the same kernels.
        let makeModel: () -> any Layer = {
            Sequential(Flatten(startDim: 1, endDim: 2), TransformerEncoderLayer(dModel: 28, nhead: 2, dimFeedforward: 32, dropout: 0,
                                                                                batchFirst: true, normFirst: true),
                       Flatten(), Linear(28 * 28, 10))
        }
        // SGD, not Adam: the key bias's gradient is zero up to rounding (softmax ignores a per-row constant),
        // and Adam scales that rounding noise up to full-size steps whose signs differ between the two runs.
        let step = try assertCompiledTrainingMatchesEager(makeModel: makeModel, input: [1, 28, 28],
                                                          optimizer: { SGD($0, learningRate: 0.05, momentum: 0.9) }, tolerance: 1e-6)
        let graph = try XCTUnwrap(step.graph)
        XCTAssertEqual(graph.operationCounts["attention"], 1, "\(graph.operationCounts)")
        XCTAssertEqual(graph.operationCounts["attentionBackward"], 1, "\(graph.operationCounts)")
    }

    func testSGDTrainingStepReplaysAfterTheFirstSteps() throws {
        manualSeed(2)
        let model = Sequential(Linear(4, 3))
        let optimizer = SGD(model, learningRate: 0.1, momentum: 0.9)
        let step = compiledMSETrainingStep(model, optimizer)
        for i in 0..<6 { _ = try step(Tensor.randn([8, 4], seed: UInt64(i)), Tensor.randn([8, 3], seed: UInt64(50 + i))) }
        // Step 1 has no momentum buffers yet; from step 2 on the state has the same layout: one more trace.
        XCTAssertEqual(step.traceCount, 2, "\(step.retraceReasons)")
        // Calls 4 to 6 find the state the previous replay wrote back and skip rebuilding the signature.
        XCTAssertEqual(step.fastReplays, 3)
        // Replacing a tensor of the state from outside takes the full check, and the replay reads the new values.
        let layer = model.layers[0] as! Linear
        layer.weight.update(Tensor.zeros(layer.weight.shape))
        layer.bias!.update(Tensor.zeros(layer.bias!.shape))
        let loss = try step(Tensor.randn([8, 4], seed: 7), Tensor.ones([8, 3]))
        XCTAssertEqual(loss.item(), 1, accuracy: 1e-6, "zero weights predict 0 for targets of 1")
        XCTAssertEqual(step.fastReplays, 3)
        XCTAssertEqual(step.traceCount, 2)
        XCTAssertTrue(step.retraceReasons[0].contains("gained or lost tensors"), "\(step.retraceReasons)")
        optimizer.setLearningRate(0.01, forGroup: 0)
        _ = try step(Tensor.randn([8, 4], seed: 9), Tensor.randn([8, 3], seed: 10))
        XCTAssertEqual(step.traceCount, 3)
        XCTAssertTrue(step.retraceReasons[1].contains("lr=0.01"), "a new learning rate is a new graph: \(step.retraceReasons)")
    }
}
