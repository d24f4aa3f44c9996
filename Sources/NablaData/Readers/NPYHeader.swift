import Nabla

/// The header of a `.npy` array: dtype, memory order and shape.
///
/// The format (NumPy's `numpy.lib.format`): the magic `\x93NUMPY`, a major and minor version byte,
/// the header length (2 bytes little-endian in version 1, 4 bytes in versions 2 and 3), then the header,
/// a Python dict literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`
/// (ASCII in versions 1 and 2, UTF-8 in 3), padded with spaces and a newline, then the raw data.
public struct NPYHeader: Sendable, Equatable {
    /// The array-protocol type string (`<f4`, `|u1`, …).
    public var descr: String
    /// Whether the data is in column-major (Fortran) order.
    public var fortranOrder: Bool
    /// The array's shape.
    public var shape: [Int]

    /// The magic bytes every `.npy` file starts with.
    public static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// The dtype `descr` reads as, or nil with the reason it is not supported.
    static func dtype(of descr: String) -> (dtype: DType?, reason: String) {
        guard descr.count >= 2 else { return (nil, "not an array-protocol type string") }
        let order = descr.first!
        let code = String(descr.dropFirst())
        let table: [String: DType] = ["f2": .float16, "f4": .float32, "f8": .float64, "i1": .int8, "u1": .uint8,
                                      "i4": .int32, "i8": .int64, "b1": .bool]
        guard let dtype = table[code] else {
            return (nil, "Nabla reads f2 f4 f8 i1 u1 i4 i8 b1 (float16/32/64, int8, uint8, int32, int64, bool)")
        }
        switch order {
        case "<", "|", "=": return (dtype, "")
        case ">": return dtype.byteSize == 1 ? (dtype, "") : (nil, "big-endian data is not supported; convert with arr.astype(arr.dtype.newbyteorder('<'))")
        default: return (nil, "unknown byte order '\(order)'")
        }
    }

    /// The little-endian descr NumPy writes for `dtype`, or nil when NumPy has no such type (bfloat16).
    static func descr(of dtype: DType) -> String? {
        switch dtype {
        case .float16: return "<f2"
        case .float32: return "<f4"
        case .float64: return "<f8"
        case .int8: return "|i1"
        case .uint8: return "|u1"
        case .int32: return "<i4"
        case .int64: return "<i8"
        case .bool: return "|b1"
        case .bfloat16: return nil
        }
    }

    /// The header dict as NumPy writes it (keys sorted, shape as a Python tuple).
    var dictLiteral: String {
        let tuple = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        return "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(tuple), }"
    }

    /// Parses the header dict literal; `fail` builds the error for a problem.
    static func parse(_ text: String, fail: (String) -> Error) throws -> NPYHeader {
        var parser = DictLiteralParser(characters: Array(text))
        let dict = try parser.parseDict(fail: fail)
        guard case .string(let descr)? = dict["descr"] else { throw fail("the header has no 'descr' string") }
        guard case .bool(let fortran)? = dict["fortran_order"] else { throw fail("the header has no 'fortran_order' True/False") }
        guard case .tuple(let shape)? = dict["shape"] else { throw fail("the header has no 'shape' tuple") }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("negative dimension in shape \(shape)") }
        return NPYHeader(descr: descr, fortranOrder: fortran, shape: shape)
    }
}

/// A parser for the tiny subset of Python literals in `.npy` headers: a dict of string keys whose
/// values are strings, `True`/`False`, or tuples of integers.
private struct DictLiteralParser {
    enum Value { case string(String), bool(Bool), tuple([Int]) }
    let characters: [Character]
    var i = 0

    mutating func parseDict(fail: (String) -> Error) throws -> [String: Value] {
        var result: [String: Value] = [:]
        try expect("{", fail)
        while true {
            skipSpace()
            if peek == "}" { i += 1; break }
            let key = try parseString(fail)
            try expect(":", fail)
            result[key] = try parseValue(fail)
            skipSpace()
            if peek == "," { i += 1; continue }
            try expect("}", fail)
            break
        }
        skipSpace()
        guard i == characters.count else { throw fail("unexpected text after the header dict") }
        return result
    }

    private var peek: Character? { i < characters.count ? characters[i] : nil }

    private mutating func skipSpace() { while let c = peek, c.isWhitespace { i += 1 } }

    private mutating func expect(_ c: Character, _ fail: (String) -> Error) throws {
        skipSpace()
        guard peek == c else { throw fail("expected '\(c)' at character \(i) of the header") }
        i += 1
    }

    private mutating func parseString(_ fail: (String) -> Error) throws -> String {
        skipSpace()
        guard let quote = peek, quote == "'" || quote == "\"" else { throw fail("expected a quoted string at character \(i) of the header") }
        i += 1
        var text = ""
        while let c = peek, c != quote { text.append(c); i += 1 }
        guard peek == quote else { throw fail("unterminated string in the header") }
        i += 1
        return text
    }

    private mutating func parseValue(_ fail: (String) -> Error) throws -> Value {
        skipSpace()
        switch peek {
        case "'", "\"":
            return .string(try parseString(fail))
        case "(":
            i += 1
            var values: [Int] = []
            while true {
                skipSpace()
                if peek == ")" { i += 1; return .tuple(values) }
                var digits = ""
                while let c = peek, c.isNumber || c == "-" { digits.append(c); i += 1 }
                if peek == "L" { i += 1 }   // Python 2 long suffix
                guard let value = Int(digits) else { throw fail("expected an integer in the shape tuple at character \(i)") }
                values.append(value)
                skipSpace()
                if peek == "," { i += 1 } else if peek != ")" { throw fail("expected ',' or ')' in the shape tuple at character \(i)") }
            }
        default:
            var word = ""
            while let c = peek, c.isLetter { word.append(c); i += 1 }
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            default: throw fail("unexpected value '\(word)' at character \(i) of the header")
            }
        }
    }
}
