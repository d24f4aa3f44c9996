import Foundation
import Nabla

/// The axis order of an image tensor given to `SummaryWriter.addImage`.
public enum ImageDataFormat: String, Sendable, CaseIterable {
    /// Channels, height, width (PyTorch's default).
    case chw = "CHW"
    /// Height, width, channels.
    case hwc = "HWC"
    /// Height, width: one gray channel.
    case hw = "HW"
}

extension SummaryWriter {
    /// Logs an image, stored as PNG.
    ///
    /// Floating-point images hold values in [0, 1] (scaled by 255, rounded, clamped; NaN becomes 0);
    /// `uint8` images are used as they are. 1, 2, 3 or 4 channels are gray, gray+alpha, RGB and RGBA.
    ///
    /// ```swift
    /// try writer.addImage("samples/0", Tensor.rand([3, 28, 28]), step: 0)           // CHW
    /// try writer.addImage("mask", mask, step: 0, dataFormat: .hw)
    /// ```
    ///
    /// - Throws: `BoardError.invalidImage` when the rank does not match `dataFormat`, the channel
    ///   count is not 1…4, a side is zero, or the dtype is neither floating-point nor `uint8`.
    public func addImage(_ tag: String, _ image: Tensor, step: Int, dataFormat: ImageDataFormat = .chw,
                         wallTime: Date? = nil) throws {
        let value = try Self.imageValue(tag: tag, image, dataFormat: dataFormat)
        try addSummary(Summary(values: [value]), step: step, wallTime: wallTime)
    }

    /// The `Summary.Value` holding `image` as a PNG.
    static func imageValue(tag: String, _ image: Tensor, dataFormat: ImageDataFormat) throws -> Summary.Value {
        let shape = image.shape
        let expectedRank = dataFormat == .hw ? 2 : 3
        guard shape.count == expectedRank else {
            throw BoardError.invalidImage(
                tag: tag, reason: "expected a rank-\(expectedRank) \(dataFormat.rawValue) tensor, got shape \(shape)")
        }
        let (channels, height, width): (Int, Int, Int)
        switch dataFormat {
        case .chw: (channels, height, width) = (shape[0], shape[1], shape[2])
        case .hwc: (channels, height, width) = (shape[2], shape[0], shape[1])
        case .hw: (channels, height, width) = (1, shape[0], shape[1])
        }
        guard let format = PNGEncoder.PixelFormat(channels: channels) else {
            throw BoardError.invalidImage(
                tag: tag, reason: "\(channels) channels in shape \(shape) (\(dataFormat.rawValue)); expected 1, 2, 3 or 4")
        }
        guard height > 0, width > 0 else {
            throw BoardError.invalidImage(tag: tag, reason: "empty image of shape \(shape)")
        }
        guard height <= Int(Int32.max), width <= Int(Int32.max) else {
            throw BoardError.invalidImage(tag: tag, reason: "image of shape \(shape) is too large for PNG")
        }
        let bytes: [UInt8]
        switch image.dtype {
        case .uint8:
            bytes = image.toArray(as: UInt8.self)
        case let dtype where dtype.isFloatingPoint:
            bytes = image.toArray(as: Double.self).map { v in
                v.isNaN ? 0 : UInt8((min(max(v, 0), 1) * 255).rounded())
            }
        default:
            throw BoardError.invalidImage(
                tag: tag, reason: "dtype \(image.dtype) is not supported; use a floating-point tensor in [0, 1] or uint8")
        }
        let pixels: [UInt8]
        if dataFormat == .chw && channels > 1 {
            let plane = height * width
            var interleaved = [UInt8](repeating: 0, count: bytes.count)
            for c in 0..<channels {
                for p in 0..<plane { interleaved[p * channels + c] = bytes[c * plane + p] }
            }
            pixels = interleaved
        } else {
            pixels = bytes
        }
        let png = try PNGEncoder.encode(pixels, width: width, height: height, format: format)
        let summaryImage = Summary.Image(height: Int32(height), width: Int32(width), colorspace: format.colorspace,
                                         encodedImage: png)
        return Summary.Value(tag: tag, kind: .image(summaryImage))
    }
}
