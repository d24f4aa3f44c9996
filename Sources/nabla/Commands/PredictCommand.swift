import ArgumentParser
import Foundation
import Nabla
import NablaData
import NablaNN

/// `nabla predict CHECKPOINT INPUT…`: the top-k Fashion-MNIST classes of PNG images or CSV rows.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Print the top-k classes of 28 x 28 grayscale PNG images, or of the rows of a CSV file (784 pixel values each).",
        discussion: """
            CSV rows hold 784 pixel values (0-255 or 0-1), with or without a header; --label-column names a column \
            to leave out (a true label, printed beside the prediction).
            Example: nabla predict runs/demo/cnn.safetensors shoe.png shirt.png --top-k 3
            """
    )

    @Argument(help: "A model saved by `nabla train --output`.") var checkpoint: String
    @Argument(help: "PNG images and/or CSV files.") var inputs: [String]
    @Option(help: "How many classes to print per input.") var topK: Int = 3
    @Option(help: "The model kind when the checkpoint does not record it: mlp or cnn.") var model: String?
    @Option(help: "A CSV column (name or 0-based index) holding the true label, left out of the pixels.") var labelColumn: String?
    @Flag(help: "The CSV files have no header row.") var noHeader = false

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one PNG or CSV input") }
        guard (1...FashionMNIST.classNames.count).contains(topK) else {
            throw ValidationError("--top-k must be between 1 and \(FashionMNIST.classNames.count) (got \(topK))")
        }
    }

    func run() throws {
        let kind = try FashionModels.Kind.parse(model)
        let (net, _) = try FashionModels.load(from: checkpoint, kind: kind)
        net.eval()
        for input in inputs {
            for (name, image, label) in try examples(in: input) {
                let probabilities = withNoGrad { softmax(net(image.reshaped([1, 1, 28, 28])), axis: 1) }.toArray(as: Float.self)
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
