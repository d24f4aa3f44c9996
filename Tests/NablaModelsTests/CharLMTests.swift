import Foundation
import XCTest
import Nabla
import NablaCheckpoint
import NablaData
import NablaModels
import NablaNN
import NablaOptim
import NablaText

// The character language models (CharLSTM, CharGPT), their vocabulary, the fortune corpus reader and
// sampling. Everything here is tiny, so the whole class runs in seconds in a debug build.

/// A temporary directory removed when the test ends.
private func makeTemporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("charlm-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Next-character pairs from windows of `ids` at `starts`: inputs and targets [starts.count, length].
private func windows(_ ids: [Int], starts: [Int], length: Int) -> (Tensor, Tensor) {
    let x = starts.flatMap { ids[$0 ..< $0 + length].map(Int64.init) }
    let y = starts.flatMap { ids[$0 + 1 ... $0 + length].map(Int64.init) }
    return (Tensor(shape: [starts.count, length], scalars: x), Tensor(shape: [starts.count, length], scalars: y))
}

/// Trains `model` on random windows of `text` with Adam and returns the loss on fixed windows before and after.
private func trainOnRepetitiveText<Model: AutoregressiveLanguageModel>(_ model: Model, vocabulary: CharacterVocabulary, text: String,
                                                                       steps: Int, length: Int, learningRate: Double) -> (before: Double, after: Double) {
    let ids = vocabulary.encode(text)
    let fixedStarts = stride(from: 0, to: ids.count - length - 1, by: 37).map { $0 }
    let (vx, vy) = windows(ids, starts: fixedStarts, length: length)
    func validationLoss() -> Double { withNoGrad { languageModelLoss(model, inputs: vx, targets: vy).item() } }
    let before = validationLoss()
    let optimizer = Adam(model, learningRate: learningRate)
    let generator = Generator(seed: 1)
    for _ in 0..<steps {
        let starts = Tensor.randint(0, ids.count - length - 1, [8], generator: generator).toArray(as: Int64.self).map(Int.init)
        let (x, y) = windows(ids, starts: starts, length: length)
        let loss = languageModelLoss(model, inputs: x, targets: y)
        optimizer.zeroGrad()
        loss.backward()
        clipGradNorm(model, maxNorm: 1)
        optimizer.step()
    }
    return (before, validationLoss())
}

/// The argmax of the last position's logits, recomputing the whole (cropped) context every step.
private func greedyByRecomputing<Model: AutoregressiveLanguageModel>(_ model: Model, prompt: [Int], count: Int, context: Int?) -> [Int] {
    var tokens = prompt
    var out: [Int] = []
    withNoGrad {
        for _ in 0..<count {
            let window = context.map { Array(tokens.suffix($0)) } ?? tokens
            let logits = model.logits(Tensor(shape: [1, window.count], scalars: window.map(Int64.init)))
            let next = Int(logits[0, window.count - 1].argmax().item())
            out.append(next)
            tokens.append(next)
        }
    }
    return out
}

private let repetitiveText = String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 20)

final class CharLMTests: XCTestCase {
    // MARK: Vocabulary

    func testVocabularyRoundTripAndUnknownCharacters() throws {
        let text = "hello, world!\n\tÄ€ \r\n"
        let vocabulary = CharacterVocabulary(text: text)
        let scalars = Array(Set(text.unicodeScalars)).sorted { $0.value < $1.value }
        XCTAssertEqual(vocabulary.characters, scalars)
        XCTAssertEqual(vocabulary.count, scalars.count + 1)
        XCTAssertEqual(vocabulary.decode(vocabulary.encode(text)), text)
        XCTAssertFalse(vocabulary.encode(text).contains(CharacterVocabulary.unknownID))
        // "\r\n" is two scalars, each with its own id.
        XCTAssertEqual(vocabulary.encode("\r\n").count, 2)
        // Unknown characters map to id 0 and decode as U+FFFD; ids outside the table too.
        XCTAssertEqual(vocabulary.encode("hzq"), [vocabulary.id(of: "h"), 0, 0])
        XCTAssertEqual(vocabulary.decode([vocabulary.id(of: "h"), 0, 999, -1]), "h\u{FFFD}\u{FFFD}\u{FFFD}")
        XCTAssertFalse(vocabulary.contains("z"))

        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("vocabulary.json")
        try vocabulary.save(to: url)
        let loaded = try CharacterVocabulary(contentsOf: url)
        XCTAssertEqual(loaded, vocabulary)
        XCTAssertEqual(loaded.encode(text), vocabulary.encode(text))
        XCTAssertEqual(vocabulary.jsonData(), loaded.jsonData())
        try vocabulary.save(to: url)    // replacing an existing file
        XCTAssertEqual(try CharacterVocabulary(contentsOf: url), vocabulary)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        XCTAssertEqual(leftovers, ["vocabulary.json"])
    }

    func testVocabularyFileErrorsNameTheFile() throws {
        let directory = try makeTemporaryDirectory(self)
        let missing = directory.appendingPathComponent("nope.json")
        XCTAssertThrowsError(try CharacterVocabulary(contentsOf: missing)) { error in
            XCTAssertTrue("\(error)".contains("nope.json"), "\(error)")
        }
        let bad = directory.appendingPathComponent("bad.json")
        try Data(#"{"format": "nabla-character-vocabulary", "version": 1, "unknown": "?", "characters": ["a", "bc"]}"#.utf8).write(to: bad)
        XCTAssertThrowsError(try CharacterVocabulary(contentsOf: bad)) { error in
            XCTAssertEqual(error as? TokenizerError, .invalidField(file: bad.path, field: "characters[1]",
                                                                  reason: "expected a string of exactly one Unicode scalar"))
        }
        try Data(#"{"format": "something-else", "version": 1}"#.utf8).write(to: bad)
        XCTAssertThrowsError(try CharacterVocabulary(contentsOf: bad)) { error in
            XCTAssertTrue("\(error)".contains("bad.json") && "\(error)".contains("format"), "\(error)")
        }
        XCTAssertThrowsError(try CharacterVocabulary(characters: ["a", "b", "a"]))
        XCTAssertThrowsError(try CharacterVocabulary(text: "ab").save(to: directory.appendingPathComponent("no/such/dir/v.json"))) { error in
            XCTAssertTrue("\(error)".contains("no/such/dir/v.json"), "\(error)")
        }
    }

    // MARK: Corpus

    func testFortuneCorpusReadsEntriesInFileOrder() throws {
        let directory = try makeTemporaryDirectory(self)
        func write(_ name: String, _ text: String) throws {
            try Data(text.utf8).write(to: directory.appendingPathComponent(name))
        }
        try write("zen", "First zen.\nTwo lines.\n%\nSecond zen.\n%\n")
        try write("art", "A _\u{8}b_\u{8}o_\u{8}l_\u{8}d word\n%\n  \n%\nlast entry, no final percent")
        try write("art.dat", "\u{0}\u{1}binary index")
        try write(".hidden", "not read\n%\n")
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("art.u8").path, withDestinationPath: "art")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("off"), withIntermediateDirectories: true)
        try write("off/rude", "skipped\n%\n")

        let corpus = try FortuneCorpus(directory: directory)
        XCTAssertEqual(corpus.files, ["art", "zen"])
        XCTAssertEqual(corpus.entries.map(\.text), ["A bold word", "last entry, no final percent", "First zen.\nTwo lines.", "Second zen."])
        XCTAssertEqual(corpus.entries.map(\.file), ["art", "art", "zen", "zen"])
        let (train, validation) = corpus.split(validationEvery: 2)
        XCTAssertEqual(train, ["A bold word", "First zen.\nTwo lines."])
        XCTAssertEqual(validation, ["last entry, no final percent", "Second zen."])
        XCTAssertEqual(FortuneCorpus.joined(["a", "b\nc"]), "a\n%\nb\nc\n%\n")
        XCTAssertEqual(FortuneCorpus.entries(in: FortuneCorpus.joined(["a", "b\nc"])), ["a", "b\nc"])
        // Kept as is when asked.
        let raw = try FortuneCorpus(directory: directory, removingOverstrikes: false)
        XCTAssertEqual(raw.entries[0].text, "A _\u{8}b_\u{8}o_\u{8}l_\u{8}d word")
    }

    func testFortuneCorpusMissingDirectorySaysHowToInstall() throws {
        let directory = try makeTemporaryDirectory(self)
        let missing = directory.appendingPathComponent("fortunes")
        XCTAssertThrowsError(try FortuneCorpus(directory: missing)) { error in
            guard case let .datasetMissing(path, _)? = error as? DatasetError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, missing.path)
            XCTAssertTrue("\(error)".contains(missing.path) && "\(error)".contains("apt-get install fortunes"), "\(error)")
        }
        // A directory without fortune entries says so too.
        try Data("\u{0}".utf8).write(to: directory.appendingPathComponent("only.dat"))
        XCTAssertThrowsError(try FortuneCorpus(directory: directory)) { error in
            XCTAssertTrue("\(error)".contains(directory.path) && "\(error)".contains("no fortune entries"), "\(error)")
        }
    }

    // MARK: Models

    func testStateDictNamesArePyTorchStyle() {
        let lstm = CharLSTM(CharLSTMConfig(vocabularySize: 10, embeddingDim: 4, hiddenSize: 6, numLayers: 2))
        XCTAssertEqual(lstm.stateDict().map(\.0), [
            "embedding.weight",
            "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0",
            "lstm.weight_ih_l1", "lstm.weight_hh_l1", "lstm.bias_ih_l1", "lstm.bias_hh_l1",
            "head.weight", "head.bias",
        ])
        let gpt = CharGPT(CharGPTConfig(vocabularySize: 10, blockSize: 8, dModel: 8, numHeads: 2, numLayers: 1))
        let names = gpt.stateDict().map(\.0)
        XCTAssertEqual(Array(names.prefix(4)), ["token_embedding.weight", "position_embedding.weight",
                                                "layers.0.self_attn.in_proj_weight", "layers.0.self_attn.in_proj_bias"])
        XCTAssertEqual(Array(names.suffix(4)), ["norm.weight", "norm.bias", "head.weight", "head.bias"])
        XCTAssertTrue(names.contains("layers.0.linear1.weight") && names.contains("layers.0.norm2.bias"))
        XCTAssertEqual(gpt.positionEmbedding.weight.value.shape, [8, 8])
        XCTAssertNotNil(CharGPTConfig(vocabularySize: 10, dModel: 10, numHeads: 4).validationProblem)
        XCTAssertNotNil(CharLSTMConfig(vocabularySize: 0).validationProblem)
    }

    func testTinyLSTMLearnsRepetitiveText() {
        manualSeed(0)
        let vocabulary = CharacterVocabulary(text: repetitiveText)
        let model = CharLSTM(CharLSTMConfig(vocabularySize: vocabulary.count, embeddingDim: 16, hiddenSize: 32))
        let (before, after) = trainOnRepetitiveText(model, vocabulary: vocabulary, text: repetitiveText, steps: 40, length: 12, learningRate: 0.03)
        XCTAssertGreaterThan(before, 3.0)                       // about ln(29) = 3.37 untrained
        XCTAssertLessThan(after, 0.8, "LSTM loss \(before) -> \(after)")
    }

    func testTinyGPTLearnsRepetitiveText() {
        manualSeed(0)
        let vocabulary = CharacterVocabulary(text: repetitiveText)
        let model = CharGPT(CharGPTConfig(vocabularySize: vocabulary.count, blockSize: 12, dModel: 32, numHeads: 2, numLayers: 1))
        let (before, after) = trainOnRepetitiveText(model, vocabulary: vocabulary, text: repetitiveText, steps: 40, length: 12, learningRate: 0.01)
        XCTAssertGreaterThan(before, 3.0)
        XCTAssertLessThan(after, 0.8, "GPT loss \(before) -> \(after)")
    }

    func testGPTIsCausal() {
        manualSeed(3)
        let model = CharGPT(CharGPTConfig(vocabularySize: 12, blockSize: 10, dModel: 16, numHeads: 4, numLayers: 2))
        model.eval()
        let a: [Int64] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        var b = a
        b[6] = 0
        let la = withNoGrad { model(Tensor(shape: [1, 10], scalars: a)) }
        let lb = withNoGrad { model(Tensor(shape: [1, 10], scalars: b)) }
        let (ra, rb) = (la.toArray(as: Float.self), lb.toArray(as: Float.self))
        let v = 12
        XCTAssertEqual(Array(ra[0 ..< 6 * v]), Array(rb[0 ..< 6 * v]), "positions before the change must not see it")
        for position in 6..<10 {
            XCTAssertNotEqual(Array(ra[position * v ..< (position + 1) * v]), Array(rb[position * v ..< (position + 1) * v]),
                              "position \(position) must see the changed token")
        }
        // A prefix gives the same logits as the full sequence at its positions.
        let prefix = withNoGrad { model(Tensor(shape: [1, 4], scalars: Array(a.prefix(4)))) }.toArray(as: Float.self)
        for (x, y) in zip(prefix, ra.prefix(4 * v)) { XCTAssertEqual(x, y, accuracy: 1e-5) }
    }

    func testCheckpointRoundTrip() throws {
        manualSeed(4)
        let config = CharGPTConfig(vocabularySize: 9, blockSize: 6, dModel: 8, numHeads: 2, numLayers: 1)
        let model = CharGPT(config)
        let url = try makeTemporaryDirectory(self).appendingPathComponent("model.safetensors")
        try model.save(to: url)
        manualSeed(5)
        let restored = CharGPT(config)
        try restored.load(from: url)
        let tokens = Tensor(shape: [1, 5], scalars: [Int64(1), 2, 3, 4, 5])
        XCTAssertEqual(withNoGrad { model(tokens) }.toArray(as: Float.self), withNoGrad { restored(tokens) }.toArray(as: Float.self))
    }

    // MARK: Sampling

    func testTopKOneIsGreedyDecoding() throws {
        manualSeed(6)
        let lstm = CharLSTM(CharLSTMConfig(vocabularySize: 15, embeddingDim: 8, hiddenSize: 16, numLayers: 2))
        let gpt = CharGPT(CharGPTConfig(vocabularySize: 15, blockSize: 6, dModel: 16, numHeads: 2, numLayers: 2))
        let prompt = [3, 1, 4, 1]
        for temperature in [0.5, 1.0, 3.0] {
            let options = SamplingOptions(temperature: temperature, topK: 1)
            // The LSTM carries its state from step to step; recomputing from scratch gives the same tokens.
            let lstmTokens = try generate(lstm, prompt: prompt, maxNewTokens: 12, options: options, generator: Generator(seed: 0))
            XCTAssertEqual(lstmTokens, greedyByRecomputing(lstm, prompt: prompt, count: 12, context: nil))
            // The GPT crops its context to the block size (6), here after two new tokens.
            let gptTokens = try generate(gpt, prompt: prompt, maxNewTokens: 12, options: options, generator: Generator(seed: 0))
            XCTAssertEqual(gptTokens, greedyByRecomputing(gpt, prompt: prompt, count: 12, context: 6))
        }
        XCTAssertTrue(lstm.isTraining, "generate restores the training mode")
    }

    func testGPTDecodesWithTheKeyValueCacheWhileTheContextFits() throws {
        manualSeed(8)
        let gpt = CharGPT(CharGPTConfig(vocabularySize: 15, blockSize: 16, dModel: 16, numHeads: 2, numLayers: 2))
        gpt.eval()
        var state: CharGPT.DecodingState?
        var tokens = [3, 1, 4, 1]
        var newTokens = tokens
        for step in 0..<12 {
            let logits = withNoGrad { gpt.nextTokenLogits(after: newTokens, state: &state) }
            let full = withNoGrad { gpt(Tensor(shape: [1, tokens.count], scalars: tokens.map(Int64.init)))[0, tokens.count - 1] }
            let (a, b) = (logits.toArray(as: Float.self), full.toArray(as: Float.self))
            for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5, "step \(step)") }
            // Every token so far is cached: the blocks ran only on the new ones.
            XCTAssertEqual(state?.caches?.map(\.length), [tokens.count, tokens.count], "step \(step)")
            let next = Int(logits.argmax().item())
            tokens.append(next)
            newTokens = [next]
        }
        // Past the 16 learned positions the window slides and each step recomputes it.
        _ = withNoGrad { gpt.nextTokenLogits(after: [1], state: &state) }
        _ = withNoGrad { gpt.nextTokenLogits(after: [2], state: &state) }
        XCTAssertNil(state?.caches)
        XCTAssertEqual(state?.tokens.count, 16)
    }

    func testSameSeedGivesTheSameSample() throws {
        manualSeed(7)
        let vocabulary = CharacterVocabulary(text: repetitiveText)
        let model = CharLSTM(CharLSTMConfig(vocabularySize: vocabulary.count, embeddingDim: 8, hiddenSize: 16))
        let options = SamplingOptions(temperature: 1.5, topK: 20)
        let a = try generate(model, vocabulary: vocabulary, prompt: "the ", maxNewCharacters: 40, options: options, generator: Generator(seed: 42))
        let b = try generate(model, vocabulary: vocabulary, prompt: "the ", maxNewCharacters: 40, options: options, generator: Generator(seed: 42))
        let c = try generate(model, vocabulary: vocabulary, prompt: "the ", maxNewCharacters: 40, options: options, generator: Generator(seed: 43))
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.unicodeScalars.count, 40)
        XCTAssertNotEqual(a, c, "another seed should give another sample")
        XCTAssertEqual(try generate(model, prompt: [1], maxNewTokens: 0, generator: Generator(seed: 0)), [])
    }

    func testSampleTokenKeepsTheTopK() throws {
        let logits: [Float] = [0.5, 3.0, -1.0, 2.9, 0.0]
        let generator = Generator(seed: 9)
        var counts = [Int](repeating: 0, count: 5)
        for _ in 0..<300 {
            counts[try sampleToken(logits: logits, options: SamplingOptions(temperature: 1, topK: 2), generator: generator)] += 1
        }
        XCTAssertEqual(counts[0] + counts[2] + counts[4], 0, "only the two largest logits may be drawn: \(counts)")
        XCTAssertGreaterThan(counts[1], 100)
        XCTAssertGreaterThan(counts[3], 100)
        // A very low temperature is (almost surely) the argmax; topK 1 exactly, ties to the lower id.
        XCTAssertEqual(try sampleToken(logits: logits, options: SamplingOptions(temperature: 1e-3), generator: generator), 1)
        XCTAssertEqual(try sampleToken(logits: [1, 2, 2], options: SamplingOptions(topK: 1), generator: generator), 1)
        // topK above the vocabulary keeps everything.
        XCTAssertNoThrow(try sampleToken(logits: logits, options: SamplingOptions(topK: 50), generator: generator))
    }

    func testSamplingSettingsAreValidated() {
        let model = CharLSTM(CharLSTMConfig(vocabularySize: 5, embeddingDim: 4, hiddenSize: 4))
        let generator = Generator(seed: 0)
        func error(_ body: () throws -> Any) -> SamplingError? {
            do { _ = try body(); return nil } catch { return error as? SamplingError }
        }
        for t in [0.0, -1.0, .nan, .infinity] {
            let thrown = error { try generate(model, prompt: [1], maxNewTokens: 3, options: SamplingOptions(temperature: t), generator: generator) }
            guard case let .invalidTemperature(reported)? = thrown else { XCTFail("temperature \(t): \(String(describing: thrown))"); continue }
            XCTAssertTrue(reported == t || (reported.isNaN && t.isNaN))
        }
        XCTAssertEqual(error { try generate(model, prompt: [1], maxNewTokens: 3, options: SamplingOptions(topK: 0), generator: generator) },
                       .invalidTopK(0))
        XCTAssertEqual(error { try sampleToken(logits: [1, 2], options: SamplingOptions(topK: -2), generator: generator) }, .invalidTopK(-2))
        XCTAssertEqual(error { try generate(model, prompt: [], maxNewTokens: 3, generator: generator) }, .emptyPrompt)
        XCTAssertEqual(error { try generate(model, prompt: [1, 5], maxNewTokens: 3, generator: generator) },
                       .tokenOutOfRange(token: 5, vocabularySize: 5))
        XCTAssertEqual(error { try generate(model, prompt: [1], maxNewTokens: -1, generator: generator) }, .invalidLength(-1))
        XCTAssertEqual(error { try sampleToken(logits: [], options: SamplingOptions(), generator: generator) }, .emptyLogits)
        XCTAssertTrue(SamplingError.invalidTemperature(0).description.contains("greater than 0"))
        XCTAssertTrue(SamplingError.invalidTopK(0).description.contains("at least 1"))
    }
}
