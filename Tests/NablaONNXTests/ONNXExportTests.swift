import Foundation
import XCTest
import Nabla
import NablaGraph
import NablaNN
import NablaTestSupport
@testable import NablaONNX

/// Export to ONNX: models and a graph covering the primitives, checked against Nabla's own eager
/// results by onnxruntime (when installed) and by loading the file back with `ONNXModel`.
final class ONNXExportTests: XCTestCase {
    /// Exports `model` with `exportONNX`, then compares Nabla eager, the re-imported model and onnxruntime.
    private func checkModel(_ model: any Layer, input: Tensor, name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        model.eval()
        let expected = withNoGrad { model(input) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("\(name).onnx")
        model.train()
        try exportONNX(model, exampleInput: input, to: url)
        XCTAssertTrue(model.isTraining, "training mode restored", file: file, line: line)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["\(name).onnx"], "no temporary left", file: file, line: line)

        let reloaded = try ONNXModel(contentsOf: url)
        XCTAssertEqual(reloaded.inputNames, ["input_0"], file: file, line: line)
        XCTAssertEqual(reloaded.outputNames, ["output_0"], file: file, line: line)
        XCTAssertEqual(reloaded.opsetVersion, 17, file: file, line: line)
        assertClose(try reloaded.run([input])[0], expected, "\(name): re-imported with ONNXModel", file: file, line: line)

        guard ORT.available(for: "onnxruntime check of \(name)") else { return }
        let outputs = try ORT.run(reloaded.proto, [input], file: file, line: line)
        XCTAssertEqual(outputs.count, 1, file: file, line: line)
        if let y = outputs.first { assertClose(y, expected, "\(name): onnxruntime", file: file, line: line) }
        print("onnxruntime agrees with Nabla on \(name) (\(reloaded.proto.graph.node.count) nodes)")
    }

    func testFashionMLPMatchesOnnxRuntime() throws {
        Generator.default.seed(1)
        let model = Sequential(Flatten(), Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))
        try checkModel(model, input: Tensor.rand([3, 1, 28, 28], seed: 2), name: "mlp")
    }

    func testFashionCNNMatchesOnnxRuntime() throws {
        Generator.default.seed(3)
        let model = Sequential(
            Conv2d(1, 32, kernelSize: 3), ReLU(), MaxPool2d(kernelSize: 2),
            Conv2d(32, 64, kernelSize: 3), ReLU(), MaxPool2d(kernelSize: 2),
            Flatten(), Linear(1600, 128), ReLU(), Linear(128, 10))
        try checkModel(model, input: Tensor.rand([2, 1, 28, 28], seed: 4), name: "cnn")
    }

    func testTransformerBlockMatchesOnnxRuntime() throws {
        Generator.default.seed(5)
        try checkModel(TinyTransformerBlock(), input: Tensor.randn([2, 5, 16], seed: 6), name: "transformer")
    }

    func testFusedAttentionMatchesOnnxRuntime() throws {
        Generator.default.seed(9)
        let block = CausalEncoderBlock()
        block.eval()
        let x = Tensor.randn([2, 5, 16], seed: 10)
        let forward = compile { (input: Tensor) in block(input) }
        _ = try forward(x)
        let counts = try XCTUnwrap(forward.graph).operationCounts
        XCTAssertEqual(counts["attention"], 1, "the block traces the fused primitive: \(counts)")
        try checkModel(block, input: x, name: "fused attention")
    }

    /// Most primitives in one graph, exported raw and after the standard pipeline (fused nodes).
    func testPrimitiveCoverage() throws {
        let x = Tensor.randn([4, 6], seed: 7)
        let index = Tensor(shape: [4, 3], scalars: [Int64]([0, 5, 2, 1, 1, 4, 3, 0, 0, 2, 5, 5]))
        let body: ([Tensor]) -> [Tensor] = { inputs in
            let x = inputs[0]
            var smooth: Tensor = x.abs().log1p() + x.expm1()
            smooth = smooth + (x.abs() + 1).rsqrt() + x.sin() * x.cos()
            smooth = smooth + x.tanh() - x.sigmoid() + x.erf()
            var rounded: Tensor = x.floor() + x.ceil()
            rounded = rounded + (x * 3).rounded() + x.sign() + relu(x)
            rounded = rounded + (-x).exp() + (x.abs() + 0.5).sqrt().log()
            var binary: Tensor = minimum(x, x * 0.5) + maximum(x, x * 0.2)
            binary = binary + x.abs().pow(1.5) + x / (x.abs() + 1) - x * 2
            var selected: Tensor = Tensor.where(x .> 0.1, x, x * 3)
            selected = selected + (x .>= 0).cast(to: .float32) + (x .== x).cast(to: .float32)
            let reductions = concat([x.sum(alongAxes: 1, keepingDims: true), x.max(alongAxes: 1, keepingDims: true),
                                     x.prod(alongAxes: 1, keepingDims: true)], axis: 1)
            let (values, order) = x.sorted(axis: 1, descending: true)
            return [smooth, rounded, binary, selected, reductions, x.min(alongAxes: 0),
                    x.argmax(axis: 1), x.cumsum(axis: 1), x.permuted([1, 0]).contiguous(), x.reshaped([2, 12]),
                    x.slice(axis: 1, start: 1, end: 6, step: 2), x.padded(before: [1, 0], after: [0, 2], value: 3),
                    x.padded(before: [0, 2], after: [1, 1], mode: .reflect), x.flipped([0, 1]),
                    x.gather(axis: 1, index: index), x.scatteringAdd(axis: 1, index: index, source: x.slice(axis: 1, start: 0, end: 3)),
                    values, order, x.sorted(axis: 0).values, x.isNaN(), x.isFinite(),
                    x.sum(alongAxes: 1, keepingDims: true).expanded(to: [4, 6]), x.cast(to: .int32)]
        }
        let expected = withNoGrad { body([x]) }
        for pipeline in [nil, PassPipeline.standard] {
            let graph = try withNoGrad { try Graph.trace([x], pipeline: pipeline) { body($0) } }
            if pipeline != nil { XCTAssertGreaterThan(graph.operationCounts["fused"] ?? 0, 0, "the optimised graph has fused nodes") }
            let proto = try ONNXExporter.export(graph, opset: 17)
            XCTAssertEqual(proto.graph.output.map(\.name), expected.indices.map { "output_\($0)" })
            let reloaded = try ONNXModel(proto: proto)
            for (k, (y, e)) in zip(try reloaded.run([x]), expected).enumerated() { assertClose(y, e, "output \(k), re-imported") }
            guard ORT.available(for: "testPrimitiveCoverage") else { continue }
            let outputs = try ORT.run(proto, [x])
            XCTAssertEqual(outputs.count, expected.count)
            for (k, (y, e)) in zip(outputs, expected).enumerated() { assertClose(y, e, tolerance: 1e-5, "output \(k), onnxruntime") }
        }
    }

    /// Convolution with stride, padding, dilation, groups and bias; max and average pooling with padding.
    func testConvolutionAndPoolingAttributes() throws {
        let x = Tensor.randn([2, 4, 9, 9], seed: 8)
        let w = Tensor.randn([6, 2, 3, 3], seed: 9), b = Tensor.randn([6], seed: 10)
        let body: ([Tensor]) -> [Tensor] = { inputs in
            let y = conv2d(inputs[0], weight: w, bias: b, stride: 2, padding: 1, dilation: 2, groups: 2)
            return [y, maxPool2d(y, 3, stride: 2, padding: 1), avgPool2d(y, 3, stride: 1, padding: 1),
                    avgPool2d(y, 2, stride: 1, padding: 1, countIncludePad: false)]
        }
        let expected = withNoGrad { body([x]) }
        for opset in [13, 17, 18] {
            let graph = try withNoGrad { try Graph.trace([x]) { body($0) } }
            let proto = try ONNXExporter.export(graph, inputNames: ["image"], outputNames: ["conv", "max", "avg", "avgExcluding"], opset: opset)
            let reloaded = try ONNXModel(proto: proto)
            for (k, (y, e)) in zip(try reloaded.run([x]), expected).enumerated() { assertClose(y, e, "output \(k), re-imported") }
            guard ORT.available(for: "testConvolutionAndPoolingAttributes") else { continue }
            for (k, (y, e)) in zip(try ORT.run(proto, [x]), expected).enumerated() { assertClose(y, e, "opset \(opset) output \(k), onnxruntime") }
        }
    }

    /// The fused primitives (layerNorm, softmax with a fully masked row, causal attention with a mask) at
    /// opsets 13, 17 (LayerNormalization from here) and 18 (ReduceMax's axes as an input).
    func testFusedPrimitivesAtEachOpset() throws {
        let x = Tensor.randn([2, 4, 8], seed: 12), weight = Tensor.randn([8], seed: 13), bias = Tensor.randn([8], seed: 14)
        let hidden = Tensor(shape: [4], scalars: [0, -Double.infinity, 0, 0] as [Double]).cast(to: .float32)   // key 1
        let emptyRow = hidden.reshaped([4, 1]).expanded(to: [4, 4])   // row 1: all -∞
        let body: ([Tensor]) -> [Tensor] = { inputs in
            let h = layerNorm(inputs[0], normalizedAxes: 1, weight: weight, bias: bias)
            return [h, safeSoftmax(h), safeSoftmax(h.slice(axis: 2, start: 0, end: 4) + emptyRow),
                    fusedAttention(query: h, key: h, value: inputs[0], additiveMask: hidden, isCausal: true)]
        }
        let expected = withNoGrad { body([x]) }
        XCTAssertFalse(expected.contains { $0.scalars.contains(where: \.isNaN) }, "a fully masked row gives zeros")
        for opset in [13, 17, 18] {
            let graph = try withNoGrad { try Graph.trace([x]) { body($0) } }
            for kind in ["layerNorm", "softmax", "attention"] { XCTAssertNotNil(graph.operationCounts[kind], "\(kind) traced") }
            let proto = try ONNXExporter.export(graph, opset: opset)
            XCTAssertEqual(proto.graph.node.contains { $0.opType == "LayerNormalization" }, opset >= 17, "opset \(opset)")
            let reloaded = try ONNXModel(proto: proto)
            for (k, (y, e)) in zip(try reloaded.run([x]), expected).enumerated() { assertClose(y, e, "opset \(opset) output \(k), re-imported") }
            guard ORT.available(for: "testFusedPrimitivesAtEachOpset") else { continue }
            for (k, (y, e)) in zip(try ORT.run(proto, [x]), expected).enumerated() { assertClose(y, e, "opset \(opset) output \(k), onnxruntime") }
        }
    }

    /// Reductions other than ReduceSum take their axes as an input from opset 18 on, as an attribute before.
    func testReductionAxesFollowTheOpset() throws {
        let x = Tensor.randn([3, 4], seed: 11)
        let graph = try withNoGrad { try Graph.trace([x], pipeline: nil) { [$0[0].max(alongAxes: 1), $0[0].sum(alongAxes: 0)] } }
        for opset in [13, 17, 18, 21] {
            let proto = try ONNXExporter.export(graph, opset: opset)
            let reduceMax = proto.graph.node.first { $0.opType == "ReduceMax" }!
            let reduceSum = proto.graph.node.first { $0.opType == "ReduceSum" }!
            XCTAssertEqual(reduceMax.input.count, opset >= 18 ? 2 : 1, "opset \(opset)")
            XCTAssertEqual(reduceMax.attribute.contains { $0.name == "axes" }, opset < 18, "opset \(opset)")
            XCTAssertEqual(reduceSum.input.count, 2, "opset \(opset)")
            let reloaded = try ONNXModel(proto: proto)
            assertClose(try reloaded.run([x])[0], x.max(alongAxes: 1))
            guard ORT.available(for: "testReductionAxesFollowTheOpset") else { continue }
            let outputs = try ORT.run(proto, [x])
            assertClose(outputs[0], x.max(alongAxes: 1), "opset \(opset)")
            assertClose(outputs[1], x.sum(alongAxes: 0), "opset \(opset)")
        }
    }
}
