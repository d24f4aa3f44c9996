import Nabla

/// A dataset of `(input, target)` examples whose input and target pass through transforms as each
/// example is read. Each transform sees the example's index and the loader's epoch
/// (`DataLoaderContext.epoch`), so random augmentations are reproducible whatever thread reads them.
///
/// ```swift
/// let train = mnist.transformed(input: Compose([RandomCrop(size: 28, padding: 2, seed: 0), Normalize(mean: [0.5], std: [0.5])]),
///                               target: OneHot(classCount: 10))
/// ```
public struct TransformedDataset<Base: Dataset>: Dataset where Base.Element == (Tensor, Tensor) {
    /// The dataset whose examples are transformed.
    public let base: Base
    /// Applied to each input, if any.
    public let inputTransform: (any Transform)?
    /// Applied to each target, if any.
    public let targetTransform: (any Transform)?

    /// `base` with `input` applied to inputs and `target` to targets.
    public init(_ base: Base, input: (any Transform)? = nil, target: (any Transform)? = nil) {
        self.base = base
        inputTransform = input
        targetTransform = target
    }

    /// The number of examples (that of `base`).
    public var count: Int { base.count }

    /// Example `index` of `base`, transformed in the context `(index, DataLoaderContext.epoch)`.
    public func element(at index: Int) throws -> (Tensor, Tensor) {
        let (input, target) = try base.element(at: index)
        let context = TransformContext(index: index, epoch: DataLoaderContext.epoch)
        return (try inputTransform?.apply(input, context: context) ?? input,
                try targetTransform?.apply(target, context: context) ?? target)
    }
}

extension Dataset where Element == (Tensor, Tensor) {
    /// This dataset with `input` applied to every input and `target` to every target, lazily.
    public func transformed(input: (any Transform)? = nil, target: (any Transform)? = nil) -> TransformedDataset<Self> {
        TransformedDataset(self, input: input, target: target)
    }
}
