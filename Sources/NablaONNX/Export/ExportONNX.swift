import Foundation
import Nabla
import NablaGraph
import NablaNN

extension ONNXExporter {
    /// The ONNX model of `model`'s forward pass, traced on `exampleInput` in eval mode without gradients.
    ///
    /// The model's training mode is restored afterwards. The exported graph has fixed shapes: those of
    /// `exampleInput` (batch size included).
    ///
    /// - Throws: `ONNXExportError.traceFailed` when the forward pass reads tensor values or draws random
    ///   numbers, or any error of `export(_:inputNames:outputNames:opset:graphName:)`.
    public static func export(_ model: any Layer, exampleInput: Tensor, opset: Int = 17,
                              inputName: String = "input_0", outputName: String = "output_0",
                              pipeline: PassPipeline? = .standard) throws -> Onnx_ModelProto {
        guard supportedOpsets.contains(opset) else { throw ONNXExportError.unsupportedOpset(opset) }
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        let graph: Graph
        do {
            graph = try withNoGrad {
                try Graph.trace([exampleInput], name: "\(type(of: model)).callAsFunction", pipeline: pipeline) { [model($0[0])] }
            }
        } catch {
            throw ONNXExportError.traceFailed("\(error)")
        }
        return try export(graph, inputNames: [inputName], outputNames: [outputName], opset: opset, graphName: "\(type(of: model))")
    }

    /// Serializes `model` and writes it to `url` atomically (temporary file, `fsync`, `rename`).
    ///
    /// - Throws: `ONNXExportError.cannotWrite`, naming the path.
    public static func write(_ model: Onnx_ModelProto, to url: URL) throws {
        let data: Data
        do { data = try model.serializedData() } catch {
            throw ONNXExportError.cannotWrite(path: url.path, reason: "serialization failed: \(error)")
        }
        try writeAtomically(data, to: url)
    }

    /// Writes `data` to `url` atomically (`AtomicFile.write`), as an `ONNXExportError`.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        do throws(AtomicFile.WriteError) {
            try AtomicFile.write(data, to: url)
        } catch {
            throw ONNXExportError.cannotWrite(path: url.path, reason: "\(error.operation) failed: \(error.reason)")
        }
    }
}

/// Exports `model`'s forward pass on inputs shaped like `exampleInput` as an ONNX file at `url`.
///
/// The model is traced in eval mode under `withNoGrad` (see `ONNXExporter.export(_:exampleInput:opset:)`);
/// the graph input is `input_0` and the output `output_0`. The file is written atomically.
///
/// ```swift
/// let model = Sequential(Flatten(), Linear(784, 10))
/// try exportONNX(model, exampleInput: Tensor.randn([1, 1, 28, 28]), to: URL(fileURLWithPath: "mlp.onnx"))
/// // python: onnxruntime.InferenceSession("mlp.onnx").run(None, {"input_0": x})
/// ```
/// - Throws: `ONNXExportError`.
public func exportONNX(_ model: any Layer, exampleInput: Tensor, to url: URL, opset: Int = 17) throws {
    try ONNXExporter.write(ONNXExporter.export(model, exampleInput: exampleInput, opset: opset), to: url)
}
