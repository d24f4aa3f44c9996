import Foundation
import XCTest
import Nabla
@testable import NablaONNX

/// Hand-built models run with the expected values.
final class ONNXModelTests: XCTestCase {
    func testLinearReluMatchesNablaOps() throws {
        let weight = Tensor.randn([3, 4], seed: 1), bias = Tensor.randn([3], seed: 2), x = Tensor.randn([2, 4], seed: 3)
        let model = try ONNXModel(serializedData: try TestModels.linearRelu(weight: weight, bias: bias).serializedData())
        XCTAssertEqual(model.inputNames, ["x"])
        XCTAssertEqual(model.outputNames, ["y"])
        let y = try model.run(["x": x])["y"]!
        let expected = relu(matmul(x, weight.T) + bias)
        XCTAssertNil(ONNXNodeTests.compare(y, expected))
        XCTAssertNil(ONNXNodeTests.compare(try model.run([x])[0], expected))
    }

    func testNodesOutOfOrderAreSorted() throws {
        // y = (x + x) * x, with the Mul listed first.
        let model = TestModels.model(nodes: [TestModels.node("Mul", ["s", "x"], ["y"]), TestModels.node("Add", ["x", "x"], ["s"])],
                                     inputs: [TestModels.value("x", shape: [3])], outputs: [TestModels.value("y", shape: [3])])
        let y = try ONNXModel(proto: model).run(["x": Tensor([1.0, 2, 3] as [Float])])["y"]!
        XCTAssertEqual(y.scalars, [2, 8, 18])
    }

    func testReshapeWithShapeInitializerAndSoftmaxAxisDefaults() throws {
        let x = Tensor.randn([2, 3, 4], seed: 4)
        let shape = Onnx_TensorProto(Tensor([2, -1] as [Int64]), name: "shape")
        for (opset, expected) in [(11, softmax(x.reshaped([2, 12]), axis: 1).reshaped([2, 3, 4])), (13, softmax(x, axis: -1))] {
            let model = TestModels.model(nodes: [TestModels.node("Softmax", ["x"], ["s"]), TestModels.node("Reshape", ["s", "shape"], ["y"])],
                                         inputs: [TestModels.value("x", shape: [2, 3, 4])], outputs: [TestModels.value("y", shape: [2, 12])],
                                         initializers: [shape], opset: Int64(opset))
            let y = try ONNXModel(proto: model).run(["x": x])["y"]!
            XCTAssertEqual(y.shape, [2, 12])
            XCTAssertNil(ONNXNodeTests.compare(y, expected.reshaped([2, 12])), "opset \(opset)")
        }
    }

    func testConvPoolFlatten() throws {
        let w = Tensor.randn([2, 1, 3, 3], seed: 5), x = Tensor.randn([1, 1, 6, 6], seed: 6)
        var kernel = Onnx_AttributeProto(); kernel.name = "kernel_shape"; kernel.type = .ints; kernel.ints = [2, 2]
        var strides = Onnx_AttributeProto(); strides.name = "strides"; strides.type = .ints; strides.ints = [2, 2]
        var pads = Onnx_AttributeProto(); pads.name = "pads"; pads.type = .ints; pads.ints = [1, 1, 1, 1]
        let model = TestModels.model(
            nodes: [TestModels.node("Conv", ["x", "w"], ["c"], attributes: [pads]),
                    TestModels.node("MaxPool", ["c"], ["p"], attributes: [kernel, strides]),
                    TestModels.node("Flatten", ["p"], ["y"])],
            inputs: [TestModels.value("x", shape: [1, 1, 6, 6])], outputs: [TestModels.value("y", shape: [1, 18])],
            initializers: [Onnx_TensorProto(w, name: "w")])
        let y = try ONNXModel(proto: model).run(["x": x])["y"]!
        let expected = maxPool2d(conv2d(x, weight: w, padding: 1), 2).flattened(from: 1)
        XCTAssertNil(ONNXNodeTests.compare(y, expected))
    }

    func testCompareToleranceAndNaNs() {
        let a = Tensor([1.0, .nan, 100] as [Float]), b = Tensor([1.0000001, .nan, 100.05] as [Float])
        XCTAssertNil(ONNXNodeTests.compare(a, b))
        XCTAssertNotNil(ONNXNodeTests.compare(a, Tensor([1.0, .nan, 100.2] as [Float])))
        XCTAssertNotNil(ONNXNodeTests.compare(Tensor([1, 2] as [Int64]), Tensor([1, 3] as [Int64])))
        XCTAssertNotNil(ONNXNodeTests.compare(Tensor([1, 2] as [Int64]), Tensor([1, 2] as [Int32])))
    }

    func testSupportedOperatorsListIsSortedAndCoversCore() {
        let ops = ONNXModel.supportedOperators
        XCTAssertEqual(ops, ops.sorted())
        XCTAssertTrue(ONNXNodeTests.coreOperators.isSubset(of: Set(ops)), "\(ONNXNodeTests.coreOperators.subtracting(ops))")
    }
}
