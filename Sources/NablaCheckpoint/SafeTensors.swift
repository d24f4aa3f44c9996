#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Nabla

/// The tensors and metadata of a safetensors file.
///
/// Tensors read with `memoryMapped: true` view the file's mapping directly (no copy); the mapping is
/// unmapped when the last of them goes away, and they stay valid after the file is closed, renamed or
/// replaced by an atomic save (but not if the file is truncated in place by another program).
public struct SafeTensorsContents: Sendable {
    /// The header: entries in file order, metadata, sizes.
    public var info: SafeTensorsInfo
    /// The tensors by name.
    public var tensors: [String: Tensor]

    /// The `__metadata__` block.
    public var metadata: [String: String] { info.metadata }
    /// The tensor names in file order.
    public var names: [String] { info.names }
    /// The tensors in file order.
    public var orderedTensors: [(String, Tensor)] { info.names.compactMap { name in tensors[name].map { (name, $0) } } }
    /// The tensor named `name`, if any.
    public subscript(name: String) -> Tensor? { tensors[name] }
}

/// Reading and writing the safetensors format (Hugging Face's; what `safetensors.torch.save_file`
/// and `safetensors.numpy.load_file` use).
///
/// A file is an 8-byte little-endian header length `N`, `N` bytes of JSON header
/// (`{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}`),
/// then the data buffer: each tensor dense, row-major and little-endian at its offsets.
///
/// ```swift
/// try SafeTensors.write(["w": w, "b": b], metadata: ["note": "demo"], to: url)
/// let file = try SafeTensors.read(from: url)
/// let w2 = file["w"]!
/// ```
public enum SafeTensors {
    /// Writes `tensors` (in this order in the header) and string `metadata` to `url`, atomically: the
    /// data goes to a temporary file in the same directory, which is synced and renamed over `url`,
    /// then the directory is synced. A failure leaves any existing file at `url` untouched.
    ///
    /// In the data buffer tensors are laid out largest element size first (stable), with the header
    /// padded to a multiple of 8, so that every tensor is aligned for its dtype when memory-mapped.
    ///
    /// - Throws: `CheckpointError.invalidTensorName` for duplicate names or the reserved name
    ///   `__metadata__`; `CheckpointError.io` when a system call fails.
    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to url: URL) throws {
        try write(tensors, metadata: metadata, to: url, fault: nil)
    }

    /// Writes `tensors` sorted by name; see `write(_:metadata:to:)` for the guarantees.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        try write(tensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, metadata: metadata, to: url, fault: nil)
    }

    /// The writer, with a failure that tests can inject.
    static func write(_ tensors: [(String, Tensor)], metadata: [String: String], to url: URL, fault: WriteFault?) throws {
        let file = url.path
        var seen = Set<String>()
        for (name, _) in tensors {
            guard name != SafeTensorsHeader.metadataKey else {
                throw CheckpointError.invalidTensorName(file: file, key: name, reason: "\"__metadata__\" is reserved by the format")
            }
            guard seen.insert(name).inserted else {
                throw CheckpointError.invalidTensorName(file: file, key: name, reason: "the name is used twice")
            }
        }
        // Largest elements first keeps every tensor aligned to its element size.
        let order = tensors.indices.sorted {
            let (a, b) = (tensors[$0].1.dtype.byteSize, tensors[$1].1.dtype.byteSize)
            return a != b ? a > b : $0 < $1
        }
        var entries: [SafeTensorsEntry] = []
        var offset = 0
        for i in order {
            let (name, t) = tensors[i]
            let bytes = t.count * t.dtype.byteSize
            entries.append(SafeTensorsEntry(name: name, dtype: t.dtype, shape: t.shape, dataOffsets: offset..<(offset + bytes)))
            offset += bytes
        }
        let header = SafeTensorsHeader.encode(entries: entries, metadata: metadata)

        let writer = try AtomicFileWriter(url: url)
        try writer.writeLittleEndian(UInt64(header.count))
        try header.withUnsafeBytes { try writer.write($0) }
        if fault == .afterHeader {
            throw POSIXFile.error(file, "write (injected failure)", injectedFaultErrno)
        }
        for i in order {
            try tensors[i].1.withUnsafeBytes { try writer.write($0) }
        }
        try writer.commit(fault: fault)
    }

    /// Reads only the header of the file at `url`: names, dtypes, shapes, offsets and metadata,
    /// validated against the file's size. Cheap for any file size (what `nabla info` uses).
    public static func info(at url: URL) throws -> SafeTensorsInfo {
        let file = url.path
        let fd = try POSIXFile.open(file, O_RDONLY)
        defer { _ = close(fd) }
        let size = try POSIXFile.size(fd, path: file)
        let headerCount = try readHeaderLength(fd, file: file, fileByteCount: size)
        var header = [UInt8](repeating: 0, count: headerCount)
        let got = headerCount == 0 ? 0 : try header.withUnsafeMutableBytes {
            try POSIXFile.read(fd, into: $0.baseAddress!, count: headerCount, offset: 8, path: file)
        }
        guard got == headerCount else { throw CheckpointError.headerTooLarge(file: file, headerByteCount: UInt64(headerCount), fileByteCount: size) }
        return try header.withUnsafeBytes {
            try SafeTensorsHeader.parse($0, file: file, headerByteCount: headerCount, fileByteCount: size)
        }
    }

    /// Reads every tensor and the metadata of the file at `url`.
    ///
    /// With `memoryMapped` (the default) the file is mapped copy-on-write and tensors view the mapping
    /// without copying, except a tensor whose offset is not a multiple of its element size, which is
    /// copied. Without it every tensor is read into fresh memory.
    ///
    /// - Throws: `CheckpointError` naming the file (and the tensor) for every way a file can be bad:
    ///   too short, header length past the end, header not JSON, missing or invalid fields, unknown
    ///   dtype, size mismatch, offsets reversed, data truncated, overlapping tensors, invalid metadata.
    public static func read(from url: URL, memoryMapped: Bool = true) throws -> SafeTensorsContents {
        let file = url.path
        let fd = try POSIXFile.open(file, O_RDONLY)
        defer { _ = close(fd) }
        let size = try POSIXFile.size(fd, path: file)
        let headerCount = try readHeaderLength(fd, file: file, fileByteCount: size)
        return memoryMapped
            ? try readMapped(fd, file: file, fileByteCount: size, headerByteCount: headerCount)
            : try readCopying(fd, file: file, fileByteCount: size, headerByteCount: headerCount)
    }

    /// Reads the 8-byte length prefix and checks it against the file's size.
    private static func readHeaderLength(_ fd: Int32, file: String, fileByteCount size: Int) throws -> Int {
        guard size >= 8 else { throw CheckpointError.fileTooShort(file: file, byteCount: size) }
        var prefix: UInt64 = 0
        let got = try withUnsafeMutableBytes(of: &prefix) { try POSIXFile.read(fd, into: $0.baseAddress!, count: 8, offset: 0, path: file) }
        guard got == 8 else { throw CheckpointError.fileTooShort(file: file, byteCount: got) }
        let length = UInt64(littleEndian: prefix)
        guard length <= UInt64(size - 8) else {
            throw CheckpointError.headerTooLarge(file: file, headerByteCount: length, fileByteCount: size)
        }
        return Int(length)
    }

    private static func readMapped(_ fd: Int32, file: String, fileByteCount size: Int, headerByteCount: Int) throws -> SafeTensorsContents {
        // MAP_PRIVATE + PROT_WRITE: a kernel that ever writes in place into a uniquely held tensor
        // changes private pages, never the file.
        guard let mapping = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0), mapping != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw POSIXFile.error(file, "mmap")
        }
        let storage = Storage(wrapping: mapping, byteCount: size) { pointer in _ = munmap(pointer, size) }
        let info = try SafeTensorsHeader.parse(UnsafeRawBufferPointer(start: mapping + 8, count: headerByteCount),
                                               file: file, headerByteCount: headerByteCount, fileByteCount: size)
        var tensors: [String: Tensor] = [:]
        for entry in info.entries {
            let start = info.dataStart + entry.dataOffsets.lowerBound
            let bytes = UnsafeRawBufferPointer(start: mapping + start, count: entry.dataOffsets.count)
            try validateBools(entry, bytes, file: file)
            if entry.count == 0 {
                tensors[entry.name] = Tensor.zeros(entry.shape, dtype: entry.dtype)
            } else if start % entry.dtype.byteSize == 0 {
                tensors[entry.name] = Tensor(storage: storage, shape: entry.shape, dtype: entry.dtype,
                                             elementOffset: start / entry.dtype.byteSize)
            } else {
                tensors[entry.name] = Tensor(shape: entry.shape, dtype: entry.dtype, copyingBytes: bytes)
            }
        }
        return SafeTensorsContents(info: info, tensors: tensors)
    }

    private static func readCopying(_ fd: Int32, file: String, fileByteCount size: Int, headerByteCount: Int) throws -> SafeTensorsContents {
        var header = [UInt8](repeating: 0, count: headerByteCount)
        if headerByteCount > 0 {
            _ = try header.withUnsafeMutableBytes { try POSIXFile.read(fd, into: $0.baseAddress!, count: headerByteCount, offset: 8, path: file) }
        }
        let info = try header.withUnsafeBytes {
            try SafeTensorsHeader.parse($0, file: file, headerByteCount: headerByteCount, fileByteCount: size)
        }
        var tensors: [String: Tensor] = [:]
        for entry in info.entries {
            var bytes = [UInt8](repeating: 0, count: entry.dataOffsets.count)
            let got = bytes.isEmpty ? 0 : try bytes.withUnsafeMutableBytes {
                try POSIXFile.read(fd, into: $0.baseAddress!, count: $0.count,
                                   offset: info.dataStart + entry.dataOffsets.lowerBound, path: file)
            }
            guard got == bytes.count else {
                throw CheckpointError.truncatedData(file: file, key: entry.name, end: entry.dataOffsets.lowerBound + got,
                                                    bufferByteCount: size - info.dataStart)
            }
            try bytes.withUnsafeBytes { raw in
                try validateBools(entry, raw, file: file)
                tensors[entry.name] = Tensor(shape: entry.shape, dtype: entry.dtype, copyingBytes: raw)
            }
        }
        return SafeTensorsContents(info: info, tensors: tensors)
    }

    /// Swift's `Bool` must be 0 or 1; a BOOL tensor holding other bytes is a bad file, not a crash.
    private static func validateBools(_ entry: SafeTensorsEntry, _ bytes: UnsafeRawBufferPointer, file: String) throws {
        guard entry.dtype == .bool, let index = bytes.firstIndex(where: { $0 > 1 }) else { return }
        throw CheckpointError.invalidEntry(file: file, key: entry.name,
                                           reason: "BOOL element \(index) holds byte \(bytes[index]); only 0 and 1 are valid")
    }
}
