import Foundation
import XCTest
import Nabla
import NablaGraph
import NablaNN
import NablaTestSupport
@testable import NablaONNX

/// A pre-norm transformer block written with Nabla ops: LayerNorm, 2-head self-attention
/// (matmul/softmax/permute/reshape), a GELU MLP and residuals. Takes [batch, tokens, 16].
final class TinyTransformerBlock: Module, Layer {
    let norm1 = LayerNorm(16), norm2 = LayerNorm(16)
    let qkv = Linear(16, 48), projection = Linear(16, 16)
    let fc1 = Linear(16, 32), fc2 = Linear(32, 16)
    let activation = GELU()
    let heads = 2

    func callAsFunction(_ x: Tensor) -> Tensor {
        let (b, t, d) = (x.shape[0], x.shape[1], x.shape[2])
        let headSize = d / heads
        let packed = qkv(norm1(x)).reshaped([b, t, 3, heads, headSize]).permuted([2, 0, 3, 1, 4])   // [3, B, H, T, hd]
        func part(_ i: Int) -> Tensor { packed.slice(axis: 0, start: i, end: i + 1).reshaped([b, heads, t, headSize]) }
        let (q, k, v) = (part(0), part(1), part(2))
        let scores = matmul(q, k.permuted([0, 1, 3, 2])) / Double(headSize).squareRoot()
        let context = matmul(softmax(scores, axis: -1), v).permuted([0, 2, 1, 3]).reshaped([b, t, d])
        let h = x + projection(context)
        return h + fc2(activation(fc1(norm2(h))))
    }
}

/// A causal pre-norm `TransformerEncoderLayer` whose key padding mask hides the last position: its
/// attention runs (and traces) as the fused `attention` primitive. Takes [batch, tokens, 16].
final class CausalEncoderBlock: Module, Layer {
    let layer = TransformerEncoderLayer(dModel: 16, nhead: 2, dimFeedforward: 32, dropout: 0, batchFirst: true, normFirst: true)

    func callAsFunction(_ x: Tensor) -> Tensor {
        let (b, t) = (x.shape[0], x.shape[1])
        let padding = (Tensor.arange(0, Double(t), dtype: .int64) .== Tensor.full([], value: Double(t - 1), dtype: .int64))
            .unsqueezed(axis: 0).expanded(to: [b, t])
        return layer(x, srcMask: nil, srcKeyPaddingMask: padding, isCausal: true)
    }
}

/// Runs exported models in onnxruntime (after `onnx.checker.check_model(full_check=True)`).
enum ORT {
    static let modules = "onnxruntime, onnx, numpy"

    /// Reads `dir/model.onnx` and `dir/input_*.pb`, checks the model, runs it, writes `dir/output_*.pb`.
    static let script = """
    import sys, glob, onnx, numpy as np, onnxruntime as ort
    from onnx import numpy_helper
    d = sys.argv[1]
    model = onnx.load(d + "/model.onnx")
    onnx.checker.check_model(model, full_check=True)
    session = ort.InferenceSession(d + "/model.onnx", providers=["CPUExecutionProvider"])
    feeds = {}
    for i, info in enumerate(session.get_inputs()):
        t = onnx.TensorProto(); t.ParseFromString(open(f"{d}/input_{i}.pb", "rb").read())
        feeds[info.name] = numpy_helper.to_array(t)
    for i, y in enumerate(session.run(None, feeds)):
        open(f"{d}/output_{i}.pb", "wb").write(numpy_helper.from_array(np.asarray(y)).SerializeToString())
    """

    /// True when the Python packages are there; otherwise prints a SKIP line naming `test`.
    static func available(for test: String) -> Bool {
        if PythonRunner.canImport(modules) { return true }
        print("SKIP: \(test): python3 cannot import onnxruntime, onnx and numpy (pip install onnxruntime onnx)")
        return false
    }

    /// The outputs onnxruntime computes for `model` on `inputs`.
    static func run(_ model: Onnx_ModelProto, _ inputs: [Tensor], file: StaticString = #filePath, line: UInt = #line) throws -> [Tensor] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try model.serializedData().write(to: dir.appendingPathComponent("model.onnx"))
        for (i, input) in inputs.enumerated() {
            try Onnx_TensorProto(input).serializedData().write(to: dir.appendingPathComponent("input_\(i).pb"))
        }
        let (status, _, stderr) = try PythonRunner.run(script, [dir.path])
        XCTAssertEqual(status, 0, "onnxruntime failed: \(stderr)", file: file, line: line)
        return try ONNXNodeTests.numbered("output", in: dir)
    }
}

/// Asserts that `actual` matches `expected`: same shape and dtype, |a - e| ≤ tolerance · max(1, |e|)
/// elementwise (exact for integers and bools).
func assertClose(_ actual: Tensor, _ expected: Tensor, tolerance: Double = 1e-5, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.shape, expected.shape, "shape \(message)", file: file, line: line)
    XCTAssertEqual(actual.dtype, expected.dtype, "dtype \(message)", file: file, line: line)
    guard actual.shape == expected.shape else { return }
    let a = actual.cast(to: .float64).toArray(as: Double.self), e = expected.cast(to: .float64).toArray(as: Double.self)
    var worst = 0.0
    for (x, y) in zip(a, e) where !(x.isNaN && y.isNaN) && x != y {
        worst = max(worst, Swift.abs(x - y) / max(1, Swift.abs(y)))
    }
    let limit = expected.dtype.isFloatingPoint ? tolerance : 0
    XCTAssertLessThanOrEqual(worst, limit, "largest scaled difference \(worst) \(message)", file: file, line: line)
}
