import Foundation
import Nabla
import NablaCheckpoint
import NablaNN

/// The two Fashion-MNIST models of `nabla train` and the benchmarks (`../shared/bench/w3_mlp.py`, `w4_cnn.py`).
enum FashionModels {
    /// The model kinds `nabla train --model` accepts.
    enum Kind: String, CaseIterable, Codable {
        case mlp, cnn

        /// The kind named by an optional `--model` flag (nil when not given).
        /// - Throws: `CLIError` listing the kinds when the name is unknown.
        static func parse(_ name: String?, from source: String = "--model") throws -> Kind? {
            guard let name else { return nil }
            guard let kind = Kind(rawValue: name) else {
                throw CLIError("model must be one of \(allCases.map(\.rawValue).joined(separator: ", ")) (got \"\(name)\" in \(source))")
            }
            return kind
        }
    }

    /// The checkpoint metadata entry naming the model kind, so `nabla eval`/`predict` rebuild the right model.
    static let metadataKey = "nabla.model"

    /// A freshly initialised model (PyTorch's default initialisation).
    static func make(_ kind: Kind) -> any Layer {
        switch kind {
        case .mlp:
            // 784-256-128-10 with ReLU; takes [N, 1, 28, 28] and flattens.
            return Sequential(Flatten(), Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))
        case .cnn:
            // Conv(1→32,3)-ReLU-MaxPool2-Conv(32→64,3)-ReLU-MaxPool2-Flatten-Linear(1600→128)-ReLU-Linear(128→10).
            return Sequential(
                Conv2d(1, 32, kernelSize: 3), ReLU(), MaxPool2d(kernelSize: 2),
                Conv2d(32, 64, kernelSize: 3), ReLU(), MaxPool2d(kernelSize: 2),
                Flatten(), Linear(1600, 128), ReLU(), Linear(128, 10))
        }
    }

    /// The model stored in the checkpoint at `path`: its kind from the metadata (or `kind` when given),
    /// its weights loaded strictly.
    /// - Throws: `CLIError` when the kind is unknown, `CheckpointError` (naming the file and keys) otherwise.
    static func load(from path: String, kind: Kind? = nil) throws -> (any Layer, Kind) {
        let url = URL(fileURLWithPath: path)
        let contents = try Checkpoint.read(from: url)
        let resolved: Kind
        if let kind {
            resolved = kind
        } else if let raw = contents.extraMetadata[metadataKey] {
            guard let stored = Kind(rawValue: raw) else {
                throw CLIError("\(path): the model kind \"\(raw)\" is not one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            resolved = stored
        } else {
            throw CLIError("\(path): no \"\(metadataKey)\" metadata says which model this is; pass --model mlp or --model cnn")
        }
        let model = make(resolved)
        try Checkpoint.load(from: url, into: model)
        return (model, resolved)
    }
}
