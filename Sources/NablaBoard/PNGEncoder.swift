import CPNG

/// Encodes 8-bit pixels as PNG with libpng's simplified API (`png_image_write_to_memory`), which
/// reports errors in the `png_image` struct rather than with setjmp/longjmp.
public enum PNGEncoder {
    /// Interleaved 8-bit pixel layouts.
    public enum PixelFormat: Int, Sendable, CaseIterable {
        /// One channel.
        case gray = 1
        /// Gray and alpha.
        case grayAlpha = 2
        /// Red, green, blue.
        case rgb = 3
        /// Red, green, blue, alpha.
        case rgba = 4

        /// Channels per pixel.
        public var channels: Int { rawValue }

        /// The `Summary.Image.colorspace` TensorBoard expects (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA).
        public var colorspace: Int32 { Int32(rawValue) }

        /// The pixel format with `channels` channels, if there is one.
        public init?(channels: Int) {
            self.init(rawValue: channels)
        }

        var libpngFormat: UInt32 {
            switch self {
            case .gray: return UInt32(PNG_FORMAT_GRAY)
            case .grayAlpha: return UInt32(PNG_FORMAT_GA)
            case .rgb: return UInt32(PNG_FORMAT_RGB)
            case .rgba: return UInt32(PNG_FORMAT_RGB | PNG_FORMAT_FLAG_ALPHA)
            }
        }
    }

    /// The PNG file bytes for `pixels`, row-major and interleaved (`height * width * channels` bytes).
    ///
    /// ```swift
    /// let png = try PNGEncoder.encode([255, 0, 0,  0, 255, 0], width: 2, height: 1, format: .rgb)
    /// ```
    ///
    /// - Throws: `BoardError.pngEncodingFailed` for a bad size or a libpng error (with libpng's message).
    public static func encode(_ pixels: [UInt8], width: Int, height: Int, format: PixelFormat) throws -> [UInt8] {
        guard width > 0, height > 0, width <= Int(Int32.max) / format.channels, height <= Int(Int32.max) else {
            throw BoardError.pngEncodingFailed(reason: "unsupported image size \(width)×\(height)")
        }
        let (rowBytes, overflow) = width.multipliedReportingOverflow(by: format.channels)
        guard !overflow, pixels.count == rowBytes * height else {
            throw BoardError.pngEncodingFailed(
                reason: "\(pixels.count) bytes given for a \(width)×\(height) image with \(format.channels) channels")
        }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = format.libpngFormat
        return try pixels.withUnsafeBytes { buffer -> [UInt8] in
            // First call: ask for the size; second: encode into a buffer of that size.
            var size = 0
            guard png_image_write_to_memory(&image, nil, &size, 0, buffer.baseAddress, Int32(rowBytes), nil) != 0 else {
                throw BoardError.pngEncodingFailed(reason: message(of: &image))
            }
            var output = [UInt8](repeating: 0, count: size)
            let ok = output.withUnsafeMutableBytes { out in
                png_image_write_to_memory(&image, out.baseAddress, &size, 0, buffer.baseAddress, Int32(rowBytes), nil)
            }
            guard ok != 0 else { throw BoardError.pngEncodingFailed(reason: message(of: &image)) }
            return Array(output.prefix(size))
        }
    }

    /// libpng's message from a failed simplified-API call; frees the image's internal state.
    private static func message(of image: inout png_image) -> String {
        let text = withUnsafeBytes(of: image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        png_image_free(&image)
        return text.isEmpty ? "libpng error \(image.warning_or_error)" : text
    }
}
