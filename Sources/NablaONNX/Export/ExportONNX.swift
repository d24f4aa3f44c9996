import Foundation
import Nabla
import NablaGraph
import NablaNN
#if canImport(Glibc)
import Glibc
/// write(2), named apart from `ONNXExporter.write`.
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
/// write(2), named apart from `ONNXExporter.write`.
private let systemWrite = Darwin.write
#endif

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

    /// Writes `data` to `url` atomically: a temporary file in the same directory, `fsync`, then `rename`,
    /// so readers see the old file or the whole new one, never a torn write.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)")
        func failure(_ what: String) -> ONNXExportError {
            .cannotWrite(path: url.path, reason: "\(what): \(String(cString: strerror(errno)))")
        }
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw failure("cannot create \(temporary.lastPathComponent)") }
        var ok = false
        defer {
            if !ok { unlink(temporary.path) }
        }
        let written: Bool = data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
        guard written else { let error = failure("write failed"); close(fd); throw error }
        guard fsync(fd) == 0 else { let error = failure("fsync failed"); close(fd); throw error }
        guard close(fd) == 0 else { throw failure("close failed") }
        guard rename(temporary.path, url.path) == 0 else { throw failure("rename failed") }
        ok = true
        // Make the rename itself durable.
        let directoryFD = open(directory.path, O_RDONLY)
        if directoryFD >= 0 { _ = fsync(directoryFD); close(directoryFD) }
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
