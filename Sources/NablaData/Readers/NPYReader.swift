import Foundation
import Nabla

/// Reads NumPy `.npy` arrays (format versions 1.0, 2.0 and 3.0) into tensors.
///
/// Supported dtypes: `<f2 <f4 <f8 |i1 |u1 <i4 <i8 |b1` (float16, float32, float64, int8, uint8, int32,
/// int64, bool); big-endian, object, string and complex arrays are rejected with
/// `DataFileError.unsupportedNPYDType`. Fortran-order (column-major) arrays are transposed into the
/// tensor's row-major layout, so `x[i, j]` is the same element as in NumPy.
///
/// ```swift
/// let x = try NPYReader.read(from: URL(fileURLWithPath: "x.npy"))    // np.save("x.npy", x)
/// ```
public enum NPYReader {
    /// Reads the `.npy` file at `url`.
    /// - Throws: `DataFileError` naming the file: unreadable, bad magic or header, unsupported dtype,
    ///   data shorter or longer than the shape says, bool bytes other than 0 and 1.
    public static func read(from url: URL) throws -> Tensor {
        let bytes = try CSVDataset.readFile(url)
        return try bytes.withUnsafeBytes { try decode($0, file: url.path) }
    }

    /// Decodes a whole `.npy` file held in memory; `file` and `entry` name it in errors (`entry` is the
    /// member of a `.npz` archive).
    public static func decode(_ bytes: UnsafeRawBufferPointer, file: String, entry: String? = nil) throws -> Tensor {
        let (header, dataStart) = try readHeader(bytes, file: file, entry: entry)
        func fail(_ reason: String) -> DataFileError { .badNPY(file: file, entry: entry, reason: reason) }
        let (dtype, why) = NPYHeader.dtype(of: header.descr)
        guard let dtype else { throw DataFileError.unsupportedNPYDType(file: file, entry: entry, descr: header.descr, reason: why) }

        var count = 1
        for d in header.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw fail("shape \(header.shape) is too large") }
            count = product
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else { throw fail("shape \(header.shape) is too large") }
        let available = bytes.count - dataStart
        guard available >= byteCount else {
            throw fail("truncated: shape \(header.shape) of \(header.descr) needs \(byteCount) data bytes, the file holds \(available)")
        }
        guard available == byteCount else {
            throw fail("\(available - byteCount) bytes after the \(byteCount) data bytes of shape \(header.shape)")
        }
        let data = UnsafeRawBufferPointer(rebasing: bytes[dataStart..<(dataStart + byteCount)])
        if dtype == .bool, let bad = data.firstIndex(where: { $0 > 1 }) {
            throw fail("bool element \(bad) is \(data[bad]), not 0 or 1")
        }
        guard header.fortranOrder && header.shape.count > 1 else {
            return Tensor(shape: header.shape, dtype: dtype, copyingBytes: data)
        }
        // Column-major data is the row-major data of the transposed array: read it so and transpose back.
        let reversed = Array(header.shape.reversed())
        let transposed = Tensor(shape: reversed, dtype: dtype, copyingBytes: data)
        return transposed.permuted(Array((0..<reversed.count).reversed())).contiguous()
    }

    /// The header of a `.npy` file held in memory, and where its data starts.
    public static func readHeader(_ bytes: UnsafeRawBufferPointer, file: String, entry: String? = nil) throws -> (NPYHeader, dataStart: Int) {
        func fail(_ reason: String) -> DataFileError { .badNPY(file: file, entry: entry, reason: reason) }
        guard bytes.count >= 10, Array(bytes[0..<6]) == NPYHeader.magic else {
            throw fail("the file does not start with the magic \\x93NUMPY")
        }
        let major = bytes[6], minor = bytes[7]
        let lengthSize: Int
        switch major {
        case 1: lengthSize = 2
        case 2, 3: lengthSize = 4
        default: throw fail("unknown format version \(major).\(minor)")
        }
        guard bytes.count >= 8 + lengthSize else { throw fail("truncated before the header length") }
        let headerLength = (0..<lengthSize).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        let headerStart = 8 + lengthSize
        guard bytes.count >= headerStart + headerLength else {
            throw fail("the header length \(headerLength) reaches past the end of the file (\(bytes.count) bytes)")
        }
        let headerBytes = Array(bytes[headerStart..<(headerStart + headerLength)])
        if major < 3, let bad = headerBytes.firstIndex(where: { $0 >= 0x80 }) {
            throw fail("version \(major) headers are ASCII, byte \(bad) is 0x\(String(headerBytes[bad], radix: 16))")
        }
        guard let text = String(validating: headerBytes, as: UTF8.self) else { throw fail("the header is not UTF-8") }
        return (try NPYHeader.parse(text, fail: fail), headerStart + headerLength)
    }
}
