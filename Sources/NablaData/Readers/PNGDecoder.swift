import CPNG
import Foundation
import Nabla

/// The channels an image is decoded to.
public enum ImageChannels: Sendable, Hashable {
    /// As stored: gray → 1 channel, gray + alpha → 2, RGB (and palette) → 3, RGBA (or a palette with
    /// transparency) → 4.
    case asStored
    /// One gray channel (color is converted by libpng; alpha is composited onto black).
    case gray
    /// Red, green, blue (gray is replicated; alpha is composited onto black).
    case rgb
    /// Red, green, blue, alpha (opaque images get alpha 1).
    case rgba
}

/// Decodes PNG files with libpng's simplified API (`png_image_*`), which reports errors in the image
/// struct instead of by `longjmp`.
public enum PNGDecoder {
    /// The PNG file at `path` as float32 `[C, H, W]` with values in `[0, 1]` (8 bits per channel; 16-bit
    /// files are reduced to 8 bits by libpng).
    /// - Throws: `DataFileError.badImage` naming the file with libpng's message.
    public static func decode(file path: String, channels: ImageChannels = .asStored) throws -> Tensor {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            throw DataFileError.badImage(file: path, reason: message(of: &image))
        }
        let storedColor = image.format & png_uint_32(PNG_FORMAT_FLAG_COLOR) != 0
        let storedAlpha = image.format & png_uint_32(PNG_FORMAT_FLAG_ALPHA) != 0
        let (color, alpha): (Bool, Bool)
        switch channels {
        case .asStored: (color, alpha) = (storedColor, storedAlpha)
        case .gray: (color, alpha) = (false, false)
        case .rgb: (color, alpha) = (true, false)
        case .rgba: (color, alpha) = (true, true)
        }
        image.format = (color ? png_uint_32(PNG_FORMAT_FLAG_COLOR) : 0) | (alpha ? png_uint_32(PNG_FORMAT_FLAG_ALPHA) : 0)
        let channelCount = (color ? 3 : 1) + (alpha ? 1 : 0)
        let width = Int(image.width), height = Int(image.height)
        let (pixelCount, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixelCount <= 1 << 28 else {
            png_image_free(&image)
            throw DataFileError.badImage(file: path, reason: "\(width) x \(height) pixels is too large")
        }
        var pixels = [UInt8](repeating: 0, count: pixelCount * channelCount)
        let ok = pixels.withUnsafeMutableBytes { buffer in
            png_image_finish_read(&image, nil, buffer.baseAddress, 0, nil)
        }
        guard ok != 0 else {
            // libpng frees the image's memory itself when a read fails.
            throw DataFileError.badImage(file: path, reason: message(of: &image))
        }
        // Interleaved HWC bytes → planar CHW floats.
        var planar = [Float](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { source in
            planar.withUnsafeMutableBufferPointer { target in
                for c in 0..<channelCount {
                    let plane = c * pixelCount
                    for p in 0..<pixelCount { target[plane + p] = Float(source[p * channelCount + c]) / 255 }
                }
            }
        }
        return Tensor(shape: [channelCount, height, width], scalars: planar)
    }

    /// libpng's message from the image struct's `message` buffer.
    private static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return bytes.isEmpty ? "unknown libpng error" : String(decoding: bytes, as: UTF8.self)
        }
    }
}
