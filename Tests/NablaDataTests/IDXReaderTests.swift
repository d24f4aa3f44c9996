import Foundation
import XCTest
import Nabla
import NablaData
import CZlib

/// IDX files written by the test (plain and gzip) read back exactly; every bad file gives a
/// `DatasetError` naming the file and what is wrong.
final class IDXReaderTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-idx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// IDX bytes by hand: magic, big-endian dimensions, data.
    private func idx(type: UInt8, shape: [Int], data: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, type, UInt8(shape.count)]
        for d in shape { bytes += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
        return bytes + data
    }

    private func write(_ bytes: [UInt8], _ name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// The `DatasetError` `body` throws (failing the test when it throws nothing or something else).
    private func datasetError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> DatasetError? {
        do {
            try body()
            XCTFail("expected a DatasetError", file: file, line: line)
        } catch let error as DatasetError {
            return error
        } catch {
            XCTFail("expected a DatasetError, got \(error)", file: file, line: line)
        }
        return nil
    }

    func testHandWrittenImagesAndLabelsReadExactly() throws {
        let pixels = (0..<24).map { UInt8($0 * 10) }
        let images = try write(idx(type: 0x08, shape: [2, 3, 4], data: pixels), "images-idx3-ubyte")
        let t = try IDXReader.read(from: images, expectingMagic: IDXReader.imagesMagic)
        XCTAssertEqual(t.dtype, .uint8)
        XCTAssertEqual(t.shape, [2, 3, 4])
        XCTAssertEqual(t.toArray(as: UInt8.self), pixels)

        let labels = try write(idx(type: 0x08, shape: [3], data: [9, 0, 4]), "labels-idx1-ubyte")
        XCTAssertEqual(try IDXReader.read(from: labels, expectingMagic: IDXReader.labelsMagic).toArray(as: UInt8.self), [9, 0, 4])
    }

    func testBigEndianElementTypes() throws {
        // int16 -300 and 2, int32 -2 and 70000, float32 1.5, float64 -0.25, int8 -3.
        let i16 = try IDXReader.read(from: write(idx(type: 0x0B, shape: [2], data: [0xFE, 0xD4, 0x00, 0x02]), "i16"))
        XCTAssertEqual(i16.dtype, .int32)
        XCTAssertEqual(i16.toArray(as: Int32.self), [-300, 2])
        let i32 = try IDXReader.read(from: write(idx(type: 0x0C, shape: [2], data: [0xFF, 0xFF, 0xFF, 0xFE, 0, 1, 0x11, 0x70]), "i32"))
        XCTAssertEqual(i32.toArray(as: Int32.self), [-2, 70000])
        let f32 = try IDXReader.read(from: write(idx(type: 0x0D, shape: [1, 1], data: [0x3F, 0xC0, 0, 0]), "f32"))
        XCTAssertEqual(f32.dtype, .float32)
        XCTAssertEqual(f32.shape, [1, 1])
        XCTAssertEqual(f32.scalars, [1.5])
        let f64 = try IDXReader.read(from: write(idx(type: 0x0E, shape: [1], data: [0xBF, 0xD0, 0, 0, 0, 0, 0, 0]), "f64"))
        XCTAssertEqual(f64.toArray(as: Double.self), [-0.25])
        let i8 = try IDXReader.read(from: write(idx(type: 0x09, shape: [1], data: [0xFD]), "i8"))
        XCTAssertEqual(i8.toArray(as: Int8.self), [-3])
    }

    func testWriterRoundTripsPlainAndGzip() throws {
        let cases: [Tensor] = [
            Tensor(shape: [3, 2, 2], scalars: (0..<12).map { UInt8($0 * 21) }),
            Tensor(shape: [4], scalars: [-1, 0, 1, 1 << 30] as [Int32]),
            Tensor(shape: [2, 2], scalars: [1.5, -2, .infinity, 0] as [Float]),
            Tensor(shape: [2], scalars: [.pi, -1e300]),
            Tensor(shape: [3], scalars: [-128, 0, 127] as [Int8]),
        ]
        for (i, t) in cases.enumerated() {
            for compressed in [false, true] {
                let url = directory.appendingPathComponent("case\(i)" + (compressed ? ".gz" : ""))
                try IDXWriter.write(t, to: url, compressed: compressed)
                let bytes = try Data(contentsOf: url)
                XCTAssertEqual(bytes.prefix(2) == Data([0x1F, 0x8B]), compressed, "gzip magic only when compressed")
                let back = try IDXReader.read(from: url)
                XCTAssertEqual(back.dtype, t.dtype)
                XCTAssertEqual(back.shape, t.shape)
                XCTAssertEqual(back.scalars, t.scalars, "case \(i) compressed: \(compressed)")
            }
        }
    }

    func testBadMagicNumbers() throws {
        let notIDX = try write([0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0], "archive.zip")
        let e1 = datasetError { _ = try IDXReader.read(from: notIDX) }
        guard case .badMagic(notIDX.path, 0x504B_0304, _)? = e1 else { return XCTFail("got \(String(describing: e1))") }
        XCTAssertTrue(e1!.description.contains(notIDX.path) && e1!.description.contains("not an IDX file"), e1!.description)

        let unknownType = try write(idx(type: 0x0A, shape: [1], data: [0]), "type")
        let e2 = datasetError { _ = try IDXReader.read(from: unknownType) }
        XCTAssertTrue(e2?.description.contains("unknown element type 0xa") == true, String(describing: e2))

        // A labels file where images are expected.
        let labels = try write(idx(type: 0x08, shape: [2], data: [1, 2]), "labels")
        let e3 = datasetError { _ = try IDXReader.read(from: labels, expectingMagic: IDXReader.imagesMagic) }
        guard case .badMagic(labels.path, 0x0000_0801, let reason)? = e3 else { return XCTFail("got \(String(describing: e3))") }
        XCTAssertTrue(reason.contains("expected 0x00000803"), reason)
    }

    func testTruncatedAndOversizedPlainFiles() throws {
        let short = try write(idx(type: 0x08, shape: [2, 28, 28], data: [UInt8](repeating: 1, count: 1000)), "short")
        let e1 = datasetError { _ = try IDXReader.read(from: short) }
        guard case .truncated(short.path, 16 + 1568, 16 + 1000)? = e1 else { return XCTFail("got \(String(describing: e1))") }
        XCTAssertTrue(e1!.description.contains("truncated"))

        let long = try write(idx(type: 0x08, shape: [2], data: [1, 2, 3]), "long")
        let e2 = datasetError { _ = try IDXReader.read(from: long) }
        guard case .trailingData(long.path, 10, 11)? = e2 else { return XCTFail("got \(String(describing: e2))") }

        let headerOnly = try write([0, 0, 8, 3, 0, 0], "header")
        let e3 = datasetError { _ = try IDXReader.read(from: headerOnly) }
        guard case .truncated(headerOnly.path, 16, 6)? = e3 else { return XCTFail("got \(String(describing: e3))") }

        // Dimensions claiming a terabyte: refused from the file size, nothing allocated.
        let huge = try write(idx(type: 0x0E, shape: [1 << 20, 1 << 17], data: [0]), "huge")
        let e4 = datasetError { _ = try IDXReader.read(from: huge) }
        guard case .truncated = e4 else { return XCTFail("got \(String(describing: e4))") }
    }

    func testTruncatedAndOversizedGzipFiles() throws {
        let url = directory.appendingPathComponent("images.gz")
        try IDXWriter.write(Tensor(shape: [50, 28, 28], scalars: (0..<39200).map { UInt8($0 % 251) }), to: url, compressed: true)
        let whole = try [UInt8](Data(contentsOf: url))

        let cut = try write(Array(whole.prefix(whole.count / 2)), "cut.gz")
        let e1 = datasetError { _ = try IDXReader.read(from: cut) }
        guard case .truncated(cut.path, 16 + 39200, let got)? = e1 else { return XCTFail("got \(String(describing: e1))") }
        XCTAssertLessThan(got, 16 + 39200)

        // All the data, but the gzip trailer (CRC and size) is missing.
        let noTrailer = try write(Array(whole.dropLast(4)), "notrailer.gz")
        let e2 = datasetError { _ = try IDXReader.read(from: noTrailer) }
        XCTAssertEqual(e2?.file, noTrailer.path)
        XCTAssertNotNil(e2, "a gzip stream without its trailer is an error")

        // Decompressed content longer than the header says.
        let gzipped = directory.appendingPathComponent("trailing.gz")
        try gzipBytes(idx(type: 0x08, shape: [2], data: [1, 2, 3]), to: gzipped)
        let e3 = datasetError { _ = try IDXReader.read(from: gzipped) }
        guard case .trailingData(gzipped.path, 10, nil)? = e3 else { return XCTFail("got \(String(describing: e3))") }
    }

    func testMissingFileNamesIt() {
        let url = directory.appendingPathComponent("absent-idx1-ubyte.gz")
        let e = datasetError { _ = try IDXReader.read(from: url) }
        XCTAssertEqual(e?.file, url.path)
        XCTAssertTrue(e?.description.contains("not found") == true, String(describing: e))
    }
}

/// Writes `bytes` gzip-compressed with zlib's `gzwrite`.
func gzipBytes(_ bytes: [UInt8], to url: URL) throws {
    guard let gz = gzopen(url.path, "wb") else { throw CocoaError(.fileWriteUnknown) }
    let written = bytes.withUnsafeBytes { gzwrite(gz, $0.baseAddress, UInt32($0.count)) }
    guard gzclose(gz) == Z_OK, written == Int32(bytes.count) else { throw CocoaError(.fileWriteUnknown) }
}
