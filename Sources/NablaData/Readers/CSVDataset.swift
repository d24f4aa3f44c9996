import Foundation
import Nabla

/// A CSV file read into memory as `(features, label)` examples: features float32 `[F]` (every column
/// but the label and ignored ones, in file order), label int64 or float32 `[]`.
///
/// Parsing follows RFC 4180 (quoted fields may hold delimiters, line breaks and `""`; LF, CRLF or CR
/// line breaks; a UTF-8 byte-order mark is skipped; blank lines are skipped). Column types are given
/// or inferred (`CSVSchema.inferredType`): a column whose first value is not a number is categorical,
/// its strings replaced by their index among the column's sorted distinct values (see `categories`);
/// a numeric column is `.integer` when every value is whole, else `.float`. The label is int64 for
/// integer and categorical columns, float32 for float ones.
///
/// **Bad rows** (wrong field count, empty or unparsable value, unknown category, broken quoting) are
/// all collected and reported in one `DataFileError.badCSVRows`, each with its 1-based line number and
/// column name; the list holds the first `maxReportedBadRows` and the error counts them all.
///
/// ```swift
/// let iris = try CSVDataset(URL(fileURLWithPath: "iris.csv"), labelColumn: "species")
/// iris.featureNames              // ["sepal_length", "sepal_width", "petal_length", "petal_width"]
/// iris.categories["species"]     // ["setosa", "versicolor", "virginica"]
/// let (x, y) = try iris[0]       // float32 [4], int64 []
/// ```
public struct CSVDataset: Dataset {
    /// At most this many bad rows are listed in a `DataFileError.badCSVRows`.
    public static let maxReportedBadRows = 20

    /// Every column's name, in file order (`column0`, `column1`, … without a header).
    public let columnNames: [String]
    /// How each column was read, in file order.
    public let columnTypes: [CSVColumnType]
    /// The names of the feature columns, in the order of the feature vector.
    public let featureNames: [String]
    /// The label column's name, or nil when there is none.
    public let labelName: String?
    /// For each categorical column, its distinct values sorted: a value's index is what it reads as.
    public let categories: [String: [String]]
    /// Every example's features: float32 `[N, F]`.
    public let features: Tensor
    /// Every example's label: int64 or float32 `[N]`; float32 `[N, 0]` without a label column.
    public let labels: Tensor

    /// Reads the CSV file at `url`.
    ///
    /// - Parameters:
    ///   - labelColumn: the target column, by name or 0-based position; nil reads every column as a feature.
    ///   - hasHeader: whether the first record names the columns.
    ///   - delimiter: the field separator, one ASCII character (`","`, `";"`, `"\t"`).
    ///   - columnTypes: types for some or all columns; the others are inferred.
    /// - Throws: `DataFileError`: the file cannot be read, the header is bad, a named column does not
    ///   exist, or rows are bad (all of them, with line numbers and columns).
    public init(_ url: URL, labelColumn: CSVColumn? = nil, hasHeader: Bool = true, delimiter: Character = ",",
                columnTypes: [CSVColumn: CSVColumnType] = [:]) throws {
        let file = url.path
        let delimiterByte = try CSVDataset.delimiterByte(delimiter)
        let bytes = try CSVDataset.readFile(url)
        let parser = CSVParser(delimiter: delimiterByte)

        // Every record with the line it starts on.
        var records: [(line: Int, record: CSVRecord)] = []
        bytes.withUnsafeBufferPointer { buffer in
            var position = CSVDataset.byteOrderMarkLength(buffer), line = 1
            while position < buffer.count {
                if parser.isBlankLine(buffer, at: position) {
                    position += parser.lineBreakLength(buffer, at: position, isFinal: true)!
                    line += 1
                    continue
                }
                let record = parser.record(buffer, from: position, isFinal: true)!
                records.append((line, record))
                position = record.end
                line += record.lineBreaks
            }
        }

        var badRows: [CSVBadRow] = []
        var data = records[...]
        let names: [String]
        if hasHeader {
            guard let header = data.popFirst() else { throw DataFileError.badCSVColumns(file: file, reason: "the file is empty; expected a header") }
            if let problem = header.record.problem {
                throw DataFileError.badCSVRows(file: file, rows: [CSVBadRow(line: header.line, reason: problem)], totalCount: 1)
            }
            names = try CSVSchema.checkedHeader(header.record.fields, file: file)
        } else {
            let width = data.first?.record.fields.count ?? 0
            names = (0..<width).map { "column\($0)" }
        }
        guard !names.isEmpty else { throw DataFileError.badCSVColumns(file: file, reason: "the file has no columns") }

        // Column types: given, or inferred from the values of well-formed rows.
        let given = try CSVSchema.givenTypes(columnTypes, names: names, file: file)
        let wellFormed = data.filter { $0.record.problem == nil && $0.record.fields.count == names.count }
        var types: [CSVColumnType] = []
        var categories: [Int: [String]] = [:]
        for column in names.indices {
            let values = { wellFormed.map { $0.record.fields[column].trimmingCharacters(in: .whitespaces) } }
            let type = given[column] ?? CSVSchema.inferredType(firstValue: values().first, allValues: values)
            types.append(type)
            if type == .categorical { categories[column] = Set(values().filter { !$0.isEmpty }).sorted() }
        }
        let schema = try CSVSchema(file: file, names: names, label: labelColumn, types: types, categories: categories)

        var featureValues: [Float] = [], intLabels: [Int64] = [], floatLabels: [Float] = []
        featureValues.reserveCapacity(data.count * schema.featureIndices.count)
        var badCount = 0
        for (line, record) in data {
            var problems: [CSVBadRow]
            if let problem = record.problem {
                problems = [CSVBadRow(line: line, reason: problem)]
            } else {
                problems = schema.append(record.fields, line: line, features: &featureValues, intLabels: &intLabels, floatLabels: &floatLabels)
            }
            badCount += problems.count
            badRows.append(contentsOf: problems.prefix(max(0, CSVDataset.maxReportedBadRows - badRows.count)))
        }
        if badCount > 0 { throw DataFileError.badCSVRows(file: file, rows: badRows, totalCount: badCount) }

        let n = data.count
        columnNames = names
        self.columnTypes = types
        featureNames = schema.featureIndices.map { names[$0] }
        labelName = schema.labelIndex.map { names[$0] }
        self.categories = Dictionary(uniqueKeysWithValues: categories.map { (names[$0.key], $0.value) })
        features = Tensor(shape: [n, schema.featureIndices.count], scalars: featureValues)
        if schema.labelIndex == nil {
            labels = Tensor.zeros([n, 0])
        } else {
            labels = schema.labelIsInteger ? Tensor(shape: [n], scalars: intLabels) : Tensor(shape: [n], scalars: floatLabels)
        }
    }

    /// The number of examples (rows after the header).
    public var count: Int { features.shape[0] }

    /// `(features[index], labels[index])`.
    public func element(at index: Int) throws -> (Tensor, Tensor) {
        try tensorDataset.element(at: index)
    }

    /// All examples as a `TensorDataset` (a `DataLoader` over it gathers batches with `indexSelect`).
    public var tensorDataset: TensorDataset {
        // Shapes agree by construction.
        try! TensorDataset(features, labels)
    }

    /// The byte for a one-character ASCII delimiter.
    static func delimiterByte(_ delimiter: Character) throws -> UInt8 {
        guard let ascii = delimiter.asciiValue, delimiter != "\"", delimiter != "\n", delimiter != "\r" else {
            throw DataLoaderError.invalidArgument(name: "delimiter", reason: "must be one ASCII character other than a quote or line break, got \"\(delimiter)\"")
        }
        return ascii
    }

    /// The whole file.
    static func readFile(_ url: URL) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DataFileError.io(file: url.path, reason: "no such file")
        }
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            throw DataFileError.io(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
    }

    /// 3 when the bytes start with a UTF-8 byte-order mark.
    static func byteOrderMarkLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    }
}
