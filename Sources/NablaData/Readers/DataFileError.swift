/// One bad row of a CSV file: where it is and what is wrong with it.
public struct CSVBadRow: Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line on which the row starts.
    public var line: Int
    /// The column at fault, when one is (nil for a wrong field count or a broken quote).
    public var column: String?
    /// The offending value, when there is one.
    public var value: String?
    /// What is wrong.
    public var reason: String

    /// Describes a bad row.
    public init(line: Int, column: String? = nil, value: String? = nil, reason: String) {
        self.line = line
        self.column = column
        self.value = value
        self.reason = reason
    }

    /// `line 7, column "age": "abc" is not a number`.
    public var description: String {
        var text = "line \(line)"
        if let column { text += ", column \"\(column)\"" }
        text += ": "
        if let value { text += "\"\(value)\" " }
        return text + reason
    }
}

/// What went wrong reading a CSV, NumPy (`.npy`/`.npz`), PNG or safetensors dataset file.
///
/// Every case names the file (and the entry, line, column or key at fault), so a message reads like
/// `iris.csv: 2 bad rows: line 7, column "sepal_length": "abc" is not a number; line 9: 4 fields, expected 5`.
/// Nothing in NablaData traps on a bad file.
public enum DataFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A file or directory could not be found, opened or read (`reason` is the system's message).
    case io(file: String, reason: String)
    /// CSV rows that cannot be read. The CSV readers collect every bad row of the file and throw once:
    /// `rows` lists the first `CSVDataset.maxReportedBadRows`, `totalCount` counts them all.
    case badCSVRows(file: String, rows: [CSVBadRow], totalCount: Int)
    /// A CSV header is missing, empty or names a column twice, or a requested column does not exist.
    case badCSVColumns(file: String, reason: String)
    /// A `.npy` file (or `.npz` entry) whose header or data is malformed.
    case badNPY(file: String, entry: String?, reason: String)
    /// A `.npy` dtype Nabla does not read (big-endian, object, string, complex, …).
    case unsupportedNPYDType(file: String, entry: String?, descr: String, reason: String)
    /// A `.npz` (zip) archive whose structure is malformed or uses a feature this reader lacks.
    case badZip(file: String, entry: String?, reason: String)
    /// An image that libpng cannot decode (`reason` is libpng's message).
    case badImage(file: String, reason: String)
    /// A directory that does not have the layout the dataset needs (no class folders, an empty class, …).
    case badLayout(path: String, reason: String)
    /// A key (tensor name, column, archive entry) the dataset needs is not in the file.
    case missingKey(file: String, key: String, available: [String])

    /// The file (or directory) the error is about.
    public var file: String {
        switch self {
        case let .io(file, _), let .badCSVRows(file, _, _), let .badCSVColumns(file, _), let .badNPY(file, _, _),
             let .unsupportedNPYDType(file, _, _, _), let .badZip(file, _, _), let .badImage(file, _),
             let .missingKey(file, _, _):
            return file
        case let .badLayout(path, _):
            return path
        }
    }

    /// A one-line explanation naming the file and what is wrong.
    public var description: String {
        switch self {
        case let .io(file, reason):
            return "\(file): \(reason)"
        case let .badCSVRows(file, rows, total):
            let listed = rows.map(\.description).joined(separator: "; ")
            let more = total > rows.count ? "; and \(total - rows.count) more" : ""
            return "\(file): \(total) bad row\(total == 1 ? "" : "s"): \(listed)\(more)"
        case let .badCSVColumns(file, reason):
            return "\(file): \(reason)"
        case let .badNPY(file, entry, reason):
            return "\(located(file, entry)): not a valid .npy array: \(reason)"
        case let .unsupportedNPYDType(file, entry, descr, reason):
            return "\(located(file, entry)): unsupported dtype '\(descr)': \(reason)"
        case let .badZip(file, entry, reason):
            return "\(located(file, entry)): bad zip archive: \(reason)"
        case let .badImage(file, reason):
            return "\(file): cannot decode the image: \(reason)"
        case let .badLayout(path, reason):
            return "\(path): \(reason)"
        case let .missingKey(file, key, available):
            return "\(file): no \"\(key)\"; the file has \(available.map { "\"\($0)\"" }.joined(separator: ", "))"
        }
    }

    private func located(_ file: String, _ entry: String?) -> String {
        entry.map { "\(file) [\($0)]" } ?? file
    }
}
