import Foundation
import XCTest
import Nabla
import NablaNN

// Position embeddings: sinusoidal encodings against the NumPy reference, learned embeddings against a
// PyTorch module and rotary embeddings against a small torch reference (attention.json kinds
// "sinusoidal", "learned_pos", "rotary", written by scripts/generate_attention_fixtures.py), plus
// float64 finite-difference checks, state-dict names, the relative-position property of rotary
// embeddings and the growth of its cached tables.

final class PositionalEmbeddingTests: XCTestCase {
    func testSinusoidalMatchesNumPyReference() throws {
        for c in try SequenceFixtures.cases("sinusoidal") {
            let x = c.inputs["x"]!
            let encoding = SinusoidalPositionalEncoding(dModel: c.int("d_model"), maxLength: c.int("max_len"), dropout: 0.1,
                                                        batchFirst: c.bool("batch_first"), dtype: x.dtype)
            encoding.eval()
            try SequenceFixtures.check(c, module: nil) { inputs in encoding(inputs["x"]!, offset: c.int("offset")) }
        }
    }

    func testSinusoidalTableFollowsTheFormula() {
        let d = 10
        let table = sinusoidalPositionalEncoding(length: 50, dModel: d, offset: 3, dtype: .float64)
        XCTAssertEqual(table.shape, [50, d])
        let values = table.scalars
        for p in [0, 7, 49] {
            for i in 0..<(d / 2) {
                let angle = Double(p + 3) / Foundation.pow(10_000, Double(2 * i) / Double(d))
                XCTAssertEqual(values[p * d + 2 * i], Foundation.sin(angle), accuracy: 1e-12, "pe[\(p + 3), \(2 * i)]")
                XCTAssertEqual(values[p * d + 2 * i + 1], Foundation.cos(angle), accuracy: 1e-12, "pe[\(p + 3), \(2 * i + 1)]")
            }
        }
        XCTAssertEqual(Array(sinusoidalPositionalEncoding(length: 1, dModel: 5).scalars), [0, 1, 0, 1, 0])
        // The layer's buffer holds the same table; it is state, not a parameter.
        let encoding = SinusoidalPositionalEncoding(dModel: d, maxLength: 60, dtype: .float64)
        XCTAssertTrue(encoding.parameters().isEmpty)
        XCTAssertEqual(encoding.namedBuffers().map(\.0), ["pe"])
        XCTAssertEqual(encoding.stateDict().map(\.0), ["pe"])
        XCTAssertEqual(encoding.pe.value.shape, [60, d])
        XCTAssertEqual(encoding.pe.value.slice(axis: 0, start: 3, end: 53).contiguous().scalars, values)
    }

    func testSinusoidalDropoutOnlyInTraining() {
        let encoding = SinusoidalPositionalEncoding(dModel: 8, maxLength: 16, dropout: 0.5, batchFirst: true, generator: Generator(seed: 1))
        let x = Tensor.randn([2, 4, 8], seed: 2)
        let expected = (x + sinusoidalPositionalEncoding(length: 4, dModel: 8)).scalars
        encoding.eval()
        XCTAssertEqual(encoding(x).scalars, expected)
        encoding.train()
        let dropped = encoding(x).scalars
        XCTAssertTrue(dropped.contains(0), "dropout zeroes elements in training mode")
        for (y, e) in zip(dropped, expected) where y != 0 { XCTAssertEqual(y, 2 * e, accuracy: 1e-5) }
    }

    func testLearnedMatchesPyTorch() throws {
        for c in try SequenceFixtures.cases("learned_pos") {
            let embedding = LearnedPositionalEmbedding(maxLength: c.int("max_len"), dModel: c.int("d_model"),
                                                       batchFirst: c.bool("batch_first"), dtype: c.inputs["x"]!.dtype)
            try SequenceFixtures.check(c, module: embedding) { inputs in embedding(inputs["x"]!, offset: c.int("offset")) }
        }
    }

    func testLearnedInitialisationAndNames() {
        let embedding = LearnedPositionalEmbedding(maxLength: 200, dModel: 50)
        XCTAssertEqual(embedding.namedParameters().map(\.0), ["weight"])
        XCTAssertEqual(embedding.stateDict().map(\.0), ["weight"])
        XCTAssertEqual(embedding.weight.shape, [200, 50])
        // N(0, 1), as nn.Embedding draws it.
        let w = embedding.weight.value.scalars
        let mean = w.reduce(0, +) / Double(w.count)
        let std = (w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(w.count)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.05)
        XCTAssertEqual(std, 1, accuracy: 0.05)
    }

    func testRotaryMatchesTorchReference() throws {
        for c in try SequenceFixtures.cases("rotary") {
            let rope = RotaryEmbedding(headDim: c.int("head_dim"), base: c.double("base") ?? 10_000, maxLength: 8)
            try SequenceFixtures.check(c, module: nil) { inputs in
                let (q, k) = rope(query: inputs["query"]!, key: inputs["key"]!, offset: c.int("offset"))
                return stack([q, k])
            }
            XCTAssertTrue(rope.parameters().isEmpty && rope.stateDict().isEmpty, "rotary embeddings have no state")
        }
    }

    func testRotaryScoresDependOnRelativePosition() {
        let rope = RotaryEmbedding(headDim: 8)
        let q = Tensor.randn([1, 8], seed: 3, dtype: .float64), k = Tensor.randn([1, 8], seed: 4, dtype: .float64)
        func score(_ p: Int, _ s: Int) -> Double { (rope(q, offset: p) * rope(k, offset: s)).sum().item() }
        XCTAssertEqual(score(5, 2), score(13, 10), accuracy: 1e-10)
        XCTAssertEqual(score(0, 0), (q * k).sum().item(), accuracy: 1e-12)
        XCTAssertNotEqual(score(5, 2), score(5, 3), accuracy: 1e-6)
        // A rotation keeps the norm.
        XCTAssertEqual((rope(q, offset: 41) * rope(q, offset: 41)).sum().item(), (q * q).sum().item(), accuracy: 1e-10)
    }

    func testRotaryTablesAreCachedAndGrow() {
        let rope = RotaryEmbedding(headDim: 4, maxLength: 16)
        XCTAssertEqual(rope.cachedLength, 16)
        let early = rope.cosSin(length: 3, offset: 10, dtype: .float64)
        let (cos, sin) = rope.cosSin(length: 10, offset: 95, dtype: .float64)
        XCTAssertEqual(rope.cachedLength, 105)
        XCTAssertEqual(cos.shape, [10, 4])
        // cos(p·θ_i), θ = [1, 0.01] for headDim 4, repeated over both halves.
        XCTAssertEqual(cos.scalars[0], Foundation.cos(95), accuracy: 1e-12)
        XCTAssertEqual(sin.scalars[1], Foundation.sin(0.95), accuracy: 1e-12)
        XCTAssertEqual(sin.scalars[3], Foundation.sin(0.95), accuracy: 1e-12)
        XCTAssertEqual(rope.cosSin(length: 3, offset: 10, dtype: .float64).cos.scalars, early.cos.scalars, "growing keeps values")
        XCTAssertEqual(rope.cosSin(length: 2, offset: 1, dtype: .float32).cos.dtype, .float32)
        XCTAssertEqual(rope(Tensor.randn([2, 200, 4], seed: 5)).shape, [2, 200, 4])
        XCTAssertEqual(rope.cachedLength, 210)
    }

    func testFiniteDifferences() {
        let x = Tensor.randn([2, 3, 6], seed: 6, dtype: .float64)
        let rope = RotaryEmbedding(headDim: 6)
        checkLayerGradients("rotary", [x]) { xs in rope(xs[0], offset: 4) }
        checkLayerGradients("rotary query/key", [x, Tensor.randn([1, 3, 6], seed: 7, dtype: .float64)]) { xs in
            let (q, k) = rope(query: xs[0], key: xs[1], offset: 1)
            return matmul(q, k.transposed())
        }
        let learned = LearnedPositionalEmbedding(maxLength: 7, dModel: 6, batchFirst: true, dtype: .float64)
        checkLayerGradients("learned positions", [x, Tensor.randn([7, 6], seed: 8, dtype: .float64)]) { xs in
            learned.weight.value = xs[1]
            return learned(xs[0], offset: 2).square()
        }
        let sinusoidal = SinusoidalPositionalEncoding(dModel: 6, maxLength: 8, dropout: 0, dtype: .float64)
        checkLayerGradients("sinusoidal positions", [x]) { xs in sinusoidal(xs[0], offset: 1).square() }
    }

    func testBadInputsTrapWithAMessage() throws {
        try SequenceTrapHarness.expectTrap("sinusoidalBeyondTable",
                                           message: "SinusoidalPositionalEncoding: positions 8 ..< 11 exceed the table's 10 positions")
        try SequenceTrapHarness.expectTrap("rotaryOddHeadDim", message: "RotaryEmbedding: headDim must be even and positive, got 7")
    }
}
