import CZlib
import Foundation

/// One member of a zip archive, from its central-directory record.
struct ZipEntry {
    var name: String
    /// 0: stored, 8: deflated.
    var method: UInt16
    var crc32: UInt32
    var compressedSize: Int
    var uncompressedSize: Int
    var localHeaderOffset: Int
    var flags: UInt16
}

/// Reads the members of a zip archive held in memory: the central directory (ZIP64 included), stored and
/// deflated members, CRC-checked. Enough for NumPy's `.npz` files; no encryption, no multi-disk archives.
struct ZipArchive {
    let bytes: [UInt8]
    let file: String
    private(set) var entries: [ZipEntry] = []

    init(bytes: [UInt8], file: String) throws {
        self.bytes = bytes
        self.file = file
        entries = try readCentralDirectory()
    }

    private func fail(_ reason: String, entry: String? = nil) -> DataFileError { .badZip(file: file, entry: entry, reason: reason) }

    private func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    private func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
    private func u64(_ at: Int) -> Int { u32(at) | u32(at + 4) << 32 }

    private func readCentralDirectory() throws -> [ZipEntry] {
        // The end-of-central-directory record: the last "PK\5\6" within the final 22 + 65535 bytes.
        guard bytes.count >= 22 else { throw fail("the file is \(bytes.count) bytes, too short for a zip archive") }
        var end = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        while end >= lowest && u32(end) != 0x0605_4B50 { end -= 1 }
        guard end >= lowest else { throw fail("no end-of-central-directory record (not a zip file, or truncated)") }
        var entryCount = u16(end + 10), directorySize = u32(end + 12), directoryOffset = u32(end + 16)
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: a locator just before the record points at the ZIP64 end record.
            guard end >= 20, u32(end - 20) == 0x0706_4B50 else { throw fail("ZIP64 sizes without a ZIP64 locator") }
            let record = u64(end - 20 + 8)
            guard record >= 0, record <= bytes.count - 56, u32(record) == 0x0606_4B50 else { throw fail("bad ZIP64 end record offset \(record)") }
            entryCount = u64(record + 32)
            directorySize = u64(record + 40)
            directoryOffset = u64(record + 48)
        }
        guard directoryOffset >= 0, directorySize >= 0, directoryOffset <= bytes.count, directorySize <= bytes.count - directoryOffset else {
            throw fail("the central directory (\(directorySize) bytes at \(directoryOffset)) reaches past the end of the file (\(bytes.count) bytes)")
        }
        var entries: [ZipEntry] = []
        var at = directoryOffset
        for index in 0..<entryCount {
            guard at + 46 <= directoryOffset + directorySize, u32(at) == 0x0201_4B50 else {
                throw fail("central directory record \(index) at offset \(at) is malformed")
            }
            let nameCount = u16(at + 28), extraCount = u16(at + 30), commentCount = u16(at + 32)
            guard at + 46 + nameCount + extraCount + commentCount <= bytes.count else { throw fail("central directory record \(index) is truncated") }
            let name = String(decoding: bytes[(at + 46)..<(at + 46 + nameCount)], as: UTF8.self)
            var entry = ZipEntry(name: name, method: UInt16(u16(at + 10)), crc32: UInt32(u32(at + 16)),
                                 compressedSize: u32(at + 20), uncompressedSize: u32(at + 24),
                                 localHeaderOffset: u32(at + 42), flags: UInt16(u16(at + 8)))
            try applyZip64Extra(&entry, extra: (at + 46 + nameCount)..<(at + 46 + nameCount + extraCount))
            entries.append(entry)
            at += 46 + nameCount + extraCount + commentCount
        }
        return entries
    }

    /// Replaces 0xFFFFFFFF sizes and offsets with their values from the ZIP64 extra field (id 1).
    private func applyZip64Extra(_ entry: inout ZipEntry, extra: Range<Int>) throws {
        var at = extra.lowerBound
        while at + 4 <= extra.upperBound {
            let id = u16(at), size = u16(at + 2)
            guard at + 4 + size <= extra.upperBound else { break }
            if id == 1 {
                var field = at + 4
                func next() throws -> Int {
                    guard field + 8 <= at + 4 + size else { throw fail("ZIP64 extra field too short", entry: entry.name) }
                    defer { field += 8 }
                    return u64(field)
                }
                if entry.uncompressedSize == 0xFFFF_FFFF { entry.uncompressedSize = try next() }
                if entry.compressedSize == 0xFFFF_FFFF { entry.compressedSize = try next() }
                if entry.localHeaderOffset == 0xFFFF_FFFF { entry.localHeaderOffset = try next() }
            }
            at += 4 + size
        }
    }

    /// The uncompressed bytes of `entry`, checked against its CRC-32.
    func contents(of entry: ZipEntry) throws -> [UInt8] {
        let name = entry.name
        guard entry.flags & 1 == 0 else { throw fail("encrypted members are not supported", entry: name) }
        let header = entry.localHeaderOffset
        guard header >= 0, header <= bytes.count - 30, u32(header) == 0x0403_4B50 else {
            throw fail("no local file header at offset \(header)", entry: name)
        }
        let start = header + 30 + u16(header + 26) + u16(header + 28)
        guard start <= bytes.count, entry.compressedSize >= 0, entry.compressedSize <= bytes.count - start else {
            throw fail("the data (\(entry.compressedSize) bytes at \(start)) reaches past the end of the file (\(bytes.count) bytes)", entry: name)
        }
        let data: [UInt8]
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else {
                throw fail("a stored member with compressed size \(entry.compressedSize) and size \(entry.uncompressedSize)", entry: name)
            }
            data = Array(bytes[start..<(start + entry.compressedSize)])
        case 8:
            // Deflate cannot expand data more than about 1032 times: a larger size is a corrupt directory.
            guard entry.uncompressedSize >= 0, entry.uncompressedSize / 1032 <= entry.compressedSize + 1 else {
                throw fail("the directory claims \(entry.uncompressedSize) bytes from \(entry.compressedSize) deflated bytes", entry: name)
            }
            data = try inflate(bytes[start..<(start + entry.compressedSize)], expectedCount: entry.uncompressedSize, entry: name)
        default:
            throw fail("compression method \(entry.method) is not supported (only stored and deflated)", entry: name)
        }
        let crc = data.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, uInt($0.count))) }
        guard crc == entry.crc32 else {
            throw fail("CRC-32 mismatch: the data's is 0x\(String(crc, radix: 16)), the directory says 0x\(String(entry.crc32, radix: 16))", entry: name)
        }
        return data
    }

    /// Raw-deflate decompression (zlib's `inflateInit2` with negative window bits: no zlib header).
    private func inflate(_ input: ArraySlice<UInt8>, expectedCount: Int, entry: String) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: expectedCount)
        var stream = z_stream()
        let windowBits: Int32 = -15   // -MAX_WBITS: a raw deflate stream
        guard inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail("zlib could not start inflating", entry: entry)
        }
        defer { inflateEnd(&stream) }
        let (status, produced, message): (Int32, Int, String?) = input.withUnsafeBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                let status = CZlib.inflate(&stream, Z_FINISH)
                return (status, Int(stream.total_out), stream.msg.map { String(cString: $0) })
            }
        }
        guard status == Z_STREAM_END else {
            let reason = status == Z_BUF_ERROR && produced == expectedCount
                ? "the deflated data holds more than the \(expectedCount) bytes the directory says"
                : "corrupt deflate data: \(message ?? "zlib error \(status)") after \(produced) bytes"
            throw fail(reason, entry: entry)
        }
        guard produced == expectedCount else {
            throw fail("inflated to \(produced) bytes, the directory says \(expectedCount)", entry: entry)
        }
        return output
    }
}
