/// What went wrong reading a dataset file. Every case names the file (or directory) and what is wrong;
/// nothing in NablaData traps on bad files.
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The dataset's directory or one of its files does not exist; `hint` says how to get it.
    case datasetMissing(path: String, hint: String)
    /// A file could not be opened or read (`reason` is the system's or zlib's message).
    case io(file: String, reason: String)
    /// The IDX magic number is wrong: not an IDX file, an unknown element type, or the wrong kind of file.
    case badMagic(file: String, found: UInt32, reason: String)
    /// The file ends before the data its header describes (byte counts are of the uncompressed content).
    case truncated(file: String, expectedByteCount: Int, actualByteCount: Int)
    /// The file holds more bytes than its header describes (`actualByteCount` is nil when unknown, for gzip).
    case trailingData(file: String, expectedByteCount: Int, actualByteCount: Int?)
    /// The header's dimensions are not what the dataset needs (28 x 28 images, say).
    case unexpectedShape(file: String, expected: String, found: [Int])
    /// The images and labels files disagree on the number of examples, or a split has the wrong size.
    case countMismatch(file: String, count: Int, otherFile: String, otherCount: Int)
    /// A label is outside the dataset's classes.
    case invalidLabel(file: String, index: Int, value: Int, classCount: Int)

    /// The file (or directory) the error is about.
    public var file: String {
        switch self {
        case let .datasetMissing(path, _): return path
        case let .io(file, _), let .badMagic(file, _, _), let .truncated(file, _, _), let .trailingData(file, _, _),
             let .unexpectedShape(file, _, _), let .countMismatch(file, _, _, _), let .invalidLabel(file, _, _, _):
            return file
        }
    }

    /// A one-line explanation naming the file and what is wrong.
    public var description: String {
        switch self {
        case let .datasetMissing(path, hint):
            return "\(path): not found. \(hint)"
        case let .io(file, reason):
            return "\(file): \(reason)"
        case let .badMagic(file, found, reason):
            return "\(file): bad IDX magic number 0x\(hex8(found)): \(reason)"
        case let .truncated(file, expected, actual):
            return "\(file): truncated: the IDX header describes \(expected) bytes but the file holds only \(actual)"
        case let .trailingData(file, expected, actual):
            return "\(file): the IDX header describes \(expected) bytes but the file holds "
                + (actual.map { "\($0)" } ?? "more") + " (extra data after the last element)"
        case let .unexpectedShape(file, expected, found):
            return "\(file): unexpected dimensions \(found); expected \(expected)"
        case let .countMismatch(file, count, other, otherCount):
            return "\(file) has \(count) examples but \(other) has \(otherCount)"
        case let .invalidLabel(file, index, value, classes):
            return "\(file): label \(index) is \(value), outside the \(classes) classes 0...\(classes - 1)"
        }
    }
}

/// `value` as 8 hex digits.
func hex8(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
