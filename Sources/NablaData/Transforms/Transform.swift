import Nabla

/// Where a transform is applied: which example, in which epoch. Random transforms seed their
/// generator from it, so an example's augmentation is the same on whatever worker thread reads it,
/// and changes from epoch to epoch.
public struct TransformContext: Sendable, Hashable {
    /// The example's index in the dataset being transformed.
    public var index: Int
    /// The loader's epoch (`DataLoaderContext.epoch`).
    public var epoch: Int

    /// The context of example `index` in `epoch`.
    public init(index: Int, epoch: Int = DataLoaderContext.epoch) {
        self.index = index
        self.epoch = epoch
    }

    /// A generator that depends only on `(seed, epoch, index)`.
    public func generator(seed: UInt64) -> SeededGenerator {
        var mixer = SplitMix64(state: seed)
        var state = mixer.next() ^ UInt64(truncatingIfNeeded: epoch) &* 0xD6E8_FEB8_6659_FD93
        mixer = SplitMix64(state: state)
        state = mixer.next() ^ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15
        return SeededGenerator(seed: state)
    }
}

/// A small, fast, deterministic random number generator (SplitMix64).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var base: SplitMix64

    /// A generator whose sequence depends only on `seed`.
    public init(seed: UInt64) { base = SplitMix64(state: seed) }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 { base.next() }

    /// A uniform integer in `0..<bound`.
    public mutating func next(below bound: Int) -> Int { Int(base.next(below: UInt64(bound))) }

    /// A uniform double in `[0, 1)`.
    public mutating func nextUnitDouble() -> Double { Double(base.next() >> 11) * 0x1p-53 }
}

/// A function applied to one tensor of an example (an image, a target): normalization, augmentation,
/// one-hot encoding. Wire transforms into a dataset with `Dataset.transformed(input:target:)`.
///
/// ```swift
/// struct Scale: Transform {
///     let factor: Double
///     func apply(_ x: Tensor, context: TransformContext) -> Tensor { x * factor }
/// }
/// ```
public protocol Transform: Sendable {
    /// `x` transformed; random transforms draw from `context.generator(seed:)`.
    func apply(_ x: Tensor, context: TransformContext) throws -> Tensor
}

extension Transform {
    /// `x` transformed as example 0 of the current epoch (handy outside a dataset).
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try apply(x, context: TransformContext(index: 0))
    }

    /// `x` transformed as example `index` of `epoch`.
    public func callAsFunction(_ x: Tensor, index: Int, epoch: Int) throws -> Tensor {
        try apply(x, context: TransformContext(index: index, epoch: epoch))
    }
}

/// Transforms applied one after the other (torchvision's `Compose`).
///
/// ```swift
/// let augment = Compose([RandomCrop(size: 28, padding: 4, seed: 1), RandomHorizontalFlip(seed: 2),
///                        Normalize(mean: [0.2860], std: [0.3530])])
/// ```
public struct Compose: Transform {
    /// The transforms, in the order they are applied.
    public let transforms: [any Transform]

    /// Applies `transforms` in order.
    public init(_ transforms: [any Transform]) { self.transforms = transforms }

    /// `x` passed through every transform.
    public func apply(_ x: Tensor, context: TransformContext) throws -> Tensor {
        try transforms.reduce(x) { try $1.apply($0, context: context) }
    }
}

/// Transforms written as a closure.
///
/// ```swift
/// let toFloat = LambdaTransform { x, _ in x.cast(to: .float32) / 255 }
/// ```
public struct LambdaTransform: Transform {
    private let body: @Sendable (Tensor, TransformContext) throws -> Tensor

    /// A transform that calls `body`.
    public init(_ body: @escaping @Sendable (Tensor, TransformContext) throws -> Tensor) { self.body = body }

    /// `body(x, context)`.
    public func apply(_ x: Tensor, context: TransformContext) throws -> Tensor { try body(x, context) }
}
