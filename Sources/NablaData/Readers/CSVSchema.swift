import Foundation

/// How a CSV column is read.
public enum CSVColumnType: Sendable, Hashable {
    /// A real number (`1.5`, `-2e3`, `nan`): a float32 feature, a float32 label.
    case float
    /// A whole number (`7`, `-3`): a float32 feature, an int64 label.
    case integer
    /// A string standing for a category: replaced by its index among the column's distinct values,
    /// sorted (a float32 feature, an int64 label). Only `CSVDataset` reads these (it sees every value).
    case categorical
    /// A column that is skipped.
    case ignored
}

/// A column of a CSV file, by header name or by 0-based position: `"species"` or `4`.
public enum CSVColumn: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, CustomStringConvertible {
    /// The column with this header name.
    case name(String)
    /// The column at this 0-based position.
    case index(Int)

    /// `"species"` names a column.
    public init(stringLiteral value: String) { self = .name(value) }
    /// `4` is the fifth column.
    public init(integerLiteral value: Int) { self = .index(value) }

    /// The name in quotes, or the position.
    public var description: String {
        switch self {
        case .name(let name): return "\"\(name)\""
        case .index(let index): return "column \(index)"
        }
    }
}

/// The columns of a CSV file and how each is read: shared by `CSVDataset` and `CSVStream`.
struct CSVSchema: Sendable {
    let file: String
    let names: [String]
    let types: [CSVColumnType]
    let labelIndex: Int?
    let featureIndices: [Int]
    /// For each categorical column: value → index.
    let categoryIndex: [Int: [String: Int]]

    /// The label's dtype: int64 for integer and categorical labels, float32 otherwise.
    var labelIsInteger: Bool { labelIndex.map { types[$0] == .integer || types[$0] == .categorical } ?? false }

    /// Resolves `column` to a position in `names`.
    static func position(of column: CSVColumn, in names: [String], file: String) throws -> Int {
        switch column {
        case .name(let name):
            guard let index = names.firstIndex(of: name) else {
                throw DataFileError.missingKey(file: file, key: name, available: names)
            }
            return index
        case .index(let index):
            guard index >= 0 && index < names.count else {
                throw DataFileError.badCSVColumns(file: file, reason: "column index \(index) is outside the \(names.count) columns 0..<\(names.count)")
            }
            return index
        }
    }

    /// Column names from a header record: non-empty after trimming, and unique.
    static func checkedHeader(_ fields: [String], file: String) throws -> [String] {
        let names = fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var seen = Set<String>()
        for (i, name) in names.enumerated() {
            guard !name.isEmpty else { throw DataFileError.badCSVColumns(file: file, reason: "header column \(i) has no name") }
            guard seen.insert(name).inserted else {
                throw DataFileError.badCSVColumns(file: file, reason: "the header names column \"\(name)\" twice")
            }
        }
        return names
    }

    /// The type a column is read as when none is given: `.categorical` when its first value is not a
    /// number; otherwise `.integer` when every value is a whole number, `.float` when one is not.
    static func inferredType(firstValue: String?, allValues: () -> [String]) -> CSVColumnType {
        guard let first = firstValue, parseDouble(first) != nil else {
            return firstValue == nil ? .float : .categorical
        }
        return allValues().allSatisfy { parseInt($0) != nil || parseDouble($0) == nil } ? .integer : .float
    }

    init(file: String, names: [String], label: CSVColumn?, types: [CSVColumnType], categories: [Int: [String]]) throws {
        self.file = file
        self.names = names
        self.types = types
        let label = try label.map { try Self.position(of: $0, in: names, file: file) }
        if let label, types[label] == .ignored {
            throw DataFileError.badCSVColumns(file: file, reason: "the label column \"\(names[label])\" is marked .ignored")
        }
        labelIndex = label
        featureIndices = names.indices.filter { $0 != label && types[$0] != .ignored }
        categoryIndex = categories.mapValues { values in
            Dictionary(uniqueKeysWithValues: values.enumerated().map { ($1, $0) })
        }
    }

    /// The given types, by position.
    static func givenTypes(_ given: [CSVColumn: CSVColumnType], names: [String], file: String) throws -> [Int: CSVColumnType] {
        var result: [Int: CSVColumnType] = [:]
        for (column, type) in given { result[try position(of: column, in: names, file: file)] = type }
        return result
    }

    /// Converts one record, appending its features and label; returns its problems instead when it has
    /// any (and appends nothing).
    func append(_ fields: [String], line: Int, features: inout [Float], intLabels: inout [Int64],
                floatLabels: inout [Float]) -> [CSVBadRow] {
        guard fields.count == names.count else {
            return [CSVBadRow(line: line, reason: "\(fields.count) field\(fields.count == 1 ? "" : "s"), expected \(names.count)")]
        }
        var problems: [CSVBadRow] = []
        var values = [Double](repeating: 0, count: names.count)
        var labelInt: Int64 = 0
        for column in featureIndices + (labelIndex.map { [$0] } ?? []) {
            let text = fields[column].trimmingCharacters(in: .whitespaces)
            func bad(_ reason: String) { problems.append(CSVBadRow(line: line, column: names[column], value: text, reason: reason)) }
            if text.isEmpty {
                problems.append(CSVBadRow(line: line, column: names[column], reason: "the value is empty"))
                continue
            }
            switch types[column] {
            case .float:
                if let value = Self.parseDouble(text) { values[column] = value } else { bad("is not a number") }
            case .integer:
                if let value = Self.parseInt(text) {
                    values[column] = Double(value)
                    if column == labelIndex { labelInt = value }
                } else { bad("is not a whole number") }
            case .categorical:
                if let value = categoryIndex[column]?[text] {
                    values[column] = Double(value)
                    if column == labelIndex { labelInt = Int64(value) }
                } else { bad("is not one of the column's categories") }
            case .ignored:
                break
            }
        }
        guard problems.isEmpty else { return problems }
        features.append(contentsOf: featureIndices.map { Float(values[$0]) })
        if let labelIndex {
            if labelIsInteger { intLabels.append(labelInt) } else { floatLabels.append(Float(values[labelIndex])) }
        }
        return []
    }

    static func parseDouble(_ text: String) -> Double? {
        Double(text.trimmingCharacters(in: .whitespaces))
    }

    static func parseInt(_ text: String) -> Int64? {
        Int64(text.trimmingCharacters(in: .whitespaces))
    }
}
