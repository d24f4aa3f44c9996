import Foundation
import Nabla
import NablaText
import XCTest

/// Byte-level BPE against HuggingFace `tokenizers`, on a BPE trained by the generator on Debian's fortunes.
final class ByteLevelBPETokenizerTests: XCTestCase {
    var goldens: Goldens.BPE!
    var fromFiles: ByteLevelBPETokenizer!
    var fromJSON: ByteLevelBPETokenizer!

    override func setUpWithError() throws {
        goldens = try Goldens.load(Goldens.BPE.self, "bpe_goldens.json")
        fromFiles = try ByteLevelBPETokenizer(vocabularyFile: Goldens.url("bpe/vocab.json"), mergesFile: Goldens.url("bpe/merges.txt"))
        fromJSON = try ByteLevelBPETokenizer(tokenizerFile: Goldens.url("bpe/tokenizer.json"))
    }

    func testByteTable() {
        let table = ByteLevel.byteToCharacter
        XCTAssertEqual(Set(table).count, 256)
        XCTAssertEqual(table[Int(UInt8(ascii: " "))], "\u{0120}")    // Ġ
        XCTAssertEqual(table[Int(UInt8(ascii: "\n"))], "\u{010A}")   // Ċ
        XCTAssertEqual(table[Int(UInt8(ascii: "A"))], "A")
        XCTAssertEqual(table[0xAD], "\u{0143}")                      // the last remapped byte
        XCTAssertEqual(ByteLevel.decode(ByteLevel.encode("héllo 😀\u{0}")), "héllo 😀\u{0}")
    }

    func testPreTokenizerMatchesReference() {
        for g in goldens.singles {
            XCTAssertEqual(ByteLevel.split(g.text).map(ByteLevel.encode), g.pieces, "pieces of \(g.text.debugDescription)")
        }
    }

    /// The hand-written matcher against the pattern itself, run by Swift Regex on Unicode scalars.
    func testPreTokenizerMatchesTheRegex() throws {
        let pattern = try Regex(#"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#)
            .matchingSemantics(.unicodeScalar)
        let extra = ["a  b", "a \n b", "x   ", " ", "  \t x", "I'VE it's 'll'", "tab\t\tx", "1 2  3\u{3000}4", "é\u{301} ü"]
        for text in goldens.singles.map(\.text) + extra {
            let expected = text.matches(of: pattern).map { String(text.unicodeScalars[$0.range]) }
            XCTAssertEqual(ByteLevel.split(text), expected, "split of \(text.debugDescription)")
            XCTAssertEqual(ByteLevel.split(text).joined(), text)
        }
    }

    func testEncodeMatchesReference() {
        XCTAssertGreaterThanOrEqual(goldens.singles.count, 40)
        for tokenizer in [fromFiles!, fromJSON!] {
            for g in goldens.singles {
                let e = tokenizer.encode(g.text)
                XCTAssertEqual(e.ids, g.ids, "ids of \(g.text.debugDescription)")
                XCTAssertEqual(e.tokens, g.tokens, "tokens of \(g.text.debugDescription)")
                XCTAssertEqual(e.attentionMask, Array(repeating: 1, count: g.ids.count))
            }
        }
    }

    func testDecodeRoundTrips() {
        for g in goldens.singles {
            XCTAssertEqual(fromFiles.decode(g.ids), g.decoded, "decode of \(g.text.debugDescription)")
            XCTAssertEqual(fromFiles.decode(fromFiles.encode(g.text).ids), g.text, "round trip of \(g.text.debugDescription)")
        }
    }

    func testBatchPadsAndTruncates() {
        let batch = fromFiles.encodeBatch(["hello there", "a much longer line of text here"], padding: .longest,
                                          truncation: .longestFirst, maxLength: 6)
        XCTAssertEqual(batch.inputIds.shape[0], 2)
        XCTAssertLessThanOrEqual(batch.inputIds.shape[1], 6)
        let lengths = batch.encodings.map { $0.attentionMask.reduce(0, +) }
        XCTAssertEqual(lengths[1], 6)
        XCTAssertEqual(batch.encodings[0].ids, fromFiles.encode("hello there").ids + Array(repeating: fromFiles.paddingId, count: 6 - lengths[0]))
        let pair = fromFiles.encode("the cat", pair: "the dog")
        XCTAssertEqual(pair.ids, fromFiles.encode("the cat").ids + fromFiles.encode("the dog").ids)
        XCTAssertEqual(pair.typeIds.filter { $0 == 1 }.count, fromFiles.encode("the dog").count)
    }
}
