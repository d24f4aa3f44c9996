import Foundation
import XCTest

/// The fixtures written by `scripts/generate_tokenizer_fixtures.py` (HuggingFace `tokenizers` outputs).
enum Goldens {
    /// The URL of a fixture file, e.g. `url("wordpiece/vocab.txt")`.
    static func url(_ relativePath: String) throws -> URL {
        let path = relativePath as NSString
        let directory = path.deletingLastPathComponent
        let subdirectory = directory.isEmpty ? "Fixtures" : "Fixtures/\(directory)"
        let name = (path.lastPathComponent as NSString).deletingPathExtension
        let ext = path.pathExtension
        return try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: subdirectory),
                             "missing fixture \(relativePath): run scripts/generate_tokenizer_fixtures.py")
    }

    static func load<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: url(name)))
    }

    /// One encoded text (or pair) from the reference library.
    struct Encoded: Decodable {
        var text: String
        var pair: String?
        var maxLength: Int?
        var ids: [Int]
        var tokens: [String]
        var typeIds: [Int]
        var attentionMask: [Int]
        var cased: [Int]?
        var normalized: String?
        var words: [String]?
        var decoded: String?
    }

    /// One padded encoding of a batch.
    struct Padded: Decodable {
        var ids: [Int]
        var tokens: [String]
        var typeIds: [Int]
        var attentionMask: [Int]
    }

    struct WordPiece: Decodable {
        struct Batch: Decodable {
            var texts: [String]
            var longest: [Padded]
            var fixed12: [Padded]
        }
        var singles: [Encoded]
        var pairs: [Encoded]
        var truncated: [Encoded]
        var batch: Batch
    }

    struct BPE: Decodable {
        struct Single: Decodable {
            var text: String
            var ids: [Int]
            var tokens: [String]
            var pieces: [String]
            var decoded: String
        }
        var corpus: [String]
        var singles: [Single]
    }
}
