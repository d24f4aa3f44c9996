import Foundation
import Nabla
import XCTest
@testable import NablaData

final class NumPyTests: XCTestCase {
    /// A version 1.0 `.npy` file written byte by byte.
    private func npy(_ dict: String, data: [UInt8], major: UInt8 = 1) -> [UInt8] {
        var header = Array(dict.utf8)
        let lengthSize = major == 1 ? 2 : 4
        while (10 + lengthSize - 2 + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0A)
        let length = (0..<lengthSize).map { UInt8((header.count >> (8 * $0)) & 0xFF) }
        return [0x93] + Array("NUMPY".utf8) + [major, 0] + length + header + data
    }

    private func bytes<T>(_ values: [T]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

    func testReadsHandWrittenFilesOfEveryDType() throws {
        func read(_ file: [UInt8]) throws -> Tensor { try file.withUnsafeBytes { try NPYReader.decode($0, file: "t.npy") } }
        let f4 = try read(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data: bytes([Float](arrayLiteral: 1, 2, 3, 4, 5, 6))))
        XCTAssertEqual(f4.shape, [2, 3])
        XCTAssertEqual(f4.toArray(as: Float.self), [1, 2, 3, 4, 5, 6])
        let f8 = try read(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", data: bytes([2.5])))
        XCTAssertEqual(f8.shape, [])
        XCTAssertEqual(f8.dtype, .float64)
        let f2 = try read(npy("{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }", data: [0x00, 0x3C]))
        XCTAssertEqual(f2.dtype, .float16)
        XCTAssertEqual(f2.toArray(as: Float.self), [1])
        XCTAssertEqual(try read(npy("{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }", data: [0xFF, 7])).toArray(as: Int8.self), [-1, 7])
        XCTAssertEqual(try read(npy("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", data: [0xFF, 7])).toArray(as: UInt8.self), [255, 7])
        XCTAssertEqual(try read(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", data: bytes([Int32(-5), 9]))).toArray(as: Int32.self), [-5, 9])
        XCTAssertEqual(try read(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1, 1), }", data: bytes([Int64.min]))).toArray(as: Int64.self), [.min])
        XCTAssertEqual(try read(npy("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", data: [1, 0])).toArray(as: Bool.self), [true, false])
        // Version 2.0 (4-byte header length) and 3.0.
        XCTAssertEqual(try read(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", data: bytes([Int32(3)]), major: 2)).toArray(as: Int32.self), [3])
        XCTAssertEqual(try read(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", data: bytes([Int32(4)]), major: 3)).toArray(as: Int32.self), [4])
    }

    func testFortranOrderIsTransposed() throws {
        // NumPy's [[1, 2, 3], [4, 5, 6]] in column-major order is 1 4 2 5 3 6.
        let file = npy("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }", data: bytes([Int32](arrayLiteral: 1, 4, 2, 5, 3, 6)))
        let x = try file.withUnsafeBytes { try NPYReader.decode($0, file: "f.npy") }
        XCTAssertEqual(x.shape, [2, 3])
        XCTAssertEqual(x.toArray(as: Int32.self), [1, 2, 3, 4, 5, 6])
    }

    func testCorruptAndUnsupportedFilesThrowNamingTheFile() throws {
        func error(_ file: [UInt8]) -> DataFileError? {
            do { _ = try file.withUnsafeBytes { try NPYReader.decode($0, file: "bad.npy") }; return nil } catch { return error as? DataFileError }
        }
        let good = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data: bytes([Float(1), 2]))
        XCTAssertEqual(error(Array(good.dropLast())), .badNPY(file: "bad.npy", entry: nil, reason: "truncated: shape [2] of <f4 needs 8 data bytes, the file holds 7"))
        XCTAssertEqual(error(good + [0]), .badNPY(file: "bad.npy", entry: nil, reason: "1 bytes after the 8 data bytes of shape [2]"))
        XCTAssertNotNil(error([0x93] + Array("NUMPX".utf8) + [1, 0, 0, 0]))
        XCTAssertNotNil(error(Array(good.prefix(30))))
        guard case .unsupportedNPYDType(_, _, let descr, let reason)? = error(npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", data: bytes([Float(1), 2]))) else {
            return XCTFail("big-endian must be rejected")
        }
        XCTAssertEqual(descr, ">f4")
        XCTAssertTrue(reason.contains("big-endian"))
        XCTAssertNotNil(error(npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0, 0, 0, 0, 0])))
        XCTAssertNotNil(error(npy("{'descr': '<f4', 'shape': (1,), }", data: [0, 0, 0, 0])))
        XCTAssertNotNil(error(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,, }", data: [0, 0, 0, 0])))
        XCTAssertNotNil(error(npy("{'descr': '|b1', 'fortran_order': False, 'shape': (1,), }", data: [2])))
        XCTAssertThrowsError(try NPYReader.read(from: URL(fileURLWithPath: "/nonexistent/x.npy"))) { e in
            XCTAssertEqual((e as? DataFileError)?.file, "/nonexistent/x.npy")
        }
    }

    func testNPYRoundTripForEveryDType() throws {
        let dir = try DataTestFiles.directory(self)
        let tensors: [Tensor] = [
            Tensor([[1.5, -2], [3, 4]] as [[Float]]), Tensor([1.25, 2] as [Double]), Tensor([Float16(0.5)]),
            Tensor([Int8(-3)]), Tensor([UInt8(200), 1]), Tensor([Int32(7)]), Tensor(Int64(-9)), Tensor([true, false]),
            Tensor.zeros([0, 3]),
        ]
        for (i, tensor) in tensors.enumerated() {
            let url = dir.appendingPathComponent("\(i).npy")
            try NPYWriter.write(tensor, to: url)
            let bytes = try Data(contentsOf: url)
            XCTAssertEqual((bytes.count - tensor.count * tensor.dtype.byteSize) % 64, 0, "the data starts at a multiple of 64")
            let back = try NPYReader.read(from: url)
            XCTAssertEqual(back.shape, tensor.shape)
            XCTAssertEqual(back.dtype, tensor.dtype)
            XCTAssertEqual(back.toArray(as: Double.self), tensor.toArray(as: Double.self))
        }
        XCTAssertThrowsError(try NPYWriter.encode(Tensor.zeros([1], dtype: .bfloat16)))
    }

    func testNPZRoundTripAndCorruptArchives() throws {
        let dir = try DataTestFiles.directory(self)
        let url = dir.appendingPathComponent("a.npz")
        try NPZWriter.write([("x", Tensor([[1, 2, 3]] as [[Float]])), ("labels", Tensor([Int64(4), 5]))], to: url)
        let arrays = try NPZReader.read(from: url)
        XCTAssertEqual(Set(arrays.keys), ["x", "labels"])
        XCTAssertEqual(arrays["x"]?.shape, [1, 3])
        XCTAssertEqual(arrays["labels"]?.toArray(as: Int64.self), [4, 5])
        XCTAssertEqual(try NPZReader.names(in: url), ["x", "labels"])

        var bytes = [UInt8](try Data(contentsOf: url))
        // Flip a data byte of the first member: the CRC check names the member.
        let corrupt = dir.appendingPathComponent("crc.npz")
        bytes[30 + 5 + 100] ^= 0xFF
        try Data(bytes).write(to: corrupt)
        XCTAssertThrowsError(try NPZReader.read(from: corrupt)) { error in
            guard case .badZip(let file, let entry, let reason)? = error as? DataFileError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, corrupt.path)
            XCTAssertEqual(entry, "x.npy")
            XCTAssertTrue(reason.contains("CRC-32"), reason)
        }
        let truncated = dir.appendingPathComponent("t.npz")
        try Data(bytes.prefix(bytes.count - 30)).write(to: truncated)
        XCTAssertThrowsError(try NPZReader.read(from: truncated)) { error in
            XCTAssertEqual((error as? DataFileError)?.file, truncated.path)
        }
        let notZip = try DataTestFiles.file(self, "n.npz", String(repeating: "not a zip file ", count: 5))
        XCTAssertThrowsError(try NPZReader.read(from: notZip))
    }
}
