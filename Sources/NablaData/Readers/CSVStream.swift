import Foundation
import Nabla

/// A CSV file read record by record, for files too big to hold in memory: an `IterableDataset` of
/// `(features, label)` examples shaped like `CSVDataset`'s.
///
/// The file is read in chunks of `chunkByteCount`; only the current record is parsed. Columns must
/// be `.float`, `.integer` or `.ignored` (a stream cannot sort a categorical column's values before
/// reading them all); untyped columns are inferred from the first data row (a whole number reads as
/// `.integer`, another number as `.float`). Unlike `CSVDataset`, the stream throws
/// `DataFileError.badCSVRows` at the **first** bad row, with its line number and column.
///
/// ```swift
/// let stream = CSVStream(URL(fileURLWithPath: "big.csv"), labelColumn: "y", columnTypes: ["y": .float])
/// for (x, y) in DataLoader(stream: stream, batchSize: 256) { … }
/// ```
public struct CSVStream: IterableDataset {
    /// The file.
    public let url: URL
    /// The target column, or nil for none (the label is then float32 `[0]`).
    public let labelColumn: CSVColumn?
    /// Whether the first record names the columns.
    public let hasHeader: Bool
    /// The field separator.
    public let delimiter: Character
    /// Types for some or all columns.
    public let columnTypes: [CSVColumn: CSVColumnType]
    /// Bytes read from the file at a time.
    public let chunkByteCount: Int

    /// A stream over the CSV file at `url` (opened by each `makeStream()`).
    public init(_ url: URL, labelColumn: CSVColumn? = nil, hasHeader: Bool = true, delimiter: Character = ",",
                columnTypes: [CSVColumn: CSVColumnType] = [:], chunkByteCount: Int = 1 << 20) {
        self.url = url
        self.labelColumn = labelColumn
        self.hasHeader = hasHeader
        self.delimiter = delimiter
        self.columnTypes = columnTypes
        self.chunkByteCount = max(1, chunkByteCount)
    }

    /// A fresh pass from the start of the file.
    /// - Throws: `DataFileError` when the file cannot be opened or its header is bad; the stream's
    ///   `next()` throws `DataFileError.badCSVRows` at the first bad row.
    public func makeStream() throws -> DataStream<(Tensor, Tensor)> {
        let file = url.path
        let reader = try CSVRecordReader(url: url, delimiter: try CSVDataset.delimiterByte(delimiter), chunkByteCount: chunkByteCount)
        let first = try reader.next()
        var pending: (line: Int, record: CSVRecord)? = first
        let names: [String]
        if hasHeader {
            guard let header = first else { throw DataFileError.badCSVColumns(file: file, reason: "the file is empty; expected a header") }
            if let problem = header.record.problem {
                throw DataFileError.badCSVRows(file: file, rows: [CSVBadRow(line: header.line, reason: problem)], totalCount: 1)
            }
            names = try CSVSchema.checkedHeader(header.record.fields, file: file)
            pending = try reader.next()
        } else {
            names = (0..<(first?.record.fields.count ?? 0)).map { "column\($0)" }
        }
        let given = try CSVSchema.givenTypes(columnTypes, names: names, file: file)
        var types: [CSVColumnType] = []
        for column in names.indices {
            if let type = given[column] {
                if type == .categorical {
                    throw DataFileError.badCSVColumns(file: file, reason: "CSVStream cannot read categorical column \"\(names[column])\"; use CSVDataset")
                }
                types.append(type)
                continue
            }
            let sample = pending.flatMap { $0.record.fields.count == names.count ? $0.record.fields[column] : nil }
            types.append(sample.flatMap { CSVSchema.parseInt($0) } != nil ? .integer : .float)
        }
        let schema = try CSVSchema(file: file, names: names, label: labelColumn, types: types, categories: [:])

        return DataStream {
            guard let (line, record) = try pending ?? reader.next() else { return nil }
            pending = nil
            var features: [Float] = [], intLabels: [Int64] = [], floatLabels: [Float] = []
            var problems = record.problem.map { [CSVBadRow(line: line, reason: $0)] } ?? []
            if problems.isEmpty {
                problems = schema.append(record.fields, line: line, features: &features, intLabels: &intLabels, floatLabels: &floatLabels)
            }
            if !problems.isEmpty { throw DataFileError.badCSVRows(file: file, rows: problems, totalCount: problems.count) }
            let label: Tensor
            if schema.labelIndex == nil {
                label = Tensor.zeros([0])
            } else {
                label = schema.labelIsInteger ? Tensor(intLabels[0]) : Tensor(floatLabels[0])
            }
            return (Tensor(features), label)
        }
    }
}

/// Reads a CSV file's records one at a time through a chunked buffer.
final class CSVRecordReader {
    private let file: String
    private let handle: UnsafeMutablePointer<FILE>
    private let parser: CSVParser
    private let chunkByteCount: Int
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private var line = 1

    init(url: URL, delimiter: UInt8, chunkByteCount: Int) throws {
        file = url.path
        guard let handle = fopen(file, "rb") else {
            throw DataFileError.io(file: file, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        self.handle = handle
        parser = CSVParser(delimiter: delimiter)
        self.chunkByteCount = chunkByteCount
        try fill()
        if buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { position = 3 }
    }

    deinit { fclose(handle) }

    /// The next record and the line it starts on, or nil at the end of the file.
    func next() throws -> (line: Int, record: CSVRecord)? {
        while true {
            let isFinal = atEnd
            let step: (blank: Int?, record: CSVRecord?)? = buffer.withUnsafeBufferPointer { bytes in
                guard position < bytes.count else { return nil }
                if parser.isBlankLine(bytes, at: position) {
                    return parser.lineBreakLength(bytes, at: position, isFinal: isFinal).map { ($0, nil) } ?? (nil, nil)
                }
                return (nil, parser.record(bytes, from: position, isFinal: isFinal))
            }
            switch step {
            case nil where isFinal:
                return nil
            case let (blank?, _)?:
                position += blank
                line += 1
            case let (_, record?)?:
                defer { position = record.end; line += record.lineBreaks }
                return (line, record)
            default:
                // The buffer ends inside a record: read more.
                try fill()
            }
        }
    }

    /// Drops the consumed bytes and appends the next chunk (or notes the end of the file).
    private func fill() throws {
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        var chunk = [UInt8](repeating: 0, count: chunkByteCount)
        let got = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, chunkByteCount, handle) }
        if got < chunkByteCount {
            if ferror(handle) != 0 { throw DataFileError.io(file: file, reason: "cannot read: \(String(cString: strerror(errno)))") }
            atEnd = true
        }
        buffer.append(contentsOf: chunk[0..<got])
    }
}
