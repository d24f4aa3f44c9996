import CZlib
import Foundation
import Nabla

/// The element types of the IDX format (the third byte of the magic number), and the dtype each reads as.
public enum IDXElementType: UInt8, Sendable, CaseIterable {
    /// Unsigned bytes (0x08): `.uint8`.
    case uint8 = 0x08
    /// Signed bytes (0x09): `.int8`.
    case int8 = 0x09
    /// Big-endian 16-bit integers (0x0B): read as `.int32` (Nabla has no int16).
    case int16 = 0x0B
    /// Big-endian 32-bit integers (0x0C): `.int32`.
    case int32 = 0x0C
    /// Big-endian IEEE floats (0x0D): `.float32`.
    case float32 = 0x0D
    /// Big-endian IEEE doubles (0x0E): `.float64`.
    case float64 = 0x0E

    /// Bytes per element in the file.
    public var byteSize: Int {
        switch self {
        case .uint8, .int8: return 1
        case .int16: return 2
        case .int32, .float32: return 4
        case .float64: return 8
        }
    }

    /// The dtype of the tensor the reader returns.
    public var dtype: DType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .int16, .int32: return .int32
        case .float32: return .float32
        case .float64: return .float64
        }
    }

    /// The IDX type for a dtype, if the format has one.
    public init?(dtype: DType) {
        switch dtype {
        case .uint8: self = .uint8
        case .int8: self = .int8
        case .int32: self = .int32
        case .float32: self = .float32
        case .float64: self = .float64
        default: return nil
        }
    }
}

/// Reads IDX files (the format of MNIST and Fashion-MNIST), plain or gzip-compressed.
///
/// An IDX file is a big-endian magic number `0x0000TTDD` (`TT` the element type, `DD` the number of
/// dimensions), `DD` big-endian 32-bit dimension sizes, then the elements, big-endian, row-major.
/// Image files are `0x00000803` (uint8 `[N, rows, cols]`), label files `0x00000801` (uint8 `[N]`).
///
/// ```swift
/// let images = try IDXReader.read(from: url, expectingMagic: IDXReader.imagesMagic)   // uint8 [N, 28, 28]
/// ```
public enum IDXReader {
    /// The magic number of uint8 image files: `[N, rows, cols]`.
    public static let imagesMagic: UInt32 = 0x0000_0803
    /// The magic number of uint8 label files: `[N]`.
    public static let labelsMagic: UInt32 = 0x0000_0801

    /// Reads the IDX file at `url` (gzip-compressed or plain; detected from the content) into a tensor
    /// whose shape is the file's dimensions and dtype is `IDXElementType.dtype`.
    ///
    /// - Parameter expectingMagic: when given, the file's magic number must equal it.
    /// - Throws: `DatasetError` naming the file: missing or unreadable, bad magic number, unknown
    ///   element type, data shorter or longer than the dimensions say, corrupt gzip stream.
    public static func read(from url: URL, expectingMagic: UInt32? = nil) throws -> Tensor {
        let file = url.path
        var st = stat()
        guard stat(file, &st) == 0 else {
            if errno == ENOENT { throw DatasetError.datasetMissing(path: file, hint: "The IDX file does not exist.") }
            throw DatasetError.io(file: file, reason: "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard let gz = gzopen(file, "rb") else {
            throw DatasetError.io(file: file, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { gzclose(gz) }
        _ = gzbuffer(gz, 1 << 18)
        let reader = GzipReader(gz: gz, file: file)
        let isCompressed = gzdirect(gz) == 0

        // Magic number and dimensions.
        let magicBytes = try reader.read(4)
        guard magicBytes.count == 4 else { throw DatasetError.truncated(file: file, expectedByteCount: 4, actualByteCount: magicBytes.count) }
        let magic = magicBytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard magicBytes[0] == 0, magicBytes[1] == 0 else {
            throw DatasetError.badMagic(file: file, found: magic, reason: "the first two bytes must be zero; this is not an IDX file")
        }
        guard let type = IDXElementType(rawValue: magicBytes[2]) else {
            throw DatasetError.badMagic(file: file, found: magic, reason: "unknown element type 0x\(String(magicBytes[2], radix: 16))")
        }
        if let expectingMagic, magic != expectingMagic {
            throw DatasetError.badMagic(file: file, found: magic, reason: "expected 0x\(hex8(expectingMagic)) (\(describe(expectingMagic)))")
        }
        let rank = Int(magicBytes[3])
        let headerCount = 4 + 4 * rank
        let dimBytes = try reader.read(4 * rank)
        guard dimBytes.count == 4 * rank else {
            throw DatasetError.truncated(file: file, expectedByteCount: headerCount, actualByteCount: 4 + dimBytes.count)
        }
        let shape = (0..<rank).map { i in dimBytes[(4 * i)..<(4 * i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        var dataCount = type.byteSize
        for d in shape {
            let (product, overflow) = dataCount.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw DatasetError.unexpectedShape(file: file, expected: "dimensions whose product fits in 64 bits", found: shape)
            }
            dataCount = product
        }
        let expectedTotal = headerCount + dataCount
        // A plain file's size is known before reading: check it first (no allocation for a bad header).
        if !isCompressed && Int(st.st_size) != expectedTotal {
            if Int(st.st_size) < expectedTotal {
                throw DatasetError.truncated(file: file, expectedByteCount: expectedTotal, actualByteCount: Int(st.st_size))
            }
            throw DatasetError.trailingData(file: file, expectedByteCount: expectedTotal, actualByteCount: Int(st.st_size))
        }

        var data = try reader.read(dataCount)
        guard data.count == dataCount else {
            throw DatasetError.truncated(file: file, expectedByteCount: expectedTotal, actualByteCount: headerCount + data.count)
        }
        guard try reader.read(1).isEmpty else {
            throw DatasetError.trailingData(file: file, expectedByteCount: expectedTotal, actualByteCount: nil)
        }
        try reader.checkStreamComplete()

        swapToNative(&data, type: type)
        let elementData: [UInt8] = type == .int16 ? widenInt16(data) : data
        return elementData.withUnsafeBytes { Tensor(shape: shape, dtype: type.dtype, copyingBytes: $0) }
    }

    /// A short description of the well-known magic numbers.
    static func describe(_ magic: UInt32) -> String {
        switch magic {
        case imagesMagic: return "uint8 images [N, rows, cols]"
        case labelsMagic: return "uint8 labels [N]"
        default:
            let type = IDXElementType(rawValue: UInt8((magic >> 8) & 0xFF)).map { "\($0)" } ?? "unknown"
            return "\(type) with \(magic & 0xFF) dimensions"
        }
    }

    /// Reverses each element's bytes in place (IDX is big-endian; Nabla's hosts are little-endian).
    private static func swapToNative(_ data: inout [UInt8], type: IDXElementType) {
        let size = type.byteSize
        guard size > 1, UInt32(1).littleEndian == 1 else { return }
        data.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i < p.count {
                var (lo, hi) = (i, i + size - 1)
                while lo < hi { p.swapAt(lo, hi); lo += 1; hi -= 1 }
                i += size
            }
        }
    }

    /// Native int16 bytes widened to native int32 bytes.
    private static func widenInt16(_ data: [UInt8]) -> [UInt8] {
        let values = data.withUnsafeBytes { raw in (0..<(data.count / 2)).map { Int32(raw.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self)) } }
        return values.withUnsafeBytes { Array($0) }
    }
}

/// Reads a gzip (or plain) file through zlib in chunks, turning zlib's errors into `DatasetError`.
struct GzipReader {
    let gz: gzFile
    let file: String

    /// Up to `count` bytes (fewer only at the end of the file). Grows the buffer as data arrives, so a
    /// header claiming a huge size does not allocate it up front.
    func read(_ count: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(min(count, 1 << 26))
        var chunk = [UInt8](repeating: 0, count: min(max(count, 1), 1 << 20))
        while result.count < count {
            let want = min(chunk.count, count - result.count)
            let got = chunk.withUnsafeMutableBytes { gzread(gz, $0.baseAddress, UInt32(want)) }
            if got < 0 { throw DatasetError.io(file: file, reason: "cannot read: \(zlibMessage())") }
            if got == 0 { break }
            result.append(contentsOf: chunk[0..<Int(got)])
        }
        return result
    }

    /// Throws when the gzip stream ended early or is corrupt (zlib defers that report to `gzerror`).
    func checkStreamComplete() throws {
        var code: Int32 = 0
        _ = gzerror(gz, &code)
        if code == Z_BUF_ERROR {
            throw DatasetError.io(file: file, reason: "the gzip stream ends early (the file is truncated)")
        }
        if code != Z_OK { throw DatasetError.io(file: file, reason: "gzip error: \(zlibMessage())") }
    }

    private func zlibMessage() -> String {
        var code: Int32 = 0
        guard let message = gzerror(gz, &code) else { return "unknown zlib error" }
        return code == Z_ERRNO ? String(cString: strerror(errno)) : String(cString: message)
    }
}
