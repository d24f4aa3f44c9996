import Nabla

/// Normalizes each channel: `(x[c] - mean[c]) / std[c]` for an input `[C, …]` (torchvision's `Normalize`).
/// One mean and std apply to every channel. Integer inputs are cast to float32 first.
///
/// ```swift
/// let normalize = Normalize(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
/// let y = try normalize(image)          // image [3, H, W]
/// ```
public struct Normalize: Transform {
    /// The per-channel means.
    public let mean: [Double]
    /// The per-channel standard deviations.
    public let std: [Double]

    /// Normalizes with these per-channel statistics (traps when their counts differ, are zero, or a
    /// std is not positive: a programming error).
    public init(mean: [Double], std: [Double]) {
        precondition(!mean.isEmpty && mean.count == std.count, "Normalize: \(mean.count) means and \(std.count) stds")
        precondition(std.allSatisfy { $0 > 0 }, "Normalize: std must be positive, got \(std)")
        self.mean = mean
        self.std = std
    }

    /// `(x - mean) / std`, channel by channel along the first axis.
    /// - Throws: `DataLoaderError.invalidArgument` when `x` has no channel axis or a channel count
    ///   other than the statistics' (unless one mean and std are given).
    public func apply(_ x: Tensor, context: TransformContext) throws -> Tensor {
        let input = x.dtype.isFloatingPoint ? x : x.cast(to: .float32)
        guard mean.count == 1 || (input.rank >= 1 && input.shape[0] == mean.count) else {
            throw DataLoaderError.invalidArgument(name: "Normalize", reason: "input of shape \(x.shape) does not have \(mean.count) channels along its first axis")
        }
        if mean.count == 1 { return (input - mean[0]) / std[0] }
        let statsShape = [mean.count] + [Int](repeating: 1, count: input.rank - 1)
        let meanTensor = Tensor(shape: statsShape, scalars: mean).cast(to: input.dtype)
        let stdTensor = Tensor(shape: statsShape, scalars: std).cast(to: input.dtype)
        return (input - meanTensor) / stdTensor
    }
}
