import Foundation
import XCTest
import Nabla
import NablaTestSupport
@testable import NablaONNX

/// A small MLP built with `onnx.helper`, run by onnxruntime and by NablaONNX (when both Python packages are installed).
final class ONNXRuntimeCrossCheckTests: XCTestCase {
    static let script = """
    import sys, numpy as np, onnx, onnxruntime as ort
    from onnx import helper, numpy_helper, TensorProto
    out = sys.argv[1]
    rng = np.random.default_rng(0)
    w1 = rng.standard_normal((16, 8)).astype(np.float32); b1 = rng.standard_normal(16).astype(np.float32)
    w2 = rng.standard_normal((16, 4)).astype(np.float32); b2 = rng.standard_normal(4).astype(np.float32)
    nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], transB=1),
             helper.make_node("Relu", ["h"], ["r"]),
             helper.make_node("MatMul", ["r", "w2"], ["m"]),
             helper.make_node("Add", ["m", "b2"], ["z"]),
             helper.make_node("Softmax", ["z"], ["y"], axis=-1)]
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [5, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [5, 4])],
                              [numpy_helper.from_array(a, n) for a, n in [(w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2")]])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model)
    onnx.save(model, out + "/model.onnx")
    x = rng.standard_normal((5, 8)).astype(np.float32)
    y = ort.InferenceSession(out + "/model.onnx", providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    open(out + "/input_0.pb", "wb").write(numpy_helper.from_array(x).SerializeToString())
    open(out + "/output_0.pb", "wb").write(numpy_helper.from_array(y).SerializeToString())
    """

    func testMLPMatchesOnnxRuntime() throws {
        guard PythonRunner.canImport("onnxruntime, onnx, numpy") else {
            print("SKIP testMLPMatchesOnnxRuntime: python3 cannot import onnxruntime, onnx and numpy (pip install onnxruntime onnx)")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-ort-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (status, _, stderr) = try PythonRunner.run(Self.script.replacingOccurrences(of: "\n    ", with: "\n"), [dir.path])
        XCTAssertEqual(status, 0, stderr)
        guard status == 0 else { return }
        let model = try ONNXModel(contentsOf: dir.appendingPathComponent("model.onnx"))
        let x = try ONNXNodeTests.numbered("input", in: dir)[0], expected = try ONNXNodeTests.numbered("output", in: dir)[0]
        let y = try model.run(["x": x])["y"]!
        XCTAssertEqual(y.shape, expected.shape)
        let difference = zip(y.scalars, expected.scalars).map { Swift.abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(difference, 1e-5, "largest difference from onnxruntime: \(difference)")
    }
}
