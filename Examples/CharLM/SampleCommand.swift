import ArgumentParser
import Foundation
import NablaModels

/// `char-lm sample`: generates text from a trained checkpoint.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate text from a model trained by `char-lm train`.",
        discussion: """
            Each character is drawn from the model's next-character distribution: logits divided by --temperature, \
            only the --top-k most likely kept. --top-k 1 is greedy decoding. The same checkpoint, prompt, settings and \
            --seed give the same text.
            """
    )

    @Option(help: "A directory written by `char-lm train --output`.") var checkpoint: String
    @Option(help: "The text to continue (characters outside the vocabulary read as unknown).") var prompt: String = "The "
    @Option(help: "Divides the logits: below 1 is more conservative, above 1 more adventurous. Must be > 0.") var temperature: Double = 0.8
    @Option(help: "Keep only the k most likely characters at each step (k >= 1); all when not given.") var topK: Int?
    @Option(help: "Characters to generate.") var length: Int = 200
    @Option(help: "Seed of the sampling.") var seed: UInt64 = 0

    func validate() throws {
        guard temperature.isFinite, temperature > 0 else { throw ValidationError("--temperature must be greater than 0, got \(temperature)") }
        if let topK { guard topK >= 1 else { throw ValidationError("--top-k must be at least 1, got \(topK)") } }
        guard length >= 0 else { throw ValidationError("--length must be at least 0, got \(length)") }
        guard !prompt.isEmpty else { throw ValidationError("--prompt must not be empty (the model needs a character to start from)") }
    }

    func run() throws {
        let (model, vocabulary) = try CharModel.load(from: URL(fileURLWithPath: checkpoint))
        let unknown = prompt.unicodeScalars.filter { !vocabulary.contains($0) }
        if !unknown.isEmpty {
            FileHandle.standardError.write(Data("warning: prompt characters not in the vocabulary, read as unknown: \(unknown.map { String($0).debugDescription }.joined(separator: " "))\n".utf8))
        }
        let text = try model.generate(vocabulary: vocabulary, prompt: prompt,
                                      length: length, options: SamplingOptions(temperature: temperature, topK: topK), seed: seed)
        print(prompt + text)
    }
}
