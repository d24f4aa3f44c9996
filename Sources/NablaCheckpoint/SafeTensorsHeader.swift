import Foundation
import Nabla

extension DType {
    /// The dtype's name in safetensors headers: "F32", "F64", "F16", "BF16", "I8", "U8", "I32", "I64", "BOOL".
    public var safetensorsName: String {
        switch self {
        case .bool: return "BOOL"
        case .uint8: return "U8"
        case .int8: return "I8"
        case .int32: return "I32"
        case .int64: return "I64"
        case .float16: return "F16"
        case .bfloat16: return "BF16"
        case .float32: return "F32"
        case .float64: return "F64"
        }
    }

    /// Parses a safetensors dtype name ("F32", …); nil for names Nabla has no dtype for ("U16", "F8_E4M3", …).
    public init?(safetensorsName name: String) {
        guard let match = DType.allCases.first(where: { $0.safetensorsName == name }) else { return nil }
        self = match
    }
}

/// One tensor as a safetensors header describes it.
public struct SafeTensorsEntry: Sendable, Hashable {
    /// The tensor's name (a dotted state-dict key such as "fc1.weight").
    public var name: String
    /// The element type.
    public var dtype: DType
    /// The size of each dimension.
    public var shape: [Int]
    /// The tensor's bytes, relative to the start of the data buffer (after the header).
    public var dataOffsets: Range<Int>

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }
}

/// What a safetensors header says, without the tensors' data: what `nabla info` prints.
///
/// ```swift
/// let info = try SafeTensors.info(at: url)
/// for entry in info.entries { print(entry.name, entry.dtype, entry.shape) }
/// ```
public struct SafeTensorsInfo: Sendable {
    /// The file's path.
    public var file: String
    /// The tensors, in the order their bytes appear in the file.
    public var entries: [SafeTensorsEntry]
    /// The `__metadata__` block (empty when the file has none).
    public var metadata: [String: String]
    /// The header's length in bytes (the 8-byte prefix's value).
    public var headerByteCount: Int
    /// The whole file's length in bytes.
    public var fileByteCount: Int

    /// The byte offset in the file where the data buffer starts (`8 + headerByteCount`).
    public var dataStart: Int { 8 + headerByteCount }

    /// The entry named `name`, if any.
    public subscript(name: String) -> SafeTensorsEntry? { entries.first { $0.name == name } }

    /// The tensor names in file order.
    public var names: [String] { entries.map(\.name) }
}

/// A JSON value, as much as a safetensors header needs.
enum JSONValue: Decodable {
    case null, bool(Bool), int(Int), double(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// A short name of the value's JSON type, for error messages.
    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// Parsing, validating and writing safetensors headers.
enum SafeTensorsHeader {
    /// The header's reserved key for string metadata.
    static let metadataKey = "__metadata__"

    /// Parses and validates a header against a data buffer of `bufferByteCount` bytes.
    static func parse(_ bytes: UnsafeRawBufferPointer, file: String, headerByteCount: Int, fileByteCount: Int) throws -> SafeTensorsInfo {
        let bufferByteCount = fileByteCount - 8 - headerByteCount
        guard headerByteCount > 0 else { throw CheckpointError.invalidHeader(file: file, reason: "the header is empty (length 0)") }
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            let preview = String(decoding: bytes.prefix(60), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
            var detail = "\(error)"
            if case let DecodingError.dataCorrupted(context) = error {
                detail = context.underlyingError.map { "\(context.debugDescription) \($0)" } ?? context.debugDescription
            }
            throw CheckpointError.invalidHeader(file: file, reason: "not valid JSON (\(detail)); it begins \"\(preview)\"")
        }
        guard case let .object(fields) = root else {
            throw CheckpointError.invalidHeader(file: file, reason: "expected a JSON object, got \(root.typeName)")
        }
        var metadata: [String: String] = [:]
        var entries: [SafeTensorsEntry] = []
        for (key, value) in fields {
            if key == metadataKey {
                metadata = try parseMetadata(value, file: file)
            } else {
                entries.append(try parseEntry(key, value, file: file, bufferByteCount: bufferByteCount))
            }
        }
        entries.sort { ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name) }
        var previous: SafeTensorsEntry?
        for entry in entries where !entry.dataOffsets.isEmpty {
            if let previous, entry.dataOffsets.lowerBound < previous.dataOffsets.upperBound {
                throw CheckpointError.overlappingTensors(file: file, key: entry.name, otherKey: previous.name)
            }
            previous = entry
        }
        return SafeTensorsInfo(file: file, entries: entries, metadata: metadata,
                               headerByteCount: headerByteCount, fileByteCount: fileByteCount)
    }

    private static func parseMetadata(_ value: JSONValue, file: String) throws -> [String: String] {
        guard case let .object(fields) = value else {
            throw CheckpointError.invalidMetadata(file: file, key: nil, reason: "expected an object of strings, got \(value.typeName)")
        }
        var metadata: [String: String] = [:]
        for (key, v) in fields {
            guard case let .string(s) = v else {
                throw CheckpointError.invalidMetadata(file: file, key: key, reason: "values must be strings, got \(v.typeName)")
            }
            metadata[key] = s
        }
        return metadata
    }

    private static func parseEntry(_ key: String, _ value: JSONValue, file: String, bufferByteCount: Int) throws -> SafeTensorsEntry {
        func invalid(_ reason: String) -> CheckpointError { .invalidEntry(file: file, key: key, reason: reason) }
        guard case let .object(fields) = value else { throw invalid("expected an object with dtype, shape and data_offsets, got \(value.typeName)") }
        func integers(_ field: String) throws -> [Int] {
            guard let raw = fields[field] else { throw invalid("missing field \"\(field)\"") }
            guard case let .array(items) = raw else { throw invalid("\"\(field)\" must be an array of integers, got \(raw.typeName)") }
            return try items.map { item in
                guard case let .int(i) = item else { throw invalid("\"\(field)\" must hold integers, found \(item.typeName)") }
                return i
            }
        }
        guard let rawDType = fields["dtype"] else { throw invalid("missing field \"dtype\"") }
        guard case let .string(dtypeName) = rawDType else { throw invalid("\"dtype\" must be a string, got \(rawDType.typeName)") }
        let shape = try integers("shape")
        let offsets = try integers("data_offsets")
        guard let dtype = DType(safetensorsName: dtypeName) else {
            throw CheckpointError.unknownDType(file: file, key: key, dtype: dtypeName)
        }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw invalid("\"shape\" \(shape) has a negative dimension") }
        guard offsets.count == 2 else { throw invalid("\"data_offsets\" must be [begin, end], got \(offsets.count) numbers") }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, end >= 0, begin <= end else {
            throw CheckpointError.invalidOffsets(file: file, key: key, begin: begin, end: end)
        }
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw invalid("shape \(shape) has too many elements") }
            count = product
        }
        let (expected, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else { throw invalid("shape \(shape) has too many elements") }
        guard end <= bufferByteCount else {
            throw CheckpointError.truncatedData(file: file, key: key, end: end, bufferByteCount: bufferByteCount)
        }
        guard expected == end - begin else {
            throw CheckpointError.sizeMismatch(file: file, key: key, shape: shape, dtype: dtypeName,
                                               expectedByteCount: expected, actualByteCount: end - begin)
        }
        return SafeTensorsEntry(name: key, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    /// The header bytes for `entries` and `metadata`, padded with spaces so that `8 + count` is a
    /// multiple of 8 (every tensor laid out largest element first is then aligned in a mapping).
    static func encode(entries: [SafeTensorsEntry], metadata: [String: String]) -> [UInt8] {
        var json = "{"
        var first = true
        if !metadata.isEmpty {
            let items = metadata.sorted { $0.key < $1.key }.map { "\(quoted($0.key)):\(quoted($0.value))" }
            json += "\(quoted(metadataKey)):{\(items.joined(separator: ","))}"
            first = false
        }
        for e in entries {
            if !first { json += "," }
            first = false
            let shape = e.shape.map(String.init).joined(separator: ",")
            json += "\(quoted(e.name)):{\"dtype\":\"\(e.dtype.safetensorsName)\",\"shape\":[\(shape)],"
                + "\"data_offsets\":[\(e.dataOffsets.lowerBound),\(e.dataOffsets.upperBound)]}"
        }
        json += "}"
        var bytes = Array(json.utf8)
        while bytes.count % 8 != 0 { bytes.append(0x20) }
        return bytes
    }

    /// A JSON string literal.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
