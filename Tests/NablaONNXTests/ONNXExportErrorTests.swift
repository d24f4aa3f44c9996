import Foundation
import XCTest
import Nabla
import NablaGraph
import NablaNN
@testable import NablaONNX

/// What export refuses, and how it says so.
final class ONNXExportErrorTests: XCTestCase {
    func testGradientPrimitivesAreNotExportable() throws {
        var graph = Graph()
        let gradient = graph.addInput(ValueType(shape: [1, 2, 4, 4], dtype: .float32))
        let weight = graph.addInput(ValueType(shape: [2, 2, 3, 3], dtype: .float32))
        let attributes = Conv2dAttributes(padding: (1, 1))
        graph.outputs = graph.append(.primitive(.conv2dBackwardData(attributes, inputShape: [1, 2, 4, 4])), inputs: [gradient, weight],
                                     outputTypes: [ValueType(shape: [1, 2, 4, 4], dtype: .float32)])
        XCTAssertThrowsError(try ONNXExporter.export(graph)) { error in
            guard case let ONNXExportError.unsupportedPrimitive(name, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(name, "conv2dBackwardData")
            XCTAssertTrue("\(error)".contains("conv2dBackwardData"), "\(error)")
        }
    }

    func testOpsetNamesAndTargetsAreChecked() throws {
        let x = Tensor.randn([2, 3], seed: 1)
        let graph = try Graph.trace([x], pipeline: nil) { [$0[0] * 2] }
        XCTAssertThrowsError(try ONNXExporter.export(graph, opset: 9)) { XCTAssertEqual($0 as? ONNXExportError, .unsupportedOpset(9)) }
        XCTAssertThrowsError(try ONNXExporter.export(graph, inputNames: ["a", "b"])) { XCTAssertTrue("\($0)".contains("2 input names"), "\($0)") }
        XCTAssertThrowsError(try ONNXExporter.export(graph, inputNames: ["x"], outputNames: ["x"])) { XCTAssertTrue("\($0)".contains("used twice"), "\($0)") }
        XCTAssertThrowsError(try ONNXExporter.export(graph, outputNames: ["v3"])) { XCTAssertTrue("\($0)".contains("clash"), "\($0)") }

        let scatter = try Graph.trace([x], pipeline: nil) {
            [$0[0].scatteringAdd(axis: 1, index: Tensor(shape: [2, 1], scalars: [Int64(0), 2]), source: Tensor.ones([2, 1]))]
        }
        XCTAssertThrowsError(try ONNXExporter.export(scatter, opset: 15)) { error in
            guard case ONNXExportError.opsetTooOld(_, 16, 15) = error else { return XCTFail("\(error)") }
        }
        XCTAssertNoThrow(try ONNXExporter.export(scatter, opset: 16))
    }

    func testOutputsThatAreInputsOrRepeatedGetIdentities() throws {
        let x = Tensor.randn([2, 3], seed: 2)
        let graph = try Graph.trace([x], pipeline: nil) { inputs in
            let y = inputs[0] + 1
            return [y, inputs[0], y]
        }
        let proto = try ONNXExporter.export(graph, inputNames: ["x"], outputNames: ["y", "same", "again"])
        let model = try ONNXModel(proto: proto)
        let outputs = try model.run([x])
        XCTAssertEqual(outputs[0].toArray(as: Float.self), (x + 1).toArray(as: Float.self))
        XCTAssertEqual(outputs[1].toArray(as: Float.self), x.toArray(as: Float.self))
        XCTAssertEqual(outputs[2].toArray(as: Float.self), (x + 1).toArray(as: Float.self))
    }

    func testWritingToAMissingDirectoryThrows() throws {
        let model = Sequential(Linear(3, 2))
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/model.onnx")
        XCTAssertThrowsError(try exportONNX(model, exampleInput: Tensor.randn([1, 3], seed: 3), to: url)) { error in
            guard case ONNXExportError.cannotWrite = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains(url.path), "\(error)")
        }
    }

    func testRandomnessInTheForwardPassIsATraceError() throws {
        final class Noisy: Module, Layer {
            func callAsFunction(_ input: Tensor) -> Tensor { input + Tensor.randn(input.shape) }
        }
        XCTAssertThrowsError(try exportONNX(Noisy(), exampleInput: Tensor.randn([1, 3], seed: 4),
                                            to: FileManager.default.temporaryDirectory.appendingPathComponent("noisy.onnx"))) { error in
            guard case ONNXExportError.traceFailed = error else { return XCTFail("\(error)") }
        }
    }
}
