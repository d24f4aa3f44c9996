import Foundation
import Nabla
import NablaCheckpoint
import NablaModels
import NablaNN
import NablaText

/// What `char-lm` reports instead of trapping: every case names the path or flag at fault.
struct CharLMError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A checkpoint directory: `model.safetensors` (the weights under PyTorch-style names; the metadata
/// holds the model kind and its configuration as JSON) and `vocabulary.json` next to it.
enum CheckpointFiles {
    static let weights = "model.safetensors"
    static let vocabulary = "vocabulary.json"
}

/// A character model of either kind.
enum CharModel {
    case lstm(CharLSTM)
    case gpt(CharGPT)

    /// A fresh model.
    init(kind: ModelKind, lstm: CharLSTMConfig, gpt: CharGPTConfig) {
        switch kind {
        case .lstm: self = .lstm(CharLSTM(lstm))
        case .gpt: self = .gpt(CharGPT(gpt))
        }
    }

    var module: Module {
        switch self {
        case let .lstm(m): return m
        case let .gpt(m): return m
        }
    }

    var kind: ModelKind {
        switch self {
        case .lstm: return .lstm
        case .gpt: return .gpt
        }
    }

    /// The configuration as one line of JSON (sorted keys).
    var configJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data?
        switch self {
        case let .lstm(m): data = try? encoder.encode(m.config)
        case let .gpt(m): data = try? encoder.encode(m.config)
        }
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The new text after `prompt`.
    func generate(vocabulary: CharacterVocabulary, prompt: String, length: Int, options: SamplingOptions, seed: UInt64) throws -> String {
        let generator = Generator(seed: seed)
        switch self {
        case let .lstm(m):
            return try NablaModels.generate(m, vocabulary: vocabulary, prompt: prompt, maxNewCharacters: length, options: options, generator: generator)
        case let .gpt(m):
            return try NablaModels.generate(m, vocabulary: vocabulary, prompt: prompt, maxNewCharacters: length, options: options, generator: generator)
        }
    }

    /// Saves the weights (atomically) and the vocabulary into `directory`, creating it.
    func save(to directory: URL, vocabulary: CharacterVocabulary, step: Int, metadata: [String: String]) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw CharLMError("\(directory.path): cannot create the output directory: \(error.localizedDescription)")
        }
        try vocabulary.save(to: directory.appendingPathComponent(CheckpointFiles.vocabulary))
        var all = metadata
        all["model"] = kind.rawValue
        all["config"] = configJSON
        try Checkpoint.save(model: module, step: step, extraMetadata: all, to: directory.appendingPathComponent(CheckpointFiles.weights))
    }

    /// Loads a model and its vocabulary from a directory written by `save(to:vocabulary:step:metadata:)`.
    static func load(from directory: URL) throws -> (CharModel, CharacterVocabulary) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CharLMError("\(directory.path): no such checkpoint directory (write one with `char-lm train --output \(directory.path)`)")
        }
        let weightsURL = directory.appendingPathComponent(CheckpointFiles.weights)
        let vocabularyURL = directory.appendingPathComponent(CheckpointFiles.vocabulary)
        for url in [weightsURL, vocabularyURL] where !FileManager.default.fileExists(atPath: url.path) {
            throw CharLMError("\(url.path): missing; a checkpoint directory holds \(CheckpointFiles.weights) and \(CheckpointFiles.vocabulary)")
        }
        let vocabulary = try CharacterVocabulary(contentsOf: vocabularyURL)
        let contents = try Checkpoint.read(from: weightsURL)
        let file = weightsURL.path
        guard let kindName = contents.extraMetadata["model"], let kind = ModelKind(rawValue: kindName) else {
            throw CharLMError("\(file): metadata \"model\" must be lstm or gpt, got \(contents.extraMetadata["model"].map { "\"\($0)\"" } ?? "nothing")")
        }
        guard let configData = contents.extraMetadata["config"]?.data(using: .utf8) else {
            throw CharLMError("\(file): metadata \"config\" is missing")
        }
        let model: CharModel
        do {
            switch kind {
            case .lstm:
                let config = try JSONDecoder().decode(CharLSTMConfig.self, from: configData)
                if let problem = config.validationProblem { throw CharLMError("\(file): bad LSTM config: \(problem)") }
                model = .lstm(CharLSTM(config))
            case .gpt:
                let config = try JSONDecoder().decode(CharGPTConfig.self, from: configData)
                if let problem = config.validationProblem { throw CharLMError("\(file): bad GPT config: \(problem)") }
                model = .gpt(CharGPT(config))
            }
        } catch let error as CharLMError {
            throw error
        } catch {
            throw CharLMError("\(file): metadata \"config\" is not a valid \(kind.rawValue) configuration: \(error)")
        }
        let size = model.kind == .lstm ? model.lstmConfig!.vocabularySize : model.gptConfig!.vocabularySize
        guard size == vocabulary.count else {
            throw CharLMError("\(file): the model has \(size) token ids but \(vocabularyURL.path) has \(vocabulary.count)")
        }
        do {
            try model.module.loadStateDict(contents.modelState)
        } catch let error as StateDictError {
            throw CharLMError("\(file): \(error.description)")
        }
        return (model, vocabulary)
    }

    var lstmConfig: CharLSTMConfig? { if case let .lstm(m) = self { return m.config } else { return nil } }
    var gptConfig: CharGPTConfig? { if case let .gpt(m) = self { return m.config } else { return nil } }
}
