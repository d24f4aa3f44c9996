import Foundation
import XCTest
import Nabla
@testable import NablaONNX

/// Malformed and unsupported models throw `ONNXError`s that name the file, node and field.
final class ONNXLoadingTests: XCTestCase {
    private func serialized(_ model: Onnx_ModelProto) throws -> Data { try model.serializedData() }

    private func expectError(_ body: () throws -> Void, _ check: (ONNXError) -> Void, file: StaticString = #filePath, line: UInt = #line) {
        do {
            try body()
            XCTFail("expected an ONNXError", file: file, line: line)
        } catch let error as ONNXError {
            check(error)
        } catch {
            XCTFail("expected an ONNXError, got \(error)", file: file, line: line)
        }
    }

    func testTruncatedFileThrowsMalformedProtobufNamingTheFile() throws {
        let data = try serialized(TestModels.linearRelu(weight: Tensor.randn([3, 4], seed: 1), bias: Tensor.zeros([3])))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-truncated-\(UUID().uuidString).onnx")
        try data.prefix(data.count - 7).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        expectError({ _ = try ONNXModel(contentsOf: url) }) { error in
            guard case let .malformedProtobuf(file, _) = error else { return XCTFail("got \(error)") }
            XCTAssertEqual(file, url.path)
            XCTAssertTrue(error.description.contains(url.lastPathComponent), error.description)
        }
    }

    func testMissingFileThrowsUnreadableFile() {
        expectError({ _ = try ONNXModel(contentsOf: URL(fileURLWithPath: "/nonexistent/model.onnx")) }) { error in
            guard case .unreadableFile(let path, _) = error else { return XCTFail("got \(error)") }
            XCTAssertEqual(path, "/nonexistent/model.onnx")
        }
    }

    func testWrongWireTypeIsMalformed() {
        // Field 7 (graph) with wire type 0 (varint) instead of a length-delimited message.
        expectError({ _ = try ONNXModel(serializedData: Data([0x08, 0x07, 0x38, 0x01, 0x3A, 0x05, 0x01])) }) { error in
            guard case .malformedProtobuf = error else { return XCTFail("got \(error)") }
        }
    }

    func testWrongAttributeTypeNamesNodeAndAttribute() throws {
        var attribute = Onnx_AttributeProto()
        attribute.name = "axis"; attribute.type = .string; attribute.s = Data("one".utf8)
        let model = TestModels.model(nodes: [TestModels.node("Softmax", ["x"], ["y"], name: "soft", attributes: [attribute])],
                                     inputs: [TestModels.value("x", shape: [2, 3])], outputs: [TestModels.value("y", shape: [2, 3])])
        let loaded = try ONNXModel(proto: model)
        expectError({ _ = try loaded.run(["x": Tensor.randn([2, 3], seed: 0)]) }) { error in
            guard case let .invalidAttribute(node, op, name, _) = error else { return XCTFail("got \(error)") }
            XCTAssertEqual([node, op, name], ["soft", "Softmax", "axis"])
        }
    }

    func testUnknownOperatorIsReportedAtLoad() {
        let model = TestModels.model(nodes: [TestModels.node("FancyOp", ["x"], ["y"])],
                                     inputs: [TestModels.value("x", shape: [1])], outputs: [TestModels.value("y", shape: [1])])
        expectError({ _ = try ONNXModel(proto: model) }) { error in
            XCTAssertEqual(error, .unsupportedOperator(op: "FancyOp", domain: "", opset: 17))
            XCTAssertTrue(error.description.contains("FancyOp"))
        }
    }

    func testMissingInitializerNamesNodeAndInput() {
        let model = TestModels.model(nodes: [TestModels.node("Add", ["x", "bias"], ["y"], name: "add0")],
                                     inputs: [TestModels.value("x", shape: [2])], outputs: [TestModels.value("y", shape: [2])])
        expectError({ _ = try ONNXModel(proto: model, file: "m.onnx") }) { error in
            guard case let .invalidModel(file, field, reason) = error else { return XCTFail("got \(error)") }
            XCTAssertEqual(file, "m.onnx")
            XCTAssertEqual(field, "graph.node[0].input[1]")
            XCTAssertTrue(reason.contains("add0") && reason.contains("bias"), reason)
        }
    }

    func testExternalDataIsRejected() {
        var tensor = Onnx_TensorProto(Tensor.zeros([2]), name: "w")
        tensor.rawData = Data()
        tensor.dataLocation = .external
        var entry = Onnx_StringStringEntryProto(); entry.key = "location"; entry.value = "weights.bin"
        tensor.externalData = [entry]
        let model = TestModels.model(nodes: [TestModels.node("Add", ["x", "w"], ["y"])], inputs: [TestModels.value("x", shape: [2])],
                                     outputs: [TestModels.value("y", shape: [2])], initializers: [tensor])
        expectError({ _ = try ONNXModel(proto: model) }) { error in
            guard case let .invalidTensor(_, name, field, _) = error else { return XCTFail("got \(error)") }
            XCTAssertEqual([name, field], ["w", "external_data"])
        }
    }

    func testUnknownDataTypeAndSizeMismatch() {
        var strings = Onnx_TensorProto(); strings.name = "s"; strings.dataType = 8; strings.dims = [1]
        XCTAssertThrowsError(try strings.nablaTensor()) { error in
            XCTAssertEqual(error as? ONNXError, .unsupportedDataType(file: nil, tensor: "s", dataType: 8))
        }
        var short = Onnx_TensorProto(); short.name = "f"; short.dataType = 1; short.dims = [3]; short.floatData = [1, 2]
        XCTAssertThrowsError(try short.nablaTensor()) { error in
            guard case let .invalidTensor(_, name, field, _)? = error as? ONNXError else { return XCTFail("got \(error)") }
            XCTAssertEqual([name, field], ["f", "float_data"])
        }
        var raw = Onnx_TensorProto(); raw.name = "r"; raw.dataType = 7; raw.dims = [2]; raw.rawData = Data(count: 12)
        XCTAssertThrowsError(try raw.nablaTensor())
    }

    func testMissingOpsetImportAndMissingRunInput() throws {
        var model = TestModels.linearRelu(weight: Tensor.randn([3, 4], seed: 1), bias: Tensor.zeros([3]))
        let loaded = try ONNXModel(proto: model)
        XCTAssertThrowsError(try loaded.run([:])) { XCTAssertEqual($0 as? ONNXError, .missingInput(name: "x")) }
        model.opsetImport = []
        XCTAssertThrowsError(try ONNXModel(proto: model)) { error in
            guard case .invalidModel(_, "opset_import", _)? = error as? ONNXError else { return XCTFail("got \(error)") }
        }
    }

    func testTypedDataFieldsRoundTrip() throws {
        var halves = Onnx_TensorProto(); halves.dataType = 10; halves.dims = [2]
        halves.int32Data = [Int32(Float16(1.5).bitPattern), Int32(Float16(-2).bitPattern)]
        XCTAssertEqual(try halves.nablaTensor().scalars, [1.5, -2])
        var bools = Onnx_TensorProto(); bools.dataType = 9; bools.dims = [3]; bools.rawData = Data([1, 0, 1])
        XCTAssertEqual(try bools.nablaTensor().toArray(as: Bool.self), [true, false, true])
        var longs = Onnx_TensorProto(); longs.dataType = 7; longs.dims = [2]; longs.int64Data = [-3, 1 << 40]
        XCTAssertEqual(try longs.nablaTensor().toArray(as: Int64.self), [-3, 1 << 40])
        let x = Tensor.randn([2, 3], seed: 3).cast(to: .float64)
        XCTAssertEqual(try Onnx_TensorProto(x).nablaTensor().scalars, x.scalars)
    }
}
