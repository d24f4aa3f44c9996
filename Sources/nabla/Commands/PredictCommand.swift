import ArgumentParser
import Foundation
import Nabla
import NablaData
import NablaNN
import NablaONNX

/// `nabla predict CHECKPOINT INPUT…` or `nabla predict --model MODEL INPUT…`: the top-k Fashion-MNIST
/// classes of PNG images or CSV rows, from a safetensors checkpoint or an ONNX model.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Print the top-k classes of 28 x 28 grayscale PNG images, or of the rows of a CSV file (784 pixel values each).",
        discussion: """
            CSV rows hold 784 pixel values (0-255 or 0-1), with or without a header; --label-column names a column \
            to leave out (a true label, printed beside the prediction).
            --model takes a checkpoint or an ONNX file (.onnx, e.g. from `nabla export`); an ONNX model gets each image \
            as [1, 1, 28, 28] float32 in 0-1, or [1, 784] when its input is rank 2, and its 10 outputs go through softmax.
            Examples: nabla predict runs/demo/cnn.safetensors shoe.png shirt.png --top-k 3
                      nabla predict --model cnn.onnx shoe.png
            """
    )

    @Argument(help: ArgumentHelp("A model saved by `nabla train --output` (left out with --model), then PNG images and/or CSV files.",
                                 valueName: "files")) var files: [String] = []
    @Option(help: "The model file: a checkpoint, or an ONNX model (.onnx).") var model: String?
    @Option(help: "How many classes to print per input.") var topK: Int = 3
    @Option(help: "The model kind when the checkpoint does not record it: mlp or cnn.") var kind: String?
    @Option(help: "A CSV column (name or 0-based index) holding the true label, left out of the pixels.") var labelColumn: String?
    @Flag(help: "The CSV files have no header row.") var noHeader = false

    /// The checkpoint or ONNX file.
    private var modelPath: String { model ?? files.first ?? "" }
    /// The images and CSV files.
    private var inputs: [String] { model == nil ? Array(files.dropFirst()) : files }

    func validate() throws {
        guard model != nil || !files.isEmpty else { throw ValidationError("give a checkpoint (or --model FILE) and at least one PNG or CSV input") }
        guard !inputs.isEmpty else { throw ValidationError("give at least one PNG or CSV input") }
        guard (1...FashionMNIST.classNames.count).contains(topK) else {
            throw ValidationError("--top-k must be between 1 and \(FashionMNIST.classNames.count) (got \(topK))")
        }
    }

    func run() throws {
        let classify: (Tensor) throws -> Tensor
        if modelPath.lowercased().hasSuffix(".onnx") {
            guard kind == nil else { throw CLIError("--kind applies to checkpoints, not to ONNX models (\(modelPath))") }
            classify = try ONNXClassifier(path: modelPath).logits
        } else {
            let (net, _) = try loadFashionModel(from: modelPath, kind: try FashionModels.Kind.parse(kind, from: "--kind"))
            net.eval()
            classify = { image in withNoGrad { net(image.reshaped([1, 1, 28, 28])) } }
        }
        for input in inputs {
            for (name, image, label) in try examples(in: input) {
                let probabilities = softmax(try classify(image), axis: 1).toArray(as: Float.self)
                let ranked = probabilities.enumerated().sorted { $0.element > $1.element }.prefix(topK)
                let text = ranked.map { "\(FashionMNIST.classNames[$0.offset]) \(String(format: "%.3f", $0.element))" }.joined(separator: ", ")
                print("\(name): \(text)" + (label.map { " (label: \($0))" } ?? ""))
            }
        }
    }

    /// The 28 x 28 images of one input file, each with a display name and, for CSV rows, an optional label.
    private func examples(in path: String) throws -> [(String, Tensor, String?)] {
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError("\(path): no such file") }
        let side = FashionMNIST.imageSize
        if path.lowercased().hasSuffix(".csv") {
            let column: CSVColumn? = labelColumn.map { name in Int(name).map { CSVColumn.index($0) } ?? CSVColumn.name(name) }
            let table = try CSVDataset(URL(fileURLWithPath: path), labelColumn: column, hasHeader: !noHeader)
            guard table.features.rank == 2, table.features.shape[1] == side * side else {
                throw CLIError("\(path): each row needs \(side * side) pixel values, found \(table.features.shape.last ?? 0) feature columns")
            }
            let pixels = table.features.cast(to: .float32)
            let scaled = pixels.max().item() > 1 ? pixels / 255 : pixels
            let labels = table.labelName == nil ? nil : table.labels.cast(to: .float64).toArray(as: Double.self)
            return (0..<table.count).map { row in
                let label = labels.map { values -> String in
                    let value = values[row], index = Int(value)
                    return FashionMNIST.classNames.indices.contains(index) ? FashionMNIST.classNames[index] : String(value)
                }
                return ("\(path) row \(row + 1)", scaled.slice(axis: 0, start: row, end: row + 1), label)
            }
        }
        let image = try PNGDecoder.decode(file: path, channels: .gray)
        guard image.shape == [1, side, side] else {
            throw CLIError("\(path): the model takes \(side) x \(side) grayscale images; this one is \(image.shape[2]) x \(image.shape[1])")
        }
        return [(path, image, nil)]
    }
}

/// A Fashion-MNIST classifier stored as an ONNX model: one input taking a 28 x 28 image as
/// [1, 1, 28, 28] (or [1, 784] when the input is rank 2), ten logits out.
struct ONNXClassifier {
    let model: ONNXModel
    let path: String
    /// The shape each image is fed as.
    let inputShape: [Int]

    /// Loads and checks the model at `path`.
    /// - Throws: `ONNXError` for unreadable or invalid files, `CLIError` when its input does not take an image.
    init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError("\(path): no such file") }
        let model = try ONNXModel(contentsOf: URL(fileURLWithPath: path))
        self.model = model
        self.path = path
        guard model.inputNames.count == 1, model.outputNames.count >= 1 else {
            throw CLIError("\(path): the model must take one input (it takes \(model.inputNames.count): \(model.inputNames.joined(separator: ", ")))")
        }
        let inputName = model.inputNames[0]
        let declared = model.proto.graph.input.first { $0.name == inputName }
        let dims = declared?.type.tensorType.shape.dim.map { $0.dimValue } ?? []
        let side = FashionMNIST.imageSize
        let shape: [Int]
        switch dims.count {
        case 2: shape = [1, side * side]
        case 4, 0: shape = [1, 1, side, side]
        default: throw CLIError("\(path): the model's input '\(model.inputNames[0])' has rank \(dims.count); expected [N, 1, 28, 28] or [N, 784]")
        }
        if dims.count == shape.count {
            for (d, expected) in zip(dims.dropFirst(), shape.dropFirst()) where d > 0 && Int(d) != expected {
                throw CLIError("\(path): the model's input '\(model.inputNames[0])' has shape \(dims); expected \(shape) for a 28 x 28 image")
            }
        }
        inputShape = shape
    }

    /// The model's logits for one [1, 28, 28] image, as [1, classes].
    func logits(_ image: Tensor) throws -> Tensor {
        let output = try model.run([model.inputNames[0]: image.cast(to: .float32).reshaped(inputShape)])[model.outputNames[0]]!
        let classes = FashionMNIST.classNames.count
        guard output.count == classes, output.dtype.isFloatingPoint else {
            throw CLIError("\(path): the model's output '\(model.outputNames[0])' has shape \(output.shape) (\(output.dtype)); expected \(classes) class scores")
        }
        return output.cast(to: .float32).reshaped([1, classes])
    }
}

/// `FashionModels.load`, with its hint about the model kind pointing at `--kind` (predict's and eval's flag).
func loadFashionModel(from path: String, kind: FashionModels.Kind?) throws -> (any Layer, FashionModels.Kind) {
    do {
        return try FashionModels.load(from: path, kind: kind)
    } catch let error as CLIError where error.description.contains("pass --model") {
        throw CLIError(error.description.replacingOccurrences(of: "--model", with: "--kind"))
    }
}
