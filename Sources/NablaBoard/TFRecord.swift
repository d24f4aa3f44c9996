/// TFRecord framing, the container of event files.
///
/// Each record is `uint64 length`, `uint32 masked_crc32c(length bytes)`, `data`,
/// `uint32 masked_crc32c(data)`, all little-endian; records are simply concatenated.
public enum TFRecord {
    /// The framing bytes around `data` plus `data` itself: one complete record.
    ///
    /// ```swift
    /// let record = TFRecord.frame(Event.fileVersion(wallTime: 1_700_000_000).serializedBytes())
    /// // 18 00 00 00 00 00 00 00  a3 7f 4b 22  <24 bytes>  ec ed 8f 9d
    /// ```
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        var record = [UInt8]()
        record.reserveCapacity(data.count + 16)
        appendLittleEndian(UInt64(data.count), to: &record)
        appendLittleEndian(CRC32C.maskedChecksum(record[0..<8]), to: &record)
        record.append(contentsOf: data)
        appendLittleEndian(CRC32C.maskedChecksum(data), to: &record)
        return record
    }

    /// A record that `parse(_:)` found invalid, with its byte offset.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        /// The offset of the bad record in the stream.
        public var offset: Int
        /// What is wrong with it.
        public var reason: String

        /// A sentence naming the offset and the problem.
        public var description: String { "bad TFRecord at byte \(offset): \(reason)" }
    }

    /// Splits a stream of records into their data, checking both CRCs of every record.
    ///
    /// Throws `ParseError` for a truncated record or a CRC mismatch.
    public static func parse(_ bytes: [UInt8]) throws -> [[UInt8]] {
        var records: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 12 else {
                throw ParseError(offset: offset, reason: "truncated header (\(bytes.count - offset) bytes left)")
            }
            let length = readLittleEndian(UInt64.self, bytes, at: offset)
            let lengthCRC = readLittleEndian(UInt32.self, bytes, at: offset + 8)
            guard CRC32C.maskedChecksum(bytes[offset..<offset + 8]) == lengthCRC else {
                throw ParseError(offset: offset, reason: "length CRC mismatch")
            }
            let remaining = UInt64(bytes.count - offset - 12)
            guard length <= remaining, remaining - length >= 4 else {
                throw ParseError(offset: offset, reason: "truncated data (length \(length), \(remaining) bytes left)")
            }
            let start = offset + 12, end = start + Int(length)
            let data = Array(bytes[start..<end])
            guard CRC32C.maskedChecksum(data) == readLittleEndian(UInt32.self, bytes, at: end) else {
                throw ParseError(offset: offset, reason: "data CRC mismatch")
            }
            records.append(data)
            offset = end + 4
        }
        return records
    }

    private static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func readLittleEndian<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], at offset: Int) -> T {
        var value: T = 0
        for i in 0..<MemoryLayout<T>.size { value |= T(bytes[offset + i]) << (8 * i) }
        return value
    }
}
