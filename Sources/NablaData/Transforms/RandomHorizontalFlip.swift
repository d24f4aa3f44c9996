import Nabla

/// Mirrors an image `[…, W]` left to right with probability `p` (torchvision's `RandomHorizontalFlip`);
/// whether an example is flipped depends only on `(seed, epoch, example index)`.
///
/// ```swift
/// let flip = RandomHorizontalFlip(p: 0.5, seed: 0)
/// ```
public struct RandomHorizontalFlip: Transform {
    /// The probability of flipping.
    public let p: Double
    /// The seed mixed with the epoch and example index.
    public let seed: UInt64

    /// Flips with probability `p` (traps when `p` is outside 0...1).
    public init(p: Double = 0.5, seed: UInt64 = 0) {
        precondition(p >= 0 && p <= 1, "RandomHorizontalFlip: p must be in 0...1, got \(p)")
        self.p = p
        self.seed = seed
    }

    /// Whether the example in `context` is flipped.
    public func flips(_ context: TransformContext) -> Bool {
        var random = context.generator(seed: seed ^ 0x4846_4C49_5000_0000)   // "HFLIP"
        return random.nextUnitDouble() < p
    }

    /// `x` with its last axis reversed, or `x` unchanged.
    /// - Throws: `DataLoaderError.invalidArgument` for a scalar.
    public func apply(_ x: Tensor, context: TransformContext) throws -> Tensor {
        guard x.rank >= 1 else {
            throw DataLoaderError.invalidArgument(name: "RandomHorizontalFlip", reason: "input is a scalar; it needs a width axis")
        }
        return flips(context) ? x.flipped([x.rank - 1]) : x
    }
}
