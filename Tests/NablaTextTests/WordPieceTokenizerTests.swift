import Foundation
import Nabla
import NablaText
import XCTest

/// WordPiece against HuggingFace `tokenizers` on the real all-MiniLM-L6-v2 vocabulary.
final class WordPieceTokenizerTests: XCTestCase {
    var goldens: Goldens.WordPiece!
    var fromVocab: WordPieceTokenizer!
    var fromJSON: WordPieceTokenizer!

    override func setUpWithError() throws {
        goldens = try Goldens.load(Goldens.WordPiece.self, "wordpiece_goldens.json")
        fromVocab = try WordPieceTokenizer(vocabularyFile: Goldens.url("wordpiece/vocab.txt"))
        fromJSON = try WordPieceTokenizer(tokenizerFile: Goldens.url("wordpiece/tokenizer.json"))
    }

    func testGoldensCoverTheCases() {
        XCTAssertGreaterThanOrEqual(goldens.singles.count, 40)
        XCTAssertEqual(fromVocab.vocabularySize, 30522)
        XCTAssertEqual(fromJSON.vocabularySize, 30522)
        XCTAssertEqual([fromVocab.classifierId, fromVocab.separatorId, fromVocab.unknownId, fromVocab.paddingId], [101, 102, 100, 0])
    }

    func testNormalizerAndPreTokenizerMatchReference() {
        let normalizer = BertNormalizer()
        for g in goldens.singles {
            let normalized = normalizer.normalize(g.text)
            XCTAssertEqual(Array(normalized.unicodeScalars), Array(g.normalized!.unicodeScalars), "normalize \(g.text.debugDescription)")
            XCTAssertEqual(BertPreTokenizer.split(normalized), g.words, "words of \(g.text.debugDescription)")
        }
    }

    func testSinglesMatchReference() {
        for tokenizer in [fromVocab!, fromJSON!] {
            for g in goldens.singles {
                let e = tokenizer.encode(g.text)
                XCTAssertEqual(e.ids, g.ids, "ids of \(g.text.debugDescription)")
                XCTAssertEqual(e.tokens, g.tokens, "tokens of \(g.text.debugDescription)")
                XCTAssertEqual(e.typeIds, g.typeIds, "type ids of \(g.text.debugDescription)")
                XCTAssertEqual(e.attentionMask, g.attentionMask, "mask of \(g.text.debugDescription)")
            }
        }
    }

    func testCasedMatchesReference() throws {
        let cased = try WordPieceTokenizer(vocabularyFile: Goldens.url("wordpiece/vocab.txt"), lowercase: false, stripAccents: false)
        for g in goldens.singles {
            XCTAssertEqual(cased.encode(g.text).ids, g.cased, "cased ids of \(g.text.debugDescription)")
        }
    }

    func testDecodeMatchesReference() {
        for g in goldens.singles {
            XCTAssertEqual(fromVocab.decode(g.ids), g.decoded, "decode of \(g.text.debugDescription)")
        }
    }

    func testPairsMatchReference() {
        XCTAssertFalse(goldens.pairs.isEmpty)
        for g in goldens.pairs {
            let e = fromJSON.encode(g.text, pair: g.pair)
            XCTAssertEqual(e.ids, g.ids, "pair \(g.text) / \(g.pair!)")
            XCTAssertEqual(e.tokens, g.tokens)
            XCTAssertEqual(e.typeIds, g.typeIds, "type ids of pair \(g.text) / \(g.pair!)")
            XCTAssertEqual(e.attentionMask, g.attentionMask)
        }
    }

    func testLongestFirstTruncationMatchesReference() {
        XCTAssertFalse(goldens.truncated.isEmpty)
        for g in goldens.truncated {
            let e = fromVocab.encode(g.text, pair: g.pair, truncation: .longestFirst, maxLength: g.maxLength)
            XCTAssertEqual(e.tokens, g.tokens, "truncate to \(g.maxLength!): \(g.text) / \(g.pair ?? "-")")
            XCTAssertEqual(e.typeIds, g.typeIds)
            XCTAssertLessThanOrEqual(e.count, g.maxLength!)
        }
    }

    func testOnlyFirstAndOnlySecondTruncation() {
        let e1 = fromVocab.encode("a b c d e f", pair: "x y", truncation: .onlyFirst, maxLength: 7)
        XCTAssertEqual(e1.tokens, ["[CLS]", "a", "b", "[SEP]", "x", "y", "[SEP]"])
        let e2 = fromVocab.encode("a b", pair: "u v w x y z", truncation: .onlySecond, maxLength: 7)
        XCTAssertEqual(e2.tokens, ["[CLS]", "a", "b", "[SEP]", "u", "v", "[SEP]"])
        let none = fromVocab.encode("a b c d e f", truncation: .none, maxLength: 3)
        XCTAssertEqual(none.count, 8)
    }

    func testBatchPaddingToLongestMatchesReference() {
        let batch = fromVocab.encodeBatch(goldens.batch.texts, padding: .longest)
        let width = goldens.batch.longest[0].ids.count
        XCTAssertEqual(batch.inputIds.shape, [goldens.batch.texts.count, width])
        XCTAssertEqual(batch.inputIds.dtype, .int64)
        XCTAssertEqual(batch.inputIds.toArray(as: Int64.self), goldens.batch.longest.flatMap { $0.ids.map(Int64.init) })
        XCTAssertEqual(batch.attentionMask.toArray(as: Int64.self), goldens.batch.longest.flatMap { $0.attentionMask.map(Int64.init) })
        XCTAssertEqual(batch.tokenTypeIds.toArray(as: Int64.self), goldens.batch.longest.flatMap { $0.typeIds.map(Int64.init) })
        XCTAssertEqual(batch.encodings.map(\.tokens), goldens.batch.longest.map(\.tokens))
    }

    func testBatchFixedLengthWithTruncationMatchesReference() {
        let batch = fromJSON.encodeBatch(goldens.batch.texts, padding: .length(12), truncation: .longestFirst)
        XCTAssertEqual(batch.inputIds.shape, [goldens.batch.texts.count, 12])
        XCTAssertEqual(batch.inputIds.toArray(as: Int64.self), goldens.batch.fixed12.flatMap { $0.ids.map(Int64.init) })
        XCTAssertEqual(batch.attentionMask.toArray(as: Int64.self), goldens.batch.fixed12.flatMap { $0.attentionMask.map(Int64.init) })
    }

    func testBatchOfPairs() {
        let batch = fromVocab.encodeBatch(["hello", "a b c"], pairs: ["world", "d"], padding: .length(9))
        XCTAssertEqual(batch.inputIds.shape, [2, 9])
        XCTAssertEqual(batch.encodings[0].tokens, ["[CLS]", "hello", "[SEP]", "world", "[SEP]", "[PAD]", "[PAD]", "[PAD]", "[PAD]"])
        XCTAssertEqual(batch.tokenTypeIds.toArray(as: Int64.self), [0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0])
        XCTAssertEqual(batch.attentionMask.toArray(as: Int64.self), [1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0])
    }

    func testLongWordsBecomeUnknown() {
        XCTAssertEqual(fromVocab.tokenize(String(repeating: "a", count: 101)), ["[UNK]"])
        XCTAssertNotEqual(fromVocab.tokenize(String(repeating: "a", count: 100)), ["[UNK]"])
    }

    func testSpecialTokensInTextStayWhole() {
        XCTAssertEqual(fromVocab.tokenize("[MASK] is [SEP]"), ["[MASK]", "is", "[SEP]"])
        XCTAssertEqual(fromVocab.encode("x [MASK]").specialTokensMask, [1, 0, 1, 1])
    }
}
