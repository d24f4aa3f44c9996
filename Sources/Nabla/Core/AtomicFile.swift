import Foundation
#if canImport(Glibc)
import Glibc
/// write(2), named apart from methods called `write`.
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
/// write(2), named apart from methods called `write`.
private let systemWrite = Darwin.write
#endif

/// Whole-file atomic writes for the small files every part of Nabla saves (vocabularies, ONNX models,
/// configs): a temporary file in the target's directory, `fsync`, `rename` over the target, then an
/// `fsync` of the directory. Readers see the old file or the whole new one, never a torn write, and a
/// failure leaves the old file untouched. (Large checkpoints stream through NablaCheckpoint's own
/// buffered writer, which follows the same steps.)
public enum AtomicFile {
    /// Why a write failed: the file and the step (`create`, `write`, `fsync`, `close`, `rename`).
    public struct WriteError: Error, CustomStringConvertible, Sendable {
        /// The target file.
        public let path: String
        /// The step that failed.
        public let operation: String
        /// The system's explanation (`strerror`).
        public let reason: String

        public var description: String { "cannot write \(path): \(operation) failed: \(reason)" }
    }

    /// Writes `data` to `url` atomically.
    ///
    /// ```swift
    /// try AtomicFile.write(Data("hello".utf8), to: URL(fileURLWithPath: "greeting.txt"))
    /// ```
    /// - Throws: `AtomicFile.WriteError` naming the file and the failed step.
    public static func write(_ data: Data, to url: URL) throws(WriteError) {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)")
        func failure(_ operation: String) -> WriteError {
            WriteError(path: url.path, operation: operation, reason: String(cString: strerror(errno)))
        }
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("create \(temporary.lastPathComponent)") }
        var done = false
        defer { if !done { unlink(temporary.path) } }
        let written: Bool = data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
        guard written else { let error = failure("write"); close(fd); throw error }
        guard fsync(fd) == 0 else { let error = failure("fsync"); close(fd); throw error }
        guard close(fd) == 0 else { throw failure("close") }
        guard rename(temporary.path, url.path) == 0 else { throw failure("rename") }
        done = true
        // Make the rename itself durable.
        let directoryFD = open(directory.path, O_RDONLY | O_CLOEXEC)
        if directoryFD >= 0 { _ = fsync(directoryFD); close(directoryFD) }
    }
}
