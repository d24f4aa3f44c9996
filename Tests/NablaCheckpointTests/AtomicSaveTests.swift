import Foundation
import XCTest
import Nabla
import NablaNN
@testable import NablaCheckpoint

/// A save that fails part-way leaves the previous file untouched and no temporary file behind.
final class AtomicSaveTests: XCTestCase {
    private func writeOriginal(in dir: URL) throws -> (url: URL, bytes: Data) {
        let url = dir.appendingPathComponent("model.safetensors")
        try SafeTensors.write(["w": Tensor(shape: [4], scalars: [1, 2, 3, 4] as [Float])], metadata: ["version": "old"], to: url)
        return (url, try Data(contentsOf: url))
    }

    private func assertOnlyOriginal(_ dir: URL, _ url: URL, _ original: Data, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try Data(contentsOf: url), original, "the old file is byte-for-byte intact", file: file, line: line)
        let read = try SafeTensors.read(from: url)
        XCTAssertEqual(read["w"]?.scalars, [1, 2, 3, 4], file: file, line: line)
        XCTAssertEqual(read.metadata["version"], "old", file: file, line: line)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0 != url.lastPathComponent }
        XCTAssertEqual(leftovers, [], "no temporary file is left behind", file: file, line: line)
    }

    func testFailureAfterTheHeaderLeavesTheOldFile() throws {
        let dir = try makeTemporaryDirectory(self)
        let (url, original) = try writeOriginal(in: dir)
        let big = Tensor.ones([1 << 18])   // 1 MiB: the data would not fit the write buffer
        let error = expectCheckpointError {
            try SafeTensors.write([("w", big)], metadata: ["version": "new"], to: url, fault: .afterHeader)
        }
        guard case .io(url.path, _, EIO, _)? = error else { return XCTFail("got \(String(describing: error))") }
        try assertOnlyOriginal(dir, url, original)
    }

    func testFailureJustBeforeTheRenameLeavesTheOldFile() throws {
        let dir = try makeTemporaryDirectory(self)
        let (url, original) = try writeOriginal(in: dir)
        let error = expectCheckpointError {
            try SafeTensors.write([("w", Tensor.zeros([4]))], metadata: ["version": "new"], to: url, fault: .beforeRename)
        }
        XCTAssertTrue(error?.description.contains("rename") == true, String(describing: error))
        try assertOnlyOriginal(dir, url, original)
    }

    func testRenameFailureLeavesTheOldEntryAndNoTemporaryFile() throws {
        // The target is a non-empty directory: the real rename(2) fails with EISDIR / ENOTEMPTY.
        let dir = try makeTemporaryDirectory(self)
        let target = dir.appendingPathComponent("occupied.safetensors")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        try Data([1, 2, 3]).write(to: target.appendingPathComponent("keep"))
        let error = expectCheckpointError { try SafeTensors.write(["w": Tensor.ones([2])], to: target) }
        guard case .io(target.path, let operation, _, _)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertTrue(operation.hasPrefix("rename"), operation)
        XCTAssertEqual(try Data(contentsOf: target.appendingPathComponent("keep")), Data([1, 2, 3]))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["occupied.safetensors"])
    }

    func testMissingDirectoryIsAnIOErrorNamingTheFile() throws {
        let url = try makeTemporaryDirectory(self).appendingPathComponent("no/such/dir/model.safetensors")
        let error = expectCheckpointError { try SafeTensors.write(["w": Tensor.ones([2])], to: url) }
        guard case .io(url.path, let operation, ENOENT, _)? = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertTrue(operation.hasPrefix("open"), operation)
    }

    func testSuccessfulSaveReplacesTheFileAndKeepsItsPermissions() throws {
        let dir = try makeTemporaryDirectory(self)
        let (url, _) = try writeOriginal(in: dir)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
        try Checkpoint.save(model: TestNet(), step: 3, to: url)
        let info = try SafeTensors.info(at: url)
        XCTAssertEqual(info.metadata["step"], "3")
        XCTAssertNil(info["w"])
        let permissions = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
        XCTAssertEqual(permissions, 0o600)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["model.safetensors"])
    }
}
