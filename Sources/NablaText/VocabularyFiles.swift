import Foundation

/// Reading the files tokenizers come in, with errors that name the file and line.
enum VocabularyFiles {
    /// The bytes of `url`, or `TokenizerError.unreadableFile`.
    static func data(of url: URL) throws(TokenizerError) -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw .unreadableFile(file: url.lastPathComponent, reason: error.localizedDescription)
        }
    }

    /// The lines of a UTF-8 text file, without their `\n` or `\r\n`; a final newline ends the last line
    /// rather than starting an empty one.
    static func lines(of data: Data, file: String) throws(TokenizerError) -> [String] {
        var lines: [String] = []
        var start = data.startIndex
        var lineNumber = 0
        func take(_ end: Data.Index) throws(TokenizerError) {
            lineNumber += 1
            var slice = data[start..<end]
            if slice.last == UInt8(ascii: "\r") { slice = slice.dropLast() }
            guard let line = String(validating: slice, as: UTF8.self) else {
                throw .invalidUTF8(file: file, line: lineNumber)
            }
            lines.append(line)
        }
        var i = data.startIndex
        while i < data.endIndex {
            if data[i] == UInt8(ascii: "\n") {
                try take(i)
                start = data.index(after: i)
            }
            i = data.index(after: i)
        }
        if start < data.endIndex { try take(data.endIndex) }
        return lines
    }

    /// A `vocab.txt`: one token per line, the id is the 0-based line index.
    static func readLineVocabulary(_ url: URL) throws(TokenizerError) -> [String] {
        let file = url.lastPathComponent
        let lines = try lines(of: data(of: url), file: file)
        var seen: Set<[UInt8]> = []
        for (index, token) in lines.enumerated() {
            guard !token.isEmpty else {
                throw .malformedLine(file: file, line: index + 1, reason: "empty token")
            }
            guard seen.insert(Array(token.utf8)).inserted else {
                throw .duplicateToken(file: file, line: index + 1, token: token)
            }
        }
        guard !lines.isEmpty else { throw .malformedLine(file: file, line: 1, reason: "the vocabulary is empty") }
        return lines
    }

    /// Parses JSON, or `TokenizerError.invalidJSON` with Foundation's reason (which gives the position).
    static func json(_ data: Data, file: String) throws(TokenizerError) -> Any {
        do {
            return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            throw .invalidJSON(file: file, reason: reason)
        }
    }

    /// A JSON object `{token: id}` (`vocab.json`, or `model.vocab` of a `tokenizer.json`) as an id-indexed
    /// token list. Ids must be distinct, non-negative integers with no gaps.
    static func tokenList(fromJSONVocabulary object: Any?, file: String, field: String) throws(TokenizerError) -> [String] {
        guard let dict = object as? [String: Any] else {
            throw .invalidField(file: file, field: field, reason: "expected an object mapping tokens to ids")
        }
        var tokens = [String?](repeating: nil, count: dict.count)
        for (token, value) in dict {
            guard let id = integer(value), id >= 0, id < dict.count else {
                throw .invalidField(file: file, field: "\(field)[\(token.debugDescription)]",
                                    reason: "expected an integer id in 0..<\(dict.count), got \(value)")
            }
            if let other = tokens[id] {
                throw .invalidField(file: file, field: "\(field)[\(token.debugDescription)]",
                                    reason: "id \(id) is also used by \(other.debugDescription)")
            }
            tokens[id] = token
        }
        return tokens.map { $0! }
    }

    /// An integer JSON number (not `true`/`false`, not a number written with a fraction or exponent).
    static func integer(_ value: Any?) -> Int? {
        guard let value else { return nil }
        if let number = value as? NSNumber {
            // JSONSerialization gives NSNumber for numbers and booleans alike; the type code tells them apart.
            switch String(cString: number.objCType) {
            case "c", "B", "d", "f": return nil
            default: return value as? Int
            }
        }
        return value as? Int
    }

    /// A JSON `true` or `false` (not a number).
    static func boolean(_ value: Any?) -> Bool? {
        guard let value else { return nil }
        if let number = value as? NSNumber {
            let code = String(cString: number.objCType)
            return code == "c" || code == "B" ? number.boolValue : nil
        }
        return value as? Bool
    }

    /// A field of a JSON object, by dotted path (`"model.vocab"`).
    static func field(_ path: String, in root: [String: Any]) -> Any? {
        var current: Any? = root
        for key in path.split(separator: ".") {
            current = (current as? [String: Any])?[String(key)]
        }
        if current is NSNull { return nil }
        return current
    }
}
