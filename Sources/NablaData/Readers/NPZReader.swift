import CZlib
import Foundation
import Nabla

/// Reads NumPy `.npz` archives (`np.savez`, `np.savez_compressed`): a zip file of `.npy` members,
/// stored or deflated. The archive is read into memory whole.
///
/// ```swift
/// let arrays = try NPZReader.read(from: URL(fileURLWithPath: "data.npz"))   // np.savez("data.npz", x=x, y=y)
/// let x = arrays["x"]!, y = arrays["y"]!
/// ```
public enum NPZReader {
    /// The arrays of the archive at `url`, keyed by member name without the `.npy` suffix.
    /// - Throws: `DataFileError` naming the file and member: not a zip, truncated, unsupported
    ///   compression, CRC mismatch, corrupt deflate data, a member that is not a valid `.npy`.
    public static func read(from url: URL) throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (name, tensor) in try entries(from: url) { result[name] = tensor }
        return result
    }

    /// The arrays of the archive at `url` in archive order, named without the `.npy` suffix.
    public static func entries(from url: URL) throws -> [(name: String, tensor: Tensor)] {
        let archive = try ZipArchive(bytes: CSVDataset.readFile(url), file: url.path)
        return try archive.entries.filter { !$0.name.hasSuffix("/") }.map { entry in
            let data = try archive.contents(of: entry)
            let tensor = try data.withUnsafeBytes { try NPYReader.decode($0, file: url.path, entry: entry.name) }
            return (arrayName(entry.name), tensor)
        }
    }

    /// The member names of the archive at `url`, without the `.npy` suffix (no data is decoded).
    public static func names(in url: URL) throws -> [String] {
        try ZipArchive(bytes: CSVDataset.readFile(url), file: url.path).entries.map { arrayName($0.name) }
    }

    static func arrayName(_ member: String) -> String {
        member.hasSuffix(".npy") ? String(member.dropLast(4)) : member
    }
}

/// Writes `.npz` archives of uncompressed (stored) `.npy` members, readable by `np.load`.
///
/// ```swift
/// try NPZWriter.write([("x", x), ("y", y)], to: URL(fileURLWithPath: "data.npz"))
/// ```
public enum NPZWriter {
    /// Writes `arrays` in order as members `<name>.npy`.
    /// - Throws: `DataFileError` when a tensor has no NumPy dtype, a name repeats, the archive would
    ///   pass 4 GiB (ZIP64 is not written), or the file cannot be written.
    public static func write(_ arrays: [(String, Tensor)], to url: URL) throws {
        let file = url.path
        guard Set(arrays.map(\.0)).count == arrays.count else {
            throw DataFileError.badZip(file: file, entry: nil, reason: "array names repeat: \(arrays.map(\.0))")
        }
        var archive: [UInt8] = [], directory: [UInt8] = []
        for (name, tensor) in arrays {
            let member = Array((name + ".npy").utf8)
            let data = try NPYWriter.encode(tensor)
            guard archive.count + data.count < 0xFFFF_FFFF else {
                throw DataFileError.badZip(file: file, entry: name, reason: "archives over 4 GiB (ZIP64) are not written")
            }
            let crc = data.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
            let offset = archive.count
            // Local file header: version 20, no flags, stored, DOS date 1980-01-01.
            archive += le32(0x0403_4B50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21)
            archive += le32(Int(crc)) + le32(data.count) + le32(data.count) + le16(member.count) + le16(0) + member
            archive += data
            directory += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21)
            directory += le32(Int(crc)) + le32(data.count) + le32(data.count) + le16(member.count) + le16(0) + le16(0)
            directory += le16(0) + le16(0) + le32(0) + le32(offset) + member
        }
        let directoryOffset = archive.count
        archive += directory
        archive += le32(0x0605_4B50) + le16(0) + le16(0) + le16(arrays.count) + le16(arrays.count)
        archive += le32(directory.count) + le32(directoryOffset) + le16(0)
        do {
            try Data(archive).write(to: url, options: .atomic)
        } catch {
            throw DataFileError.io(file: file, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Writes `arrays` with their names sorted.
    public static func write(_ arrays: [String: Tensor], to url: URL) throws {
        try write(arrays.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: url)
    }

    private static func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)] }
    private static func le32(_ value: Int) -> [UInt8] { le16(value & 0xFFFF) + le16((value >> 16) & 0xFFFF) }
}
