import ArgumentParser
import Foundation
import Nabla
import NablaData
import NablaONNX

/// `nabla export CHECKPOINT --output model.onnx`: a trained Fashion-MNIST model as an ONNX file.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a trained Fashion-MNIST model (mlp or cnn checkpoint) as an ONNX model.",
        discussion: """
            The model is traced in eval mode on one [1, 1, 28, 28] float32 image; the ONNX graph's input is input_0 \
            (pixels in 0-1) and its output output_0 (10 logits). The file is written atomically.
            Example: nabla export runs/demo/cnn.safetensors --output cnn.onnx && nabla predict --model cnn.onnx shoe.png
            """
    )

    @Argument(help: "A model saved by `nabla train --output`.") var checkpoint: String
    @Option(name: .shortAndLong, help: "The ONNX file to write (default: the checkpoint's path with .onnx).") var output: String?
    @Option(help: "The model kind when the checkpoint does not record it: mlp or cnn.") var kind: String?
    @Option(help: "The ai.onnx opset version (\(ONNXExporter.supportedOpsets.lowerBound)-\(ONNXExporter.supportedOpsets.upperBound)).")
    var opset: Int = 17

    func validate() throws {
        guard ONNXExporter.supportedOpsets.contains(opset) else {
            throw ValidationError("--opset must be between \(ONNXExporter.supportedOpsets.lowerBound) and \(ONNXExporter.supportedOpsets.upperBound) (got \(opset))")
        }
    }

    func run() throws {
        let (net, kind) = try loadFashionModel(from: checkpoint, kind: try FashionModels.Kind.parse(kind, from: "--kind"))
        let destination = output ?? URL(fileURLWithPath: checkpoint).deletingPathExtension().appendingPathExtension("onnx").path
        guard destination != checkpoint else { throw CLIError("\(destination): the output would overwrite the checkpoint; pass --output") }
        let side = FashionMNIST.imageSize
        let proto = try ONNXExporter.export(net, exampleInput: Tensor.zeros([1, 1, side, side]), opset: opset)
        try ONNXExporter.write(proto, to: URL(fileURLWithPath: destination))
        print("\(checkpoint) (\(kind.rawValue)) -> \(destination): \(proto.graph.node.count) nodes, opset \(opset), input input_0 [1, 1, \(side), \(side)], output output_0 [1, 10]")
    }
}
