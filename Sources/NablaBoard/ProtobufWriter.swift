/// A minimal protocol-buffer encoder: just what TensorBoard's messages need.
///
/// Follows proto3 rules: the `…IfNotDefault` helpers omit a scalar equal to its default (0, empty),
/// message fields are written when present (even if empty), and members of a `oneof` are always
/// written when set. Repeated numeric fields are packed. Fields should be written in field-number
/// order, as protobuf's own serializers do, so that output is byte-for-byte canonical.
///
/// ```swift
/// var writer = ProtobufWriter()
/// writer.writeString(1, "loss")
/// writer.writeFloat(2, 0.5)
/// let bytes = writer.bytes   // 0a 04 6c 6f 73 73 15 00 00 00 3f
/// ```
public struct ProtobufWriter: Sendable {
    /// The wire types of the protobuf encoding.
    public enum WireType: UInt8, Sendable {
        /// int32, int64, uint32, uint64, bool, enum.
        case varint = 0
        /// fixed64, sfixed64, double.
        case fixed64 = 1
        /// string, bytes, embedded messages, packed repeated fields.
        case lengthDelimited = 2
        /// fixed32, sfixed32, float.
        case fixed32 = 5
    }

    /// The bytes encoded so far.
    public private(set) var bytes: [UInt8] = []

    /// Creates an empty writer.
    public init() {}

    // MARK: Wire primitives

    /// Appends `value` as a base-128 varint.
    public mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Appends a field key: `(field << 3) | wireType`.
    public mutating func appendKey(_ field: Int, _ wireType: WireType) {
        precondition(field > 0 && field < (1 << 29), "ProtobufWriter: field number \(field) is out of range")
        appendVarint(UInt64(field) << 3 | UInt64(wireType.rawValue))
    }

    /// Appends the little-endian bytes of `value`.
    public mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    // MARK: Fields written unconditionally (oneof members, explicit presence)

    /// Writes a varint field (int32, int64, uint64, enum): negative values take ten bytes, as in protobuf.
    public mutating func writeVarint(_ field: Int, _ value: Int64) {
        appendKey(field, .varint)
        appendVarint(UInt64(bitPattern: value))
    }

    /// Writes a bool field.
    public mutating func writeBool(_ field: Int, _ value: Bool) {
        appendKey(field, .varint)
        appendVarint(value ? 1 : 0)
    }

    /// Writes a double field (fixed64).
    public mutating func writeDouble(_ field: Int, _ value: Double) {
        appendKey(field, .fixed64)
        appendLittleEndian(value.bitPattern)
    }

    /// Writes a float field (fixed32).
    public mutating func writeFloat(_ field: Int, _ value: Float) {
        appendKey(field, .fixed32)
        appendLittleEndian(value.bitPattern)
    }

    /// Writes a length-delimited bytes field.
    public mutating func writeBytes<Bytes: Collection>(_ field: Int, _ value: Bytes) where Bytes.Element == UInt8 {
        appendKey(field, .lengthDelimited)
        appendVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// Writes a string field as UTF-8.
    public mutating func writeString(_ field: Int, _ value: String) {
        writeBytes(field, Array(value.utf8))
    }

    /// Writes an embedded message field.
    public mutating func writeMessage(_ field: Int, _ message: some ProtobufMessage) {
        writeBytes(field, message.serializedBytes())
    }

    // MARK: proto3 singular scalars (omitted when equal to the default)

    /// Writes a varint field unless it is 0.
    public mutating func writeVarintIfNotDefault(_ field: Int, _ value: Int64) {
        if value != 0 { writeVarint(field, value) }
    }

    /// Writes a bool field unless it is false.
    public mutating func writeBoolIfNotDefault(_ field: Int, _ value: Bool) {
        if value { writeBool(field, value) }
    }

    /// Writes a double field unless its bit pattern is zero (`-0.0` is written, as protobuf does).
    public mutating func writeDoubleIfNotDefault(_ field: Int, _ value: Double) {
        if value.bitPattern != 0 { writeDouble(field, value) }
    }

    /// Writes a float field unless its bit pattern is zero.
    public mutating func writeFloatIfNotDefault(_ field: Int, _ value: Float) {
        if value.bitPattern != 0 { writeFloat(field, value) }
    }

    /// Writes a bytes field unless it is empty.
    public mutating func writeBytesIfNotEmpty<Bytes: Collection>(_ field: Int, _ value: Bytes) where Bytes.Element == UInt8 {
        if !value.isEmpty { writeBytes(field, value) }
    }

    /// Writes a string field unless it is empty.
    public mutating func writeStringIfNotEmpty(_ field: Int, _ value: String) {
        if !value.isEmpty { writeString(field, value) }
    }

    /// Writes an embedded message field when present.
    public mutating func writeMessageIfPresent(_ field: Int, _ message: (some ProtobufMessage)?) {
        if let message { writeMessage(field, message) }
    }

    // MARK: Packed repeated fields

    /// Writes a packed repeated double field (omitted when empty).
    public mutating func writePackedDoubles(_ field: Int, _ values: [Double]) {
        guard !values.isEmpty else { return }
        appendKey(field, .lengthDelimited)
        appendVarint(UInt64(values.count * 8))
        for v in values { appendLittleEndian(v.bitPattern) }
    }

    /// Writes a packed repeated float field (omitted when empty).
    public mutating func writePackedFloats(_ field: Int, _ values: [Float]) {
        guard !values.isEmpty else { return }
        appendKey(field, .lengthDelimited)
        appendVarint(UInt64(values.count * 4))
        for v in values { appendLittleEndian(v.bitPattern) }
    }

    /// Writes a packed repeated varint field (int32, int64; omitted when empty).
    public mutating func writePackedVarints(_ field: Int, _ values: [Int64]) {
        guard !values.isEmpty else { return }
        var payload = ProtobufWriter()
        for v in values { payload.appendVarint(UInt64(bitPattern: v)) }
        writeBytes(field, payload.bytes)
    }
}

/// A protobuf message that can serialize itself with `ProtobufWriter`.
public protocol ProtobufMessage: Sendable {
    /// Writes this message's fields, in field-number order.
    func encode(to writer: inout ProtobufWriter)
}

extension ProtobufMessage {
    /// The message's wire-format bytes.
    public func serializedBytes() -> [UInt8] {
        var writer = ProtobufWriter()
        encode(to: &writer)
        return writer.bytes
    }
}
