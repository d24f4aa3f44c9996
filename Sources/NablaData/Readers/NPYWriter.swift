import Foundation
import Nabla

/// Writes tensors as NumPy `.npy` arrays, byte for byte as `np.save` does (format 1.0, or 2.0 when the
/// header needs more than 65535 bytes; C order; header padded so the data starts at a multiple of 64).
///
/// ```swift
/// try NPYWriter.write(Tensor([[1, 2], [3, 4]] as [[Float]]), to: URL(fileURLWithPath: "x.npy"))
/// ```
public enum NPYWriter {
    /// The `.npy` bytes of `tensor`.
    /// - Throws: `DataFileError.unsupportedNPYDType` for bfloat16 (NumPy has no such dtype).
    public static func encode(_ tensor: Tensor) throws -> [UInt8] {
        guard let descr = NPYHeader.descr(of: tensor.dtype) else {
            throw DataFileError.unsupportedNPYDType(file: "<tensor>", entry: nil, descr: "\(tensor.dtype)", reason: "NumPy has no \(tensor.dtype) dtype; cast first")
        }
        let dict = NPYHeader(descr: descr, fortranOrder: false, shape: tensor.shape).dictLiteral
        // magic (6) + version (2) + length (2 or 4) + dict + padding + "\n" is a multiple of 64.
        var lengthSize = 2
        var padded = paddedHeader(dict, prefixCount: 8 + lengthSize)
        var version: UInt8 = 1
        if padded.count > 0xFFFF {
            lengthSize = 4
            version = 2
            padded = paddedHeader(dict, prefixCount: 8 + lengthSize)
        }
        var bytes = NPYHeader.magic + [version, 0]
        bytes += (0..<lengthSize).map { UInt8(truncatingIfNeeded: padded.count >> (8 * $0)) }
        bytes += padded
        tensor.withUnsafeBytes { bytes += $0 }
        return bytes
    }

    /// Writes `tensor` to `url` as a `.npy` file.
    public static func write(_ tensor: Tensor, to url: URL) throws {
        let bytes = try encode(tensor)
        do {
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw DataFileError.io(file: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    private static func paddedHeader(_ dict: String, prefixCount: Int) -> [UInt8] {
        let unpadded = prefixCount + dict.utf8.count + 1
        let padding = (64 - unpadded % 64) % 64
        return Array(dict.utf8) + [UInt8](repeating: 0x20, count: padding) + [0x0A]
    }
}
