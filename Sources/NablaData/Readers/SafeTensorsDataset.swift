import Foundation
import Nabla
import NablaCheckpoint

/// Examples stored in a safetensors file as two tensors whose first axis indexes the examples,
/// an input tensor and a target tensor (a `TensorDataset` read from disk).
///
/// ```swift
/// // Python: safetensors.torch.save_file({"x": x, "y": y}, "train.safetensors")
/// let data = try SafeTensorsDataset(URL(fileURLWithPath: "train.safetensors"), inputKey: "x", targetKey: "y")
/// let loader = DataLoader(data.tensorDataset, batchSize: 32, shuffle: true)
/// ```
public struct SafeTensorsDataset: Dataset {
    /// The examples.
    public let tensorDataset: TensorDataset
    /// The file's metadata (`__metadata__`).
    public let metadata: [String: String]

    /// Reads the tensors `inputKey` and `targetKey` of the file at `url` (memory-mapped).
    /// - Throws: `CheckpointError` for a bad file; `DataFileError.missingKey` naming the file and the
    ///   tensors it has when a key is absent; `DataFileError.badLayout` when the tensors' first
    ///   dimensions differ or one is a scalar.
    public init(_ url: URL, inputKey: String, targetKey: String) throws {
        let contents = try SafeTensors.read(from: url)
        guard let inputs = contents[inputKey] else {
            throw DataFileError.missingKey(file: url.path, key: inputKey, available: contents.names.sorted())
        }
        guard let targets = contents[targetKey] else {
            throw DataFileError.missingKey(file: url.path, key: targetKey, available: contents.names.sorted())
        }
        do {
            tensorDataset = try TensorDataset(inputs, targets)
        } catch let error as DataLoaderError {
            throw DataFileError.badLayout(path: url.path, reason: "tensors \"\(inputKey)\" and \"\(targetKey)\": \(error)")
        }
        metadata = contents.metadata
    }

    /// The number of examples.
    public var count: Int { tensorDataset.count }

    /// `(inputs[index], targets[index])`.
    public func element(at index: Int) throws -> (Tensor, Tensor) { try tensorDataset.element(at: index) }

    /// The examples at `indices`, batched with one `indexSelect` per tensor.
    public func batch(at indices: [Int]) throws -> (Tensor, Tensor) { try tensorDataset.batch(at: indices) }
}
