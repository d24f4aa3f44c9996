import Foundation
import NablaText
import XCTest

/// Malformed files give typed errors naming the file and the line (or field).
final class TokenizerErrorTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-text-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func write(_ name: String, _ text: String) throws -> URL { try write(name, Data(text.utf8)) }

    func write(_ name: String, _ data: Data) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try data.write(to: url)
        return url
    }

    func assertThrows<T>(_ expected: TokenizerError, _ body: () throws -> T, line: UInt = #line) {
        do {
            _ = try body()
            XCTFail("expected \(expected)", line: line)
        } catch {
            guard let error = error as? TokenizerError else { return XCTFail("untyped error \(error)", line: line) }
            XCTAssertEqual(error, expected, line: line)
            XCTAssertTrue(error.description.contains(expected.file), "\(error.description)", line: line)
        }
    }

    let bertVocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n"

    func testVocabTxtErrors() throws {
        let empty = try write("vocab.txt", "[PAD]\n[UNK]\n\n[CLS]\n[SEP]\n")
        assertThrows(.malformedLine(file: "vocab.txt", line: 3, reason: "empty token")) { try WordPieceTokenizer(vocabularyFile: empty) }
        let duplicate = try write("dup.txt", bertVocab + "world\nhello\n")
        assertThrows(.duplicateToken(file: "dup.txt", line: 7, token: "hello")) { try WordPieceTokenizer(vocabularyFile: duplicate) }
        let badUTF8 = try write("utf8.txt", Data(bertVocab.utf8) + Data([0x61, 0xFF, 0x0A]))
        assertThrows(.invalidUTF8(file: "utf8.txt", line: 6)) { try WordPieceTokenizer(vocabularyFile: badUTF8) }
        let noUnknown = try write("nounk.txt", "[PAD]\n[CLS]\n[SEP]\n")
        assertThrows(.missingSpecialToken(file: "nounk.txt", token: "[UNK]")) { try WordPieceTokenizer(vocabularyFile: noUnknown) }
        let missing = directory.appendingPathComponent("absent.txt")
        do {
            _ = try WordPieceTokenizer(vocabularyFile: missing)
            XCTFail("expected an error")
        } catch {
            guard case .unreadableFile(file: "absent.txt", _) = error else { return XCTFail("\(error)") }
        }
        // A well-formed one (CRLF line ends included) loads.
        let good = try write("ok.txt", bertVocab.replacingOccurrences(of: "\n", with: "\r\n"))
        XCTAssertEqual(try WordPieceTokenizer(vocabularyFile: good).tokenize("Hello"), ["hello"])
    }

    func testMergesTxtErrors() throws {
        let vocab = try write("vocab.json", #"{"a": 0, "b": 1, "ab": 2, "c": 3}"#)
        let badLine = try write("merges.txt", "#version: 0.2\na b\nabc\n")
        assertThrows(.malformedLine(file: "merges.txt", line: 3, reason: #"expected two tokens separated by one space, got "abc""#)) {
            try ByteLevelBPETokenizer(vocabularyFile: vocab, mergesFile: badLine)
        }
        let unknown = try write("merges2.txt", "#version: 0.2\na b\nab c\n")
        assertThrows(.mergeTokenNotInVocabulary(file: "merges2.txt", line: 3, token: "abc")) {
            try ByteLevelBPETokenizer(vocabularyFile: vocab, mergesFile: unknown)
        }
        let good = try write("merges3.txt", "#version: 0.2\na b\n")
        XCTAssertEqual(try ByteLevelBPETokenizer(vocabularyFile: vocab, mergesFile: good).encode("abc").tokens, ["ab", "c"])
    }

    func testVocabJSONErrors() throws {
        let merges = try write("merges.txt", "#version: 0.2\n")
        let truncated = try write("vocab.json", #"{"a": 0, "b": "#)
        do {
            _ = try ByteLevelBPETokenizer(vocabularyFile: truncated, mergesFile: merges)
            XCTFail("expected an error")
        } catch {
            guard case .invalidJSON(file: "vocab.json", _) = error else { return XCTFail("\(error)") }
        }
        let badId = try write("ids.json", #"{"a": 0, "b": "one"}"#)
        do {
            _ = try ByteLevelBPETokenizer(vocabularyFile: badId, mergesFile: merges)
            XCTFail("expected an error")
        } catch {
            guard case .invalidField(file: "ids.json", field: #"(root)["b"]"#, _) = error else { return XCTFail("\(error)") }
        }
    }

    func testTokenizerJSONErrors() throws {
        let bpe = try write("bpe.json", #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}"#)
        assertThrows(.unsupportedModel(file: "bpe.json", type: "BPE", expected: "WordPiece")) { try WordPieceTokenizer(tokenizerFile: bpe) }
        let noVocab = try write("novocab.json", #"{"model": {"type": "WordPiece"}}"#)
        assertThrows(.invalidField(file: "novocab.json", field: "model.vocab", reason: "expected an object mapping tokens to ids")) {
            try WordPieceTokenizer(tokenizerFile: noVocab)
        }
        let badMerge = try write("badmerge.json", #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a a", 7]}}"#)
        do {
            _ = try ByteLevelBPETokenizer(tokenizerFile: badMerge)
            XCTFail("expected an error")
        } catch {
            guard case .invalidField(file: "badmerge.json", field: "model.merges[1]", _) = error else { return XCTFail("\(error)") }
        }
        let notJSON = try write("broken.json", "{\n  \"model\": [\n")
        do {
            _ = try WordPieceTokenizer(tokenizerFile: notJSON)
            XCTFail("expected an error")
        } catch {
            guard case .invalidJSON(file: "broken.json", _) = error else { return XCTFail("\(error)") }
        }
    }
}
