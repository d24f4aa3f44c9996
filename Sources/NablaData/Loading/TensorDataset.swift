import Nabla

/// Examples held in memory as tensors whose first axis indexes the examples (PyTorch's `TensorDataset`).
///
/// A `DataLoader` over a `TensorDataset` gathers each batch with one `indexSelect` per tensor instead
/// of slicing and stacking examples one by one.
///
/// ```swift
/// let data = try TensorDataset(images, labels)       // images [N, 1, 28, 28], labels [N]
/// let (x, y) = try data[0]                             // [1, 28, 28], []
/// ```
public struct TensorDataset: Dataset {
    /// The input tensor (`[N, …]`).
    public let inputs: Tensor
    /// The target tensor (`[N, …]`).
    public let targets: Tensor

    /// Pairs `inputs[i]` with `targets[i]`.
    /// - Throws: `DataLoaderError.invalidArgument` when the first dimensions differ or a tensor is a scalar.
    public init(_ inputs: Tensor, _ targets: Tensor) throws {
        guard inputs.rank > 0, targets.rank > 0 else {
            throw DataLoaderError.invalidArgument(name: "TensorDataset", reason: "inputs and targets need a first (example) axis; got shapes \(inputs.shape) and \(targets.shape)")
        }
        guard inputs.shape[0] == targets.shape[0] else {
            throw DataLoaderError.invalidArgument(name: "TensorDataset", reason: "inputs have \(inputs.shape[0]) examples (shape \(inputs.shape)) but targets have \(targets.shape[0]) (shape \(targets.shape))")
        }
        self.inputs = inputs
        self.targets = targets
    }

    /// The number of examples.
    public var count: Int { inputs.shape[0] }

    /// `(inputs[index], targets[index])`.
    public func element(at index: Int) throws -> (Tensor, Tensor) {
        guard index >= 0 && index < count else {
            throw DataLoaderError.indexOutOfRange(index: index, count: count, dataset: "TensorDataset")
        }
        return (inputs.slice(axis: 0, start: index, end: index + 1).squeezed(axis: 0),
                targets.slice(axis: 0, start: index, end: index + 1).squeezed(axis: 0))
    }

    /// The examples at `indices` already batched: `(inputs[indices], targets[indices])`.
    public func batch(at indices: [Int]) throws -> (Tensor, Tensor) {
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            throw DataLoaderError.indexOutOfRange(index: bad, count: count, dataset: "TensorDataset")
        }
        let index = Tensor(indices.map(Int64.init))
        return (inputs.indexSelect(axis: 0, index: index), targets.indexSelect(axis: 0, index: index))
    }
}
