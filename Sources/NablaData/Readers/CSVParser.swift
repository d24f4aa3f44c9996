/// One record of a CSV file, as parsed.
struct CSVRecord {
    /// The fields, unquoted.
    var fields: [String]
    /// The index just past the record and its line break.
    var end: Int
    /// Line breaks consumed (inside quoted fields and the terminating one).
    var lineBreaks: Int
    /// A syntax problem (unclosed quote, text after a closing quote), if any.
    var problem: String?
}

/// Splits CSV bytes into records following RFC 4180: fields separated by a one-byte delimiter,
/// records by LF, CRLF or CR; a field in double quotes may hold delimiters, line breaks and `""`
/// (one quote). A quote inside an unquoted field is kept as an ordinary character.
struct CSVParser {
    let delimiter: UInt8
    private static let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

    /// Whether the bytes at `start` are an empty line (skipped by the readers).
    func isBlankLine(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
        start < bytes.count && (bytes[start] == Self.lf || bytes[start] == Self.cr)
    }

    /// The length of the line break at `start` (1 or 2), or nil when more bytes are needed to tell.
    func lineBreakLength(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int, isFinal: Bool) -> Int? {
        if bytes[start] == Self.cr {
            if start + 1 < bytes.count { return bytes[start + 1] == Self.lf ? 2 : 1 }
            return isFinal ? 1 : nil
        }
        return 1
    }

    /// The record starting at `start`, or nil when the buffer ends inside it and more bytes may come
    /// (`isFinal` false). With `isFinal`, the end of the buffer ends the record.
    func record(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, isFinal: Bool) -> CSVRecord? {
        var fields: [String] = []
        var field: [UInt8] = []
        var i = start, lineBreaks = 0
        var inQuotes = false, fieldWasQuoted = false, afterClosingQuote = false
        var problem: String?
        let n = bytes.count
        while i < n {
            let byte = bytes[i]
            if inQuotes {
                if byte == Self.quote {
                    if i + 1 >= n && !isFinal { return nil }
                    if i + 1 < n && bytes[i + 1] == Self.quote {
                        field.append(Self.quote)
                        i += 2
                    } else {
                        inQuotes = false
                        afterClosingQuote = true
                        i += 1
                    }
                    continue
                }
                if byte == Self.lf || (byte == Self.cr && (i + 1 >= n || bytes[i + 1] != Self.lf)) { lineBreaks += 1 }
                field.append(byte)
                i += 1
                continue
            }
            if byte == delimiter {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                fieldWasQuoted = false
                afterClosingQuote = false
                i += 1
                continue
            }
            if byte == Self.lf || byte == Self.cr {
                guard let length = lineBreakLength(bytes, at: i, isFinal: isFinal) else { return nil }
                fields.append(String(decoding: field, as: UTF8.self))
                return CSVRecord(fields: fields, end: i + length, lineBreaks: lineBreaks + 1, problem: problem)
            }
            if byte == Self.quote && field.isEmpty && !fieldWasQuoted {
                inQuotes = true
                fieldWasQuoted = true
                i += 1
                continue
            }
            if afterClosingQuote && problem == nil {
                problem = "unexpected text after the closing quote of field \(fields.count + 1)"
            }
            field.append(byte)
            i += 1
        }
        guard isFinal else { return nil }
        if inQuotes { problem = problem ?? "a quoted field is not closed before the end of the file" }
        fields.append(String(decoding: field, as: UTF8.self))
        return CSVRecord(fields: fields, end: n, lineBreaks: lineBreaks, problem: problem)
    }
}
