import XCTest
@testable import NablaBoard

/// CRC-32C, its TFRecord mask, and the byte-exact golden records of the reference (§3.6).
final class CRC32CAndRecordTests: XCTestCase {
    func testCRC32CCheckValue() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
        // RFC 3720 (iSCSI) test vectors: 32 bytes of zeros, of 0xFF, and 0...31.
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
    }

    func testSlicingMatchesBytewiseOnEveryLengthAndAlignment() {
        let data = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        func bytewise(_ bytes: ArraySlice<UInt8>) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for b in bytes {
                crc ^= UInt32(b)
                for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            }
            return ~crc
        }
        for start in 0..<9 {
            for end in start...data.count {
                XCTAssertEqual(CRC32C.checksum(data[start..<end]), bytewise(data[start..<end]), "\(start)..<\(end)")
            }
        }
    }

    func testMask() {
        let crc: UInt32 = 0xE306_9283
        XCTAssertEqual(CRC32C.mask(crc), ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
        XCTAssertEqual(CRC32C.mask(0), 0xA282_EAD8)
    }

    func testGoldenFileVersionRecord() {
        let event = Event.fileVersion(wallTime: 1_700_000_000)
        let data = event.serializedBytes()
        XCTAssertEqual(hex(data), "0900000040fc54d9411a0d627261696e2e4576656e743a32")
        XCTAssertEqual(hex(TFRecord.frame(data)), "1800000000000000" + "a37f4b22" + hex(data) + "eced8f9d")
    }

    func testGoldenScalarRecord() {
        let event = Event(wallTime: 1_700_000_000, step: 1,
                          what: .summary(Summary(values: [.init(tag: "loss", simpleValue: 0.5)])))
        let data = event.serializedBytes()
        XCTAssertEqual(hex(data), "0900000040fc54d94110012a0d0a0b0a046c6f7373150000003f")
        XCTAssertEqual(hex(TFRecord.frame(data)), "1a00000000000000" + "129bd82d" + hex(data) + "8db02e39")
    }

    func testParseReadsFramesBackAndRejectsCorruption() throws {
        let a = Event.fileVersion(wallTime: 1_700_000_000).serializedBytes()
        let b = Event(wallTime: 1, step: 2).serializedBytes()
        let stream = TFRecord.frame(a) + TFRecord.frame(b)
        XCTAssertEqual(try TFRecord.parse(stream), [a, b])

        var badLength = stream
        badLength[9] ^= 1
        XCTAssertThrowsError(try TFRecord.parse(badLength)) { XCTAssertTrue("\($0)".contains("length CRC"), "\($0)") }
        var badData = stream
        badData[14] ^= 0x40
        XCTAssertThrowsError(try TFRecord.parse(badData)) { XCTAssertTrue("\($0)".contains("data CRC"), "\($0)") }
        XCTAssertThrowsError(try TFRecord.parse(Array(stream.dropLast())))
    }
}
