import Nabla

/// Crops a random `height x width` window from the last two axes of an image `[…, H, W]`, after
/// padding each side with `padding` zeros (torchvision's `RandomCrop`). The window depends only on
/// `(seed, epoch, example index)`.
///
/// ```swift
/// let crop = RandomCrop(size: 28, padding: 4, seed: 0)      // the CIFAR/MNIST augmentation
/// ```
public struct RandomCrop: Transform {
    /// The crop's height.
    public let height: Int
    /// The crop's width.
    public let width: Int
    /// Zeros added on every side before cropping.
    public let padding: Int
    /// The seed mixed with the epoch and example index.
    public let seed: UInt64

    /// Square `size x size` crops.
    public init(size: Int, padding: Int = 0, seed: UInt64 = 0) {
        self.init(height: size, width: size, padding: padding, seed: seed)
    }

    /// `height x width` crops (traps when a size is not positive or the padding is negative).
    public init(height: Int, width: Int, padding: Int = 0, seed: UInt64 = 0) {
        precondition(height > 0 && width > 0 && padding >= 0, "RandomCrop: size \(height)x\(width), padding \(padding)")
        self.height = height
        self.width = width
        self.padding = padding
        self.seed = seed
    }

    /// The top-left corner of the window in the padded image of `paddedHeight x paddedWidth`.
    public func origin(paddedHeight: Int, paddedWidth: Int, context: TransformContext) -> (top: Int, left: Int) {
        var random = context.generator(seed: seed ^ 0x5243_524F_5000_0000)   // "RCROP"
        let top = random.next(below: paddedHeight - height + 1)
        let left = random.next(below: paddedWidth - width + 1)
        return (top, left)
    }

    /// The cropped window of `x`.
    /// - Throws: `DataLoaderError.invalidArgument` when `x` has fewer than two axes or the padded
    ///   image is smaller than the crop.
    public func apply(_ x: Tensor, context: TransformContext) throws -> Tensor {
        guard x.rank >= 2 else {
            throw DataLoaderError.invalidArgument(name: "RandomCrop", reason: "input of shape \(x.shape) needs [..., H, W]")
        }
        let rows = x.rank - 2, cols = x.rank - 1
        let paddedHeight = x.shape[rows] + 2 * padding, paddedWidth = x.shape[cols] + 2 * padding
        guard paddedHeight >= height && paddedWidth >= width else {
            throw DataLoaderError.invalidArgument(
                name: "RandomCrop", reason: "a \(height)x\(width) crop does not fit input \(x.shape) padded by \(padding)")
        }
        var widths = [Int](repeating: 0, count: x.rank)
        widths[rows] = padding
        widths[cols] = padding
        let padded = x.padded(before: widths, after: widths)
        let (top, left) = origin(paddedHeight: paddedHeight, paddedWidth: paddedWidth, context: context)
        return padded.slice(axis: rows, start: top, end: top + height)
            .slice(axis: cols, start: left, end: left + width)
            .contiguous()
    }
}
