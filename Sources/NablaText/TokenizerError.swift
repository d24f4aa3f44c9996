/// Errors NablaText throws when a vocabulary, merges or `tokenizer.json` file cannot be used.
///
/// Every case names the file; cases about a line-oriented file (`vocab.txt`, `merges.txt`) also name
/// the 1-based line, and cases about a JSON file name the field (`model.vocab`), so a message such as
/// `merges.txt, line 7: expected two tokens separated by one space, got "Ġt"` points at the fix.
public enum TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be read at all (missing, a directory, no permission).
    case unreadableFile(file: String, reason: String)
    /// A line of a text file is not valid UTF-8.
    case invalidUTF8(file: String, line: Int)
    /// A line of `vocab.txt` or `merges.txt` does not have the expected form.
    case malformedLine(file: String, line: Int, reason: String)
    /// A token appears twice in a vocabulary (`line` is where it appears again, or 0 in JSON files).
    case duplicateToken(file: String, line: Int, token: String)
    /// A merge (at `line` of `merges.txt`, or index `line - 1` of `model.merges`) uses or makes a token missing from the vocabulary.
    case mergeTokenNotInVocabulary(file: String, line: Int, token: String)
    /// A JSON file does not parse.
    case invalidJSON(file: String, reason: String)
    /// A JSON field is missing or has the wrong type or value.
    case invalidField(file: String, field: String, reason: String)
    /// A `tokenizer.json` describes a model this tokenizer does not implement.
    case unsupportedModel(file: String, type: String, expected: String)
    /// A token the tokenizer needs (`[UNK]`, `[CLS]`, `[SEP]`, `[PAD]`) is not in the vocabulary.
    case missingSpecialToken(file: String, token: String)

    /// The file the error is about.
    public var file: String {
        switch self {
        case let .unreadableFile(file, _), let .invalidUTF8(file, _), let .malformedLine(file, _, _),
             let .duplicateToken(file, _, _), let .mergeTokenNotInVocabulary(file, _, _), let .invalidJSON(file, _),
             let .invalidField(file, _, _), let .unsupportedModel(file, _, _), let .missingSpecialToken(file, _):
            return file
        }
    }

    /// A one-line explanation that names the file (and the line or field).
    public var description: String {
        switch self {
        case let .unreadableFile(file, reason):
            return "\(file): cannot read the file: \(reason)"
        case let .invalidUTF8(file, line):
            return "\(file), line \(line): not valid UTF-8"
        case let .malformedLine(file, line, reason):
            return "\(file), line \(line): \(reason)"
        case let .duplicateToken(file, line, token):
            return line > 0 ? "\(file), line \(line): duplicate token \(token.debugDescription)"
                : "\(file): duplicate token \(token.debugDescription)"
        case let .mergeTokenNotInVocabulary(file, line, token):
            return "\(file), merge \(line): token \(token.debugDescription) is not in the vocabulary"
        case let .invalidJSON(file, reason):
            return "\(file): invalid JSON: \(reason)"
        case let .invalidField(file, field, reason):
            return "\(file): field \(field): \(reason)"
        case let .unsupportedModel(file, type, expected):
            return "\(file): model type \(type.debugDescription) is not supported here (expected \(expected))"
        case let .missingSpecialToken(file, token):
            return "\(file): the vocabulary has no \(token) token"
        }
    }
}
