import Foundation
import Nabla

/// A character-level vocabulary: the sorted unique Unicode scalars of a training text, after an
/// unknown symbol at id 0, for character language models.
///
/// Characters here are Unicode scalars (not grapheme clusters), so `"\r\n"` is two symbols and a
/// combining accent is its own symbol; every text round-trips exactly through `encode`/`decode` when
/// all its scalars are in the vocabulary. A scalar that is not maps to `unknownID` and decodes as
/// `unknownSymbol`.
///
/// The JSON file written by `save(to:)` is
/// `{"format": "nabla-character-vocabulary", "version": 1, "unknown": "\u{FFFD}", "characters": ["\n", " ", "!", …]}`
/// where the id of `characters[i]` is `i + 1`.
///
/// ```swift
/// let vocabulary = CharacterVocabulary(text: "hello world")
/// let ids = vocabulary.encode("hold")          // [4, 6, 5, 2]: " " is 1, "d" 2, "e" 3, "h" 4, …
/// vocabulary.decode(ids)                       // "hold"
/// try vocabulary.save(to: directory.appendingPathComponent("vocabulary.json"))
/// ```
public struct CharacterVocabulary: Sendable, Equatable {
    /// The value of the file's "format" field.
    public static let formatName = "nabla-character-vocabulary"
    /// The file layout version this build writes and reads.
    public static let formatVersion = 1
    /// The id every character outside the vocabulary maps to.
    public static let unknownID = 0

    /// The known characters in id order (ids 1, 2, …), sorted by scalar value, without duplicates.
    public let characters: [Unicode.Scalar]
    /// What `decode` writes for `unknownID` (U+FFFD, the replacement character, by default).
    public let unknownSymbol: Unicode.Scalar
    private let ids: [Unicode.Scalar: Int]

    /// The vocabulary of `text`: its distinct scalars, sorted, after the unknown symbol.
    public init(text: some StringProtocol, unknownSymbol: Unicode.Scalar = "\u{FFFD}") {
        self.init(uncheckedCharacters: Set(text.unicodeScalars).sorted { $0.value < $1.value }, unknownSymbol: unknownSymbol)
    }

    /// A vocabulary of exactly `characters` (ids 1, 2, … in this order).
    ///
    /// - Throws: `TokenizerError.duplicateToken` (file "<memory>") when a character appears twice.
    public init(characters: [Unicode.Scalar], unknownSymbol: Unicode.Scalar = "\u{FFFD}") throws(TokenizerError) {
        var seen: Set<Unicode.Scalar> = []
        for c in characters where !seen.insert(c).inserted {
            throw .duplicateToken(file: "<memory>", line: 0, token: String(c))
        }
        self.init(uncheckedCharacters: characters, unknownSymbol: unknownSymbol)
    }

    private init(uncheckedCharacters characters: [Unicode.Scalar], unknownSymbol: Unicode.Scalar) {
        self.characters = characters
        self.unknownSymbol = unknownSymbol
        ids = Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($0.element, $0.offset + 1) })
    }

    public static func == (a: CharacterVocabulary, b: CharacterVocabulary) -> Bool {
        a.characters == b.characters && a.unknownSymbol == b.unknownSymbol
    }

    /// The number of ids: the known characters plus the unknown symbol.
    public var count: Int { characters.count + 1 }

    /// The id of `character`, or `unknownID`.
    public func id(of character: Unicode.Scalar) -> Int { ids[character] ?? Self.unknownID }

    /// Whether `character` has its own id.
    public func contains(_ character: Unicode.Scalar) -> Bool { ids[character] != nil }

    /// The ids of the scalars of `text`; characters outside the vocabulary become `unknownID`.
    public func encode(_ text: some StringProtocol) -> [Int] {
        text.unicodeScalars.map { ids[$0] ?? Self.unknownID }
    }

    /// The text of `ids`; `unknownID` and ids outside `0..<count` become `unknownSymbol`.
    public func decode(_ ids: some Sequence<Int>) -> String {
        var view = String.UnicodeScalarView()
        for id in ids { view.append(id >= 1 && id <= characters.count ? characters[id - 1] : unknownSymbol) }
        return String(view)
    }

    // MARK: Files

    /// The JSON form (sorted keys, so the same vocabulary always gives the same bytes).
    public func jsonData() -> Data {
        let object: [String: Any] = [
            "format": Self.formatName,
            "version": Self.formatVersion,
            "unknown": String(unknownSymbol),
            "characters": characters.map { String($0) },
        ]
        // Only strings and integers: serialisation cannot fail.
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])) ?? Data()
    }

    /// Writes the JSON form to `url` atomically (`AtomicFile.write`: temporary file, fsync, rename).
    ///
    /// - Throws: `CharacterVocabularyWriteError` naming the file.
    public func save(to url: URL) throws(CharacterVocabularyWriteError) {
        do throws(AtomicFile.WriteError) {
            try AtomicFile.write(jsonData(), to: url)
        } catch {
            throw CharacterVocabularyWriteError(path: url.path, reason: "\(error.operation) failed: \(error.reason)")
        }
    }

    /// Reads a vocabulary written by `save(to:)`.
    ///
    /// - Throws: `TokenizerError` naming the file (and the field at fault).
    public init(contentsOf url: URL) throws(TokenizerError) {
        let file = url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .unreadableFile(file: file, reason: error.localizedDescription)
        }
        try self.init(jsonData: data, file: file)
    }

    /// Parses the JSON form; `file` names the source in errors.
    public init(jsonData data: Data, file: String = "<memory>") throws(TokenizerError) {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
            throw .invalidJSON(file: file, reason: error.localizedDescription)
        }
        guard let object = parsed as? [String: Any] else {
            throw .invalidJSON(file: file, reason: "the top level is not an object")
        }
        guard let format = object["format"] as? String, format == Self.formatName else {
            throw .invalidField(file: file, field: "format", reason: "expected \"\(Self.formatName)\"")
        }
        guard let version = object["version"] as? Int, version == Self.formatVersion else {
            throw .invalidField(file: file, field: "version", reason: "expected \(Self.formatVersion)")
        }
        func scalar(_ value: Any?, field: String) throws(TokenizerError) -> Unicode.Scalar {
            guard let string = value as? String, string.unicodeScalars.count == 1, let s = string.unicodeScalars.first else {
                throw .invalidField(file: file, field: field, reason: "expected a string of exactly one Unicode scalar")
            }
            return s
        }
        let unknown = try scalar(object["unknown"], field: "unknown")
        guard let list = object["characters"] as? [Any] else {
            throw .invalidField(file: file, field: "characters", reason: "expected an array of one-character strings")
        }
        var characters: [Unicode.Scalar] = []
        var seen: Set<Unicode.Scalar> = []
        for (index, item) in list.enumerated() {
            let c = try scalar(item, field: "characters[\(index)]")
            guard seen.insert(c).inserted else { throw .duplicateToken(file: file, line: 0, token: String(c)) }
            characters.append(c)
        }
        self.init(uncheckedCharacters: characters, unknownSymbol: unknown)
    }
}

/// Writing a `CharacterVocabulary` file failed.
public struct CharacterVocabularyWriteError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file that could not be written.
    public var path: String
    /// The system's reason.
    public var reason: String

    public var description: String { "\(path): cannot write the vocabulary: \(reason)" }
}
