import Nabla

/// Merges the axes `startDim...endDim` into one (PyTorch's `nn.Flatten`); by default every axis but
/// the batch axis, turning [N, C, H, W] into [N, C·H·W].
///
/// ```swift
/// let head = Sequential(Flatten(), Linear(1600, 10))
/// ```
public final class Flatten: Module, Layer {
    /// The first axis merged.
    public let startDim: Int
    /// The last axis merged (negative counts from the end).
    public let endDim: Int

    /// Flattening of the axes `startDim...endDim`.
    public init(startDim: Int = 1, endDim: Int = -1) {
        (self.startDim, self.endDim) = (startDim, endDim)
        super.init()
    }

    /// `input` with the axes merged (a view when the strides allow).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        reportOutput(input.flattened(from: startDim, to: endDim))
    }
}

/// Splits axis `dim` into `unflattenedSize` (PyTorch's `nn.Unflatten`); one size may be -1 (inferred).
///
/// ```swift
/// let toImage = Unflatten(dim: 1, unflattenedSize: [1, 28, 28])   // [N, 784] → [N, 1, 28, 28]
/// ```
public final class Unflatten: Module, Layer {
    /// The axis split (negative counts from the end).
    public let dim: Int
    /// The sizes it is split into.
    public let unflattenedSize: [Int]

    /// Splitting of axis `dim` into `unflattenedSize`.
    public init(dim: Int, unflattenedSize: [Int]) {
        precondition(!unflattenedSize.isEmpty && unflattenedSize.filter({ $0 == -1 }).count <= 1,
                     "Unflatten: sizes \(unflattenedSize) must be non-empty with at most one -1")
        (self.dim, self.unflattenedSize) = (dim, unflattenedSize)
        super.init()
    }

    /// `input` with axis `dim` split.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let d = dim < 0 ? dim + input.rank : dim
        precondition(d >= 0 && d < input.rank, "Unflatten: dim \(dim) is out of range for shape \(input.shape)")
        var sizes = unflattenedSize
        if let inferred = sizes.firstIndex(of: -1) {
            let known = sizes.filter { $0 != -1 }.reduce(1, *)
            precondition(known > 0 && input.shape[d] % known == 0, "Unflatten: cannot split axis \(dim) of shape \(input.shape) into \(unflattenedSize)")
            sizes[inferred] = input.shape[d] / known
        }
        precondition(sizes.reduce(1, *) == input.shape[d], "Unflatten: sizes \(unflattenedSize) do not multiply to axis \(dim) of shape \(input.shape)")
        return reportOutput(input.reshaped(Array(input.shape[..<d]) + sizes + Array(input.shape[(d + 1)...])))
    }
}
