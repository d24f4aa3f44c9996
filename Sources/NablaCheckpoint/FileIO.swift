#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

// The C functions under names that types with their own `open`/`write` methods do not shadow.
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ count: Int) -> Int { write(fd, p, count) }

/// Where a test can make an atomic write fail on purpose, to check the old file survives.
enum WriteFault: Sendable {
    /// After the header has been written to the temporary file.
    case afterHeader
    /// After the temporary file is complete and synced, just before the rename.
    case beforeRename
}

/// The error `SafeTensors.write` throws for an injected `WriteFault`.
let injectedFaultErrno: Int32 = EIO

/// Thin POSIX wrappers that turn failures into `CheckpointError.io` naming the file.
enum POSIXFile {
    /// The current `errno` as a `CheckpointError`.
    static func error(_ file: String, _ operation: String, _ code: Int32 = errno) -> CheckpointError {
        .io(file: file, operation: operation, errno: code, message: String(cString: strerror(code)))
    }

    /// Opens `path`, retrying on EINTR.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws -> Int32 {
        while true {
            let fd = systemOpen(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw error(path, "open") }
        }
    }

    /// The size of an open file in bytes.
    static func size(_ fd: Int32, path: String) throws -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw error(path, "stat") }
        return Int(st.st_size)
    }

    /// Reads exactly `count` bytes at `offset` into `buffer` (fewer only at end of file: returns how many).
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, offset: Int, path: String) throws -> Int {
        var done = 0
        while done < count {
            let n = pread(fd, buffer + done, count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw error(path, "read")
            }
            if n == 0 { break }
            done += n
        }
        return done
    }
}

/// Buffered writing into a temporary file that replaces the target only once complete and synced.
///
/// The temporary file lives in the target's directory (so the rename is atomic), is `fsync`ed before
/// the rename, and the directory is `fsync`ed after it: after a crash either the old or the new file
/// is there, never a half-written one. On any failure the temporary file is removed and the old file
/// is left untouched.
final class AtomicFileWriter {
    let targetPath: String
    let temporaryPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private static let bufferCapacity = 1 << 20

    /// Creates the temporary file next to `url`.
    init(url: URL) throws {
        targetPath = url.path
        let directory = url.deletingLastPathComponent().path
        let name = url.lastPathComponent
        temporaryPath = (directory.isEmpty ? "." : directory) + "/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        fd = systemOpen(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXFile.error(targetPath, "open (creating temporary file \(temporaryPath))") }
        // Keep the permissions of the file being replaced.
        var st = stat()
        if stat(targetPath, &st) == 0 { _ = fchmod(fd, st.st_mode & 0o7777) }
        buffer.reserveCapacity(Self.bufferCapacity)
    }

    deinit {
        if fd >= 0 {
            _ = close(fd)
            _ = unlink(temporaryPath)
        }
    }

    /// Appends bytes (small writes are buffered, large ones go straight to the file).
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count <= Self.bufferCapacity {
            buffer.append(contentsOf: bytes)
            return
        }
        try flush()
        if bytes.count <= Self.bufferCapacity {
            buffer.append(contentsOf: bytes)
        } else {
            try writeFully(bytes)
        }
    }

    /// Appends `value` as 8 little-endian bytes.
    func writeLittleEndian(_ value: UInt64) throws {
        try withUnsafeBytes(of: value.littleEndian) { try write($0) }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeFully($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeFully(_ bytes: UnsafeRawBufferPointer) throws {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = systemWrite(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXFile.error(targetPath, "write to temporary file \(temporaryPath)")
            }
            p += n
            left -= n
        }
    }

    /// Flushes, syncs and closes the temporary file, renames it over the target and syncs the directory.
    func commit(fault: WriteFault? = nil) throws {
        try flush()
        guard fsync(fd) == 0 else { throw POSIXFile.error(targetPath, "fsync of temporary file \(temporaryPath)") }
        guard close(fd) == 0 else {
            fd = -1
            _ = unlink(temporaryPath)
            throw POSIXFile.error(targetPath, "close of temporary file \(temporaryPath)")
        }
        fd = -1
        if fault == .beforeRename {
            _ = unlink(temporaryPath)
            throw POSIXFile.error(targetPath, "rename (injected failure)", injectedFaultErrno)
        }
        guard rename(temporaryPath, targetPath) == 0 else {
            let code = errno
            _ = unlink(temporaryPath)
            throw POSIXFile.error(targetPath, "rename from \(temporaryPath)", code)
        }
        let directory = (targetPath as NSString).deletingLastPathComponent
        let dirfd = systemOpen(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)
        if dirfd >= 0 {
            // Some file systems cannot sync a directory (EINVAL); the rename is still done.
            let status = fsync(dirfd)
            let code = errno
            _ = close(dirfd)
            if status != 0 && code != EINVAL && code != EROFS {
                throw POSIXFile.error(directory, "fsync of directory", code)
            }
        }
    }
}
