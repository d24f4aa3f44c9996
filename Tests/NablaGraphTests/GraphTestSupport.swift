import XCTest
import Nabla
import NablaNN
import NablaOptim
@testable import NablaGraph

/// The raw (unoptimised) graph of `body` on `inputs`.
func traceGraph(_ inputs: [Tensor], _ body: ([Tensor]) -> [Tensor]) -> Graph {
    let tracer = Tracer()
    for input in inputs { tracer.addInput(input) }
    let outputs = Tracing.withObserver(tracer) { body(inputs) }
    tracer.setOutputs(outputs)
    return tracer.graph
}

/// Asserts two tensors have the same shape and values within `tolerance` (relative to magnitude).
func assertClose(_ a: Tensor, _ b: Tensor, tolerance: Double = 1e-6, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, message, file: file, line: line)
    let x = a.toArray(as: Double.self), y = b.toArray(as: Double.self)
    for (i, (u, v)) in zip(x, y).enumerated() where abs(u - v) > tolerance * max(1, abs(u), abs(v)) {
        XCTFail("\(message) element \(i): \(u) vs \(v)", file: file, line: line)
        return
    }
}

/// A compiled training step of `model` with `optimizer` on the mean squared error: zero the
/// gradients, forward, backward, step; returns the loss.
func compiledMSETrainingStep(_ model: any Layer, _ optimizer: Optimizer) -> CompiledFunction {
    compile(state: [model, optimizer]) { (x: Tensor, y: Tensor) in
        optimizer.zeroGrad()
        let loss = mseLoss(model(x), y)
        loss.backward()
        optimizer.step()
        return loss
    }
}
