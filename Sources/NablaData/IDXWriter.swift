import CZlib
import Foundation
import Nabla

/// Writes tensors as IDX files, plain or gzip-compressed (what `IDXReader` reads).
///
/// ```swift
/// try IDXWriter.write(labels, to: URL(fileURLWithPath: "labels-idx1-ubyte.gz"), compressed: true)
/// ```
public enum IDXWriter {
    /// Writes `tensor` (dtype uint8, int8, int32, float32 or float64; at most 255 dimensions) to `url`.
    ///
    /// - Parameter compressed: gzip the file (zlib's default level).
    /// - Throws: `DatasetError.io` naming the file when the dtype has no IDX type or writing fails.
    public static func write(_ tensor: Tensor, to url: URL, compressed: Bool = false) throws {
        let file = url.path
        guard let type = IDXElementType(dtype: tensor.dtype) else {
            throw DatasetError.io(file: file, reason: "IDX has no element type for \(tensor.dtype)")
        }
        guard tensor.rank <= 255, tensor.shape.allSatisfy({ $0 <= Int(UInt32.max) }) else {
            throw DatasetError.unexpectedShape(file: file, expected: "at most 255 dimensions of at most 2^32-1", found: tensor.shape)
        }
        var bytes: [UInt8] = [0, 0, type.rawValue, UInt8(tensor.rank)]
        for d in tensor.shape { withUnsafeBytes(of: UInt32(d).bigEndian) { bytes.append(contentsOf: $0) } }
        let headerCount = bytes.count
        tensor.withUnsafeBytes { bytes.append(contentsOf: $0) }
        // To big-endian.
        if type.byteSize > 1 && UInt32(1).littleEndian == 1 {
            var i = headerCount
            while i < bytes.count {
                bytes[i..<(i + type.byteSize)].reverse()
                i += type.byteSize
            }
        }
        if compressed {
            guard let gz = gzopen(file, "wb") else {
                throw DatasetError.io(file: file, reason: "cannot create: \(String(cString: strerror(errno)))")
            }
            var offset = 0
            while offset < bytes.count {
                let n = min(1 << 20, bytes.count - offset)
                let written = bytes.withUnsafeBytes { gzwrite(gz, $0.baseAddress! + offset, UInt32(n)) }
                guard written == Int32(n) else {
                    gzclose(gz)
                    throw DatasetError.io(file: file, reason: "gzip write failed")
                }
                offset += n
            }
            guard gzclose(gz) == Z_OK else { throw DatasetError.io(file: file, reason: "gzip close failed") }
        } else {
            do {
                try Data(bytes).write(to: url)
            } catch {
                throw DatasetError.io(file: file, reason: "cannot write: \(error.localizedDescription)")
            }
        }
    }
}
