import CPNG
import XCTest
import Nabla
@testable import NablaBoard

/// PNG encoding (checked by decoding with libpng's simplified read API) and image tensors.
final class ImageTests: XCTestCase {
    private func roundTrip(_ format: PNGEncoder.PixelFormat, libpngFormat: UInt32, width: Int, height: Int) throws {
        let pixels = (0..<(width * height * format.channels)).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ 7) }
        let png = try PNGEncoder.encode(pixels, width: width, height: height, format: format)
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature")
        let decoded = try decodePNG(png, format: libpngFormat)
        XCTAssertEqual(decoded.width, width)
        XCTAssertEqual(decoded.height, height)
        XCTAssertEqual(decoded.pixels, pixels, "\(format)")
    }

    func testGrayRoundTrip() throws {
        try roundTrip(.gray, libpngFormat: UInt32(PNG_FORMAT_GRAY), width: 5, height: 3)
    }

    func testRGBRoundTrip() throws {
        try roundTrip(.rgb, libpngFormat: UInt32(PNG_FORMAT_RGB), width: 4, height: 7)
    }

    func testRGBARoundTrip() throws {
        try roundTrip(.rgba, libpngFormat: UInt32(PNG_FORMAT_RGB | PNG_FORMAT_FLAG_ALPHA), width: 3, height: 2)
    }

    func testEncoderRejectsMismatchedBuffer() {
        XCTAssertThrowsError(try PNGEncoder.encode([1, 2, 3], width: 2, height: 1, format: .rgb))
        XCTAssertThrowsError(try PNGEncoder.encode([], width: 0, height: 0, format: .gray))
    }

    func testCHWFloatTensorBecomesInterleavedRGB() throws {
        // 3×1×2 CHW: pixel 0 = (0, 0.5, 1), pixel 1 = (1, 0.25, -3 → 0).
        let image = Tensor(shape: [3, 1, 2], scalars: [Float(0), 1, 0.5, 0.25, 1, -3])
        let value = try SummaryWriter.imageValue(tag: "img", image, dataFormat: .chw)
        guard case let .image(summaryImage)? = value.kind else { return XCTFail("not an image: \(value)") }
        XCTAssertEqual(summaryImage.width, 2)
        XCTAssertEqual(summaryImage.height, 1)
        XCTAssertEqual(summaryImage.colorspace, 3)
        let decoded = try decodePNG(summaryImage.encodedImage, format: UInt32(PNG_FORMAT_RGB))
        XCTAssertEqual(decoded.pixels, [0, 128, 255, 255, 64, 0])
    }

    func testHWCUInt8AndHWGray() throws {
        let hwc = Tensor(shape: [1, 2, 4], scalars: [UInt8(1), 2, 3, 4, 5, 6, 7, 8])
        let rgba = try SummaryWriter.imageValue(tag: "a", hwc, dataFormat: .hwc)
        guard case let .image(a)? = rgba.kind else { return XCTFail() }
        XCTAssertEqual(a.colorspace, 4)
        XCTAssertEqual(try decodePNG(a.encodedImage, format: UInt32(PNG_FORMAT_RGB | PNG_FORMAT_FLAG_ALPHA)).pixels,
                       [1, 2, 3, 4, 5, 6, 7, 8])
        let gray = try SummaryWriter.imageValue(tag: "g", Tensor(shape: [2, 1], scalars: [0.0, 1.0]), dataFormat: .hw)
        guard case let .image(g)? = gray.kind else { return XCTFail() }
        XCTAssertEqual(g.colorspace, 1)
        XCTAssertEqual(try decodePNG(g.encodedImage, format: UInt32(PNG_FORMAT_GRAY)).pixels, [0, 255])
    }

    func testBadImagesThrowNamingTheTag() {
        func reason(_ image: Tensor, _ format: ImageDataFormat) -> String? {
            do {
                _ = try SummaryWriter.imageValue(tag: "bad", image, dataFormat: format)
                return nil
            } catch let BoardError.invalidImage(tag, reason) {
                XCTAssertEqual(tag, "bad")
                return reason
            } catch {
                return "unexpected \(error)"
            }
        }
        XCTAssertNotNil(reason(Tensor.zeros([5, 2, 2]), .chw), "5 channels")
        XCTAssertNotNil(reason(Tensor.zeros([2, 2]), .chw), "rank 2 for CHW")
        XCTAssertNotNil(reason(Tensor.zeros([3, 0, 2]), .chw), "empty")
        XCTAssertNotNil(reason(Tensor.zeros([2, 2, 3], dtype: .int32), .hwc), "int32")
        XCTAssertNil(reason(Tensor.zeros([2, 2, 3]), .hwc))
    }
}
