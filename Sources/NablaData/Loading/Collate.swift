import Nabla

/// The default ways of turning a list of examples into one batch (PyTorch's `default_collate`).
public enum Collate {
    /// Stacks equally shaped tensors along a new first axis.
    /// - Throws: `DataLoaderError.cannotCollate` naming the first example whose shape differs.
    public static func stack(_ tensors: [Tensor]) throws -> Tensor {
        guard let first = tensors.first else { throw DataLoaderError.cannotCollate(reason: "the batch is empty") }
        if let bad = tensors.firstIndex(where: { $0.shape != first.shape }) {
            throw DataLoaderError.cannotCollate(reason: "example \(bad) of the batch has shape \(tensors[bad].shape), example 0 has \(first.shape)")
        }
        if let bad = tensors.firstIndex(where: { $0.dtype != first.dtype }) {
            throw DataLoaderError.cannotCollate(reason: "example \(bad) of the batch is \(tensors[bad].dtype), example 0 is \(first.dtype)")
        }
        return Nabla.stack(tensors, axis: 0)
    }

    /// Stacks the inputs and the targets of `(input, target)` pairs separately.
    public static func pairs(_ examples: [(Tensor, Tensor)]) throws -> (Tensor, Tensor) {
        (try stack(examples.map(\.0)), try stack(examples.map(\.1)))
    }
}
