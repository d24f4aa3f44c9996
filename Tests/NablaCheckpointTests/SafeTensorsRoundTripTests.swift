import Foundation
import XCTest
import Nabla
import NablaCheckpoint

/// Writing and reading safetensors files: every dtype bit-exact, metadata, header-only info,
/// memory-mapped tensors outliving the file, unaligned tensors copied, the mapping released.
final class SafeTensorsRoundTripTests: XCTestCase {
    func testEveryDTypeRoundTripsBitExactlyMappedAndCopied() throws {
        let dir = try makeTemporaryDirectory(self)
        let url = dir.appendingPathComponent("all.safetensors")
        let tensors = tensorsOfEveryDType()
        XCTAssertEqual(Set(tensors.map { $0.1.dtype }), Set(DType.allCases), "the fixture covers every dtype")
        try SafeTensors.write(tensors, metadata: ["note": "every dtype", "quote\"and\\slash": "line\nbreak"], to: url)

        for mapped in [true, false] {
            let file = try SafeTensors.read(from: url, memoryMapped: mapped)
            XCTAssertEqual(Set(file.names), Set(tensors.map(\.0)))
            XCTAssertEqual(file.metadata, ["note": "every dtype", "quote\"and\\slash": "line\nbreak"])
            for (name, expected) in tensors {
                let t = try XCTUnwrap(file[name], name)
                XCTAssertEqual(t.dtype, expected.dtype, name)
                XCTAssertEqual(t.shape, expected.shape, name)
                XCTAssertEqual(rawBytes(t), rawBytes(expected), "\(name) (memoryMapped: \(mapped)) is bit-identical")
            }
        }
    }

    func testDataIsLaidOutAlignedAndMappedWithoutCopies() throws {
        let url = try makeTemporaryDirectory(self).appendingPathComponent("aligned.safetensors")
        try SafeTensors.write(tensorsOfEveryDType(), to: url)
        let info = try SafeTensors.info(at: url)
        XCTAssertEqual(info.dataStart % 8, 0, "header padded to a multiple of 8")
        for entry in info.entries {
            XCTAssertEqual((info.dataStart + entry.dataOffsets.lowerBound) % entry.dtype.byteSize, 0, "\(entry.name) aligned")
        }
        // Offsets are contiguous from 0 (what the Rust safetensors reader demands).
        var end = 0
        for entry in info.entries {
            XCTAssertEqual(entry.dataOffsets.lowerBound, end, entry.name)
            end = entry.dataOffsets.upperBound
        }
        XCTAssertEqual(info.fileByteCount, info.dataStart + end)
        let file = try SafeTensors.read(from: url)
        let mapped = try XCTUnwrap(file["float64"])
        XCTAssertEqual(mapped.storage.byteCount, info.fileByteCount, "the tensor views the whole-file mapping (no copy)")
        XCTAssertTrue(mapped.storage === file["int32"]!.storage, "tensors share one mapping")
    }

    func testInfoReadsOnlyTheHeader() throws {
        let url = try makeTemporaryDirectory(self).appendingPathComponent("info.safetensors")
        try SafeTensors.write(["b": Tensor.ones([2, 3], dtype: .float16), "a": Tensor.zeros([7], dtype: .int64)],
                              metadata: ["k": "v"], to: url)
        let info = try SafeTensors.info(at: url)
        XCTAssertEqual(info.file, url.path)
        XCTAssertEqual(info.metadata, ["k": "v"])
        XCTAssertEqual(info.names, ["a", "b"], "file order: 8-byte elements first")
        XCTAssertEqual(info["b"]?.dtype, .float16)
        XCTAssertEqual(info["b"]?.shape, [2, 3])
        XCTAssertEqual(info["a"]?.dataOffsets, 0..<56)
        XCTAssertEqual(info["b"]?.dataOffsets, 56..<68)
    }

    func testWritesNonContiguousViewsAndKeepsTheGivenOrderPerElementSize() throws {
        let url = try makeTemporaryDirectory(self).appendingPathComponent("views.safetensors")
        let base = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6] as [Float])
        let transposed = base.transposed()
        let requiresGrad = base.requiringGrad()
        try SafeTensors.write([("z", transposed), ("y", requiresGrad), ("x", base.slice(axis: 1, start: 1))], to: url)
        let file = try SafeTensors.read(from: url)
        XCTAssertEqual(file.names, ["z", "y", "x"])
        XCTAssertEqual(file["z"]?.scalars, [1, 4, 2, 5, 3, 6])
        XCTAssertEqual(file["z"]?.shape, [3, 2])
        XCTAssertEqual(file["y"]?.scalars, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(file["x"]?.scalars, [2, 3, 5, 6])
    }

    func testMappedTensorsOutliveTheFileAndItsReplacement() throws {
        let url = try makeTemporaryDirectory(self).appendingPathComponent("live.safetensors")
        try SafeTensors.write(["w": Tensor(shape: [3], scalars: [1, 2, 3] as [Float])], to: url)
        let w = try XCTUnwrap(SafeTensors.read(from: url)["w"])
        // Replacing (atomic rename) and then deleting the file leaves the mapping valid.
        try SafeTensors.write(["w": Tensor(shape: [3], scalars: [9, 9, 9] as [Float])], to: url)
        XCTAssertEqual(try SafeTensors.read(from: url)["w"]?.scalars, [9, 9, 9])
        try FileManager.default.removeItem(at: url)
        XCTAssertEqual(w.scalars, [1, 2, 3], "old values, read after the file is gone")
        XCTAssertEqual((w * 2).sum().item(), 12)
    }

    func testMappingIsReleasedWithTheLastTensor() throws {
        let url = try makeTemporaryDirectory(self).appendingPathComponent("unmap-\(UUID().uuidString).safetensors")
        try SafeTensors.write(["a": Tensor.ones([1000]), "b": Tensor.zeros([10], dtype: .int64)], to: url)
        // /proc files report size 0, so read them to the end rather than by their size.
        func isMapped() throws -> Bool {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/maps"))
            defer { try? handle.close() }
            return String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self).contains(url.lastPathComponent)
        }
        guard FileManager.default.fileExists(atPath: "/proc/self/maps") else { throw XCTSkip("no /proc/self/maps on this system") }
        var kept: Tensor?
        do {
            let file = try SafeTensors.read(from: url)
            kept = file["b"]
            XCTAssertTrue(try isMapped(), "the file is mapped while tensors view it")
        }
        XCTAssertTrue(try isMapped(), "one tensor still holds the mapping")
        XCTAssertEqual(kept?.scalars, Array(repeating: 0, count: 10))
        kept = nil
        XCTAssertFalse(try isMapped(), "munmap ran when the last tensor went away")
    }

    func testUnalignedTensorsAreCopied() throws {
        // U8 at [0, 1) puts the F32 at buffer offset 1: not 4-aligned, so it must be copied.
        var data: [UInt8] = [7]
        for v in [1.5, -2.0, 3.25] as [Float] { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        let header = #"{"u":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"f":{"dtype":"F32","shape":[3],"data_offsets":[1,13]}}"#
        let url = try makeTemporaryDirectory(self).appendingPathComponent("unaligned.safetensors")
        try Data(safetensorsBytes(header: header, data: data)).write(to: url)
        let file = try SafeTensors.read(from: url)
        XCTAssertEqual(file["f"]?.scalars, [1.5, -2.0, 3.25])
        XCTAssertEqual(file["u"]?.scalars, [7])
        XCTAssertFalse(file["f"]!.storage === file["u"]!.storage, "the unaligned tensor got its own memory")
        XCTAssertEqual(file.names, ["u", "f"])
    }

    func testUnpaddedHeaderAndEmptyFileRead() throws {
        let dir = try makeTemporaryDirectory(self)
        // A header that is not padded (allowed) shifts the data buffer off 8-byte alignment.
        let header = #"{"__metadata__":{"a":"b"},"x":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}"#
        var data: [UInt8] = []
        for v in [-5, 1 << 40] as [Int64] { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        let url = dir.appendingPathComponent("unpadded.safetensors")
        try Data(safetensorsBytes(header: header, data: data, pad: false)).write(to: url)
        let file = try SafeTensors.read(from: url)
        XCTAssertEqual(file["x"]?.toArray(as: Int64.self), [-5, 1 << 40])
        XCTAssertEqual(file.metadata, ["a": "b"])

        let empty = dir.appendingPathComponent("empty.safetensors")
        try SafeTensors.write([(String, Tensor)](), to: empty)
        let contents = try SafeTensors.read(from: empty)
        XCTAssertTrue(contents.tensors.isEmpty)
        XCTAssertTrue(contents.metadata.isEmpty)
    }

    func testWriteRejectsDuplicateAndReservedNames() throws {
        let url = try makeTemporaryDirectory(self).appendingPathComponent("bad.safetensors")
        let error = expectCheckpointError { try SafeTensors.write([("a", Tensor.ones([1])), ("a", Tensor.ones([2]))], to: url) }
        XCTAssertEqual(error?.key, "a")
        XCTAssertTrue(error?.description.contains("used twice") == true, error?.description ?? "")
        let reserved = expectCheckpointError { try SafeTensors.write([("__metadata__", Tensor.ones([1]))], to: url) }
        XCTAssertEqual(reserved?.key, "__metadata__")
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path), "nothing written")
    }

    func testDTypeNames() {
        let names = DType.allCases.map(\.safetensorsName)
        XCTAssertEqual(Set(names), ["F32", "F64", "F16", "BF16", "I8", "U8", "I32", "I64", "BOOL"])
        for d in DType.allCases { XCTAssertEqual(DType(safetensorsName: d.safetensorsName), d) }
        XCTAssertNil(DType(safetensorsName: "U16"))
    }
}
