import CPNG
import Foundation
import XCTest
@testable import NablaBoard

/// A protobuf field read back by `ProtobufFields.parse` (tests only: checks what the writer wrote).
enum ProtobufField: Equatable {
    case varint(UInt64)
    case fixed64(UInt64)
    case bytes([UInt8])
    case fixed32(UInt32)

    var bytesValue: [UInt8]? { if case let .bytes(b) = self { return b } else { return nil } }
    var doubleValue: Double? { if case let .fixed64(b) = self { return Double(bitPattern: b) } else { return nil } }
    var floatValue: Float? { if case let .fixed32(b) = self { return Float(bitPattern: b) } else { return nil } }
    var varintValue: UInt64? { if case let .varint(v) = self { return v } else { return nil } }
}

enum ProtobufFields {
    struct Malformed: Error {}

    /// The (field number, value) pairs of a message, in order.
    static func parse(_ bytes: [UInt8]) throws -> [(Int, ProtobufField)] {
        var fields: [(Int, ProtobufField)] = []
        var i = 0
        func varint() throws -> UInt64 {
            var result: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < bytes.count, shift < 64 else { throw Malformed() }
                let b = bytes[i]; i += 1
                result |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return result }
                shift += 7
            }
        }
        func fixed(_ n: Int) throws -> UInt64 {
            guard i + n <= bytes.count else { throw Malformed() }
            var v: UInt64 = 0
            for k in 0..<n { v |= UInt64(bytes[i + k]) << (8 * UInt64(k)) }
            i += n
            return v
        }
        while i < bytes.count {
            let key = try varint()
            let field = Int(key >> 3)
            switch key & 7 {
            case 0: fields.append((field, .varint(try varint())))
            case 1: fields.append((field, .fixed64(try fixed(8))))
            case 2:
                let n = Int(try varint())
                guard n >= 0, i + n <= bytes.count else { throw Malformed() }
                fields.append((field, .bytes(Array(bytes[i..<i + n]))))
                i += n
            case 5: fields.append((field, .fixed32(UInt32(try fixed(4)))))
            default: throw Malformed()
            }
        }
        return fields
    }

    static func first(_ field: Int, in bytes: [UInt8]) throws -> ProtobufField? {
        try parse(bytes).first { $0.0 == field }?.1
    }
}

/// Decodes PNG bytes with libpng's simplified read API into 8-bit pixels of `format`.
func decodePNG(_ png: [UInt8], format: UInt32) throws -> (width: Int, height: Int, pixels: [UInt8]) {
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    let begun = png.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
    guard begun != 0 else { throw BoardError.pngEncodingFailed(reason: "decode: begin_read failed") }
    image.format = format
    let channels = Int(format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0 ? 3 : 1) + Int(format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0 ? 1 : 0)
    var pixels = [UInt8](repeating: 0, count: Int(image.width) * Int(image.height) * channels)
    let finished = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
    guard finished != 0 else {
        png_image_free(&image)
        throw BoardError.pngEncodingFailed(reason: "decode: finish_read failed")
    }
    return (Int(image.width), Int(image.height), pixels)
}

/// A fresh temporary directory, removed when the test ends.
func makeBoardTemporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-board-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Hex string of bytes, for readable failures.
func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

/// Bytes from a hex string (tests' literals only).
func bytes(hex: String) -> [UInt8] {
    let chars = Array(hex.filter { !$0.isWhitespace })
    return stride(from: 0, to: chars.count, by: 2).map { UInt8(String(chars[$0...$0 + 1]), radix: 16) ?? 0 }
}

/// The records of the single event file in `directory`, decoded with both CRCs checked.
func readEventRecords(in directory: URL) throws -> (URL, [[UInt8]]) {
    let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
        .filter { $0.lastPathComponent.contains("tfevents") }
    XCTAssertEqual(files.count, 1, "event files in \(directory.path): \(files)")
    let file = try XCTUnwrap(files.first)
    return (file, try TFRecord.parse(Array(try Data(contentsOf: file))))
}
