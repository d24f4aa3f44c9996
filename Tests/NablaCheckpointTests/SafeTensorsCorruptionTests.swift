import Foundation
import XCTest
import Nabla
import NablaCheckpoint

/// Every way a safetensors file can be bad gives its own `CheckpointError`, naming the file and the
/// tensor, from both `read` (mapped and copying) and, for header problems, `info`.
final class SafeTensorsCorruptionTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try makeTemporaryDirectory(self) }

    /// Writes `bytes` to a file and returns the errors from `read` (mapped, copying) and `info`.
    private func errors(_ name: String, _ bytes: [UInt8], checkInfo: Bool = true,
                        file: StaticString = #filePath, line: UInt = #line) throws -> (url: URL, errors: [CheckpointError]) {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        var result: [CheckpointError] = []
        for mapped in [true, false] {
            if let e = expectCheckpointError({ _ = try SafeTensors.read(from: url, memoryMapped: mapped) }, file: file, line: line) {
                result.append(e)
            }
        }
        if checkInfo, let e = expectCheckpointError({ _ = try SafeTensors.info(at: url) }, file: file, line: line) { result.append(e) }
        for e in result {
            XCTAssertEqual(e.file, url.path, file: file, line: line)
            XCTAssertTrue(e.description.contains(url.path), "the message names the file: \(e)", file: file, line: line)
        }
        return (url, result)
    }

    /// Checks every error is `expected` and names `key` in its message.
    private func check(_ name: String, _ bytes: [UInt8], key: String?, checkInfo: Bool = true,
                       file: StaticString = #filePath, line: UInt = #line, _ matches: (CheckpointError) -> Bool) throws {
        let (_, found) = try errors(name, bytes, checkInfo: checkInfo, file: file, line: line)
        XCTAssertEqual(found.count, checkInfo ? 3 : 2, file: file, line: line)
        for e in found {
            XCTAssertTrue(matches(e), "unexpected error kind: \(e)", file: file, line: line)
            if let key {
                XCTAssertEqual(e.key, key, file: file, line: line)
                XCTAssertTrue(e.description.contains("\"\(key)\""), "the message names the key: \(e)", file: file, line: line)
            }
        }
    }

    private let f32x4 = [UInt8](repeating: 0, count: 16)

    func testFileTooShort() throws {
        try check("short.safetensors", [1, 0, 0], key: nil) { if case .fileTooShort(_, 3) = $0 { return true }; return false }
        try check("zero.safetensors", [], key: nil) { if case .fileTooShort(_, 0) = $0 { return true }; return false }
    }

    func testHeaderLengthLargerThanTheFile() throws {
        let bytes = safetensorsBytes(header: "{}", data: [], headerLength: 1000)
        try check("long-header.safetensors", bytes, key: nil) {
            if case .headerTooLarge(_, 1000, bytes.count) = $0 { return true }; return false
        }
        let huge = safetensorsBytes(header: "{}", data: [], headerLength: UInt64.max)
        try check("huge-header.safetensors", huge, key: nil) { if case .headerTooLarge = $0 { return true }; return false }
    }

    func testHeaderNotJSON() throws {
        try check("garbage.safetensors", safetensorsBytes(header: "{\"a\": not json", data: []), key: nil) {
            if case let .invalidHeader(_, reason) = $0 { return reason.contains("not valid JSON") }; return false
        }
        try check("array.safetensors", safetensorsBytes(header: "[1, 2]", data: []), key: nil) {
            if case let .invalidHeader(_, reason) = $0 { return reason.contains("expected a JSON object") }; return false
        }
        try check("empty-header.safetensors", safetensorsBytes(header: "", data: [], pad: false), key: nil) {
            if case .invalidHeader = $0 { return true }; return false
        }
        var binary = safetensorsBytes(header: "{}      ", data: [])
        (binary[8], binary[9]) = (0xFF, 0xFE)   // not UTF-8
        try check("binary.safetensors", binary, key: nil) {
            if case .invalidHeader = $0 { return true }; return false
        }
    }

    func testMissingAndInvalidFields() throws {
        let cases: [(String, String)] = [
            (#"{"w":{"shape":[4],"data_offsets":[0,16]}}"#, #"missing field "dtype""#),
            (#"{"w":{"dtype":"F32","data_offsets":[0,16]}}"#, #"missing field "shape""#),
            (#"{"w":{"dtype":"F32","shape":[4]}}"#, #"missing field "data_offsets""#),
            (#"{"w":{"dtype":32,"shape":[4],"data_offsets":[0,16]}}"#, #""dtype" must be a string"#),
            (#"{"w":{"dtype":"F32","shape":"4","data_offsets":[0,16]}}"#, #""shape" must be an array"#),
            (#"{"w":{"dtype":"F32","shape":[4.5],"data_offsets":[0,16]}}"#, #""shape" must hold integers"#),
            (#"{"w":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}"#, "negative dimension"),
            (#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0]}}"#, "must be [begin, end]"),
            (#"{"w":[1,2,3]}"#, "expected an object"),
        ]
        for (i, (header, message)) in cases.enumerated() {
            try check("fields-\(i).safetensors", safetensorsBytes(header: header, data: f32x4), key: "w") {
                if case let .invalidEntry(_, _, reason) = $0 { return reason.contains(message) }; return false
            }
        }
    }

    func testUnknownDType() throws {
        let bytes = safetensorsBytes(header: #"{"layer.scale":{"dtype":"U16","shape":[8],"data_offsets":[0,16]}}"#, data: f32x4)
        try check("dtype.safetensors", bytes, key: "layer.scale") {
            if case .unknownDType(_, _, "U16") = $0 { return $0.description.contains("F32") }; return false
        }
    }

    func testShapeAndOffsetsSizeMismatch() throws {
        let bytes = safetensorsBytes(header: #"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}"#, data: f32x4)
        try check("size.safetensors", bytes, key: "w") {
            if case .sizeMismatch(_, _, [2, 2], "F32", 16, 12) = $0 { return true }; return false
        }
    }

    func testOffsetsReversedOrNegative() throws {
        for (i, offsets) in ["[8,4]", "[-4,0]"].enumerated() {
            let bytes = safetensorsBytes(header: #"{"w":{"dtype":"U8","shape":[4],"data_offsets":"# + offsets + "}}", data: f32x4)
            try check("reversed-\(i).safetensors", bytes, key: "w") { if case .invalidOffsets = $0 { return true }; return false }
        }
    }

    func testTruncatedData() throws {
        // The header promises 16 bytes; only 8 follow.
        let bytes = safetensorsBytes(header: #"{"fc1.weight":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: Array(f32x4[0..<8]))
        try check("truncated.safetensors", bytes, key: "fc1.weight") {
            if case .truncatedData(_, _, 16, 8) = $0 { return $0.description.contains("truncated") }; return false
        }
        // A real file cut short.
        let url = directory.appendingPathComponent("cut-source.safetensors")
        try SafeTensors.write(["a": Tensor.ones([64]), "b": Tensor.ones([64], dtype: .float64)], to: url)
        let whole = try [UInt8](Data(contentsOf: url))
        try check("cut.safetensors", Array(whole.dropLast(9)), key: "a") { if case .truncatedData = $0 { return true }; return false }
    }

    func testOverlappingTensors() throws {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        try check("overlap.safetensors", safetensorsBytes(header: header, data: f32x4), key: "b") {
            if case .overlappingTensors(_, "b", "a") = $0 { return $0.description.contains("\"a\"") }; return false
        }
    }

    func testInvalidMetadata() throws {
        let nonString = #"{"__metadata__":{"step":12},"w":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}"#
        try check("metadata.safetensors", safetensorsBytes(header: nonString, data: []), key: "step") {
            if case .invalidMetadata = $0 { return true }; return false
        }
        let notObject = #"{"__metadata__":["a"]}"#
        try check("metadata2.safetensors", safetensorsBytes(header: notObject, data: []), key: nil) {
            if case .invalidMetadata(_, nil, _) = $0 { return true }; return false
        }
    }

    func testBoolBytesOtherThanZeroOrOne() throws {
        let bytes = safetensorsBytes(header: #"{"mask":{"dtype":"BOOL","shape":[4],"data_offsets":[0,4]}}"#, data: [0, 1, 2, 1])
        try check("bool.safetensors", bytes, key: "mask", checkInfo: false) {
            if case let .invalidEntry(_, _, reason) = $0 { return reason.contains("BOOL element 2 holds byte 2") }; return false
        }
    }

    func testMissingFileNamesIt() throws {
        let url = directory.appendingPathComponent("nope.safetensors")
        let error = expectCheckpointError { _ = try SafeTensors.read(from: url) }
        guard case let .io(file, "open", code, _)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertEqual(file, url.path)
        XCTAssertEqual(code, ENOENT)
        XCTAssertTrue(error!.description.contains("No such file"), error!.description)
    }
}
