import Foundation
import Nabla
import NablaNN

/// What a checkpoint file holds besides the model's own tensors.
public struct CheckpointContents: Sendable {
    /// The model's tensors by state-dict name ("fc1.weight", …), as stored.
    public var modelState: [String: Tensor]
    /// The optimizer's tensors (names without the "optimizer." prefix) and string metadata, when saved.
    public var optimizerState: (tensors: [String: Tensor], metadata: [String: String])?
    /// The training step, when saved.
    public var step: Int?
    /// The caller's own metadata (`extraMetadata` at save time).
    public var extraMetadata: [String: String]
    /// The whole `__metadata__` block as stored (format, versions, step, optimizer metadata, extras).
    public var metadata: [String: String]
}

/// Model and optimizer checkpoints in a safetensors file that PyTorch can read.
///
/// Model tensors are stored under their state-dict names, so a file written by `Module.save(to:)`
/// loads in PyTorch with `model.load_state_dict(safetensors.torch.load_file(path))`. Optimizer tensors
/// go under an "optimizer." prefix (filter them out, or pass `strict=False`, to load such a file in
/// PyTorch). The metadata block says what the file is:
/// `{"format": "nabla-checkpoint", "format_version": "1", "nabla_version": "…", "step": "…"}`.
///
/// ```swift
/// try Checkpoint.save(model: model, optimizerState: (state, ["name": "adam"]), step: 1200, to: url)
/// let restored = try Checkpoint.load(from: url, into: model)
/// print(restored.step ?? 0, restored.optimizerState?.metadata ?? [:])
/// ```
public enum Checkpoint {
    /// The value of the "format" metadata entry.
    public static let formatName = "nabla-checkpoint"
    /// The checkpoint layout version this build writes and reads.
    public static let formatVersion = "1"
    /// The Nabla version recorded in "nabla_version".
    public static let nablaVersion = "0.1.0"
    /// The prefix of optimizer tensors and optimizer metadata entries.
    public static let optimizerPrefix = "optimizer."

    /// Metadata keys the checkpoint itself uses (extra metadata may not use them, nor the optimizer prefix).
    public static let reservedMetadataKeys: Set<String> = ["format", "format_version", "nabla_version", "step", "optimizer_state"]

    /// Saves the model's state dict, optionally the optimizer's state and the step, atomically to `url`.
    ///
    /// - Parameters:
    ///   - model: whose `stateDict()` (parameters and buffers) is stored under its dotted names.
    ///   - optimizerState: tensors stored as "optimizer.<name>", metadata as "optimizer.<key>" entries.
    ///   - step: the training step, stored as the "step" entry.
    ///   - extraMetadata: more string entries; keys must not be reserved or start with "optimizer.".
    /// - Throws: `CheckpointError` (reserved names, I/O failures); an existing file stays intact on failure.
    public static func save(model: Module, optimizerState: (tensors: [String: Tensor], metadata: [String: String])? = nil,
                            step: Int? = nil, extraMetadata: [String: String] = [:], to url: URL) throws {
        let file = url.path
        var metadata: [String: String] = [:]
        for (key, value) in extraMetadata {
            guard !reservedMetadataKeys.contains(key), !key.hasPrefix(optimizerPrefix) else {
                throw CheckpointError.invalidMetadata(file: file, key: key, reason: "the key is reserved for the checkpoint format")
            }
            metadata[key] = value
        }
        metadata["format"] = formatName
        metadata["format_version"] = formatVersion
        metadata["nabla_version"] = nablaVersion
        if let step { metadata["step"] = String(step) }

        var tensors = model.stateDict()
        if let bad = tensors.first(where: { $0.0.hasPrefix(optimizerPrefix) }) {
            throw CheckpointError.invalidTensorName(file: file, key: bad.0,
                                                    reason: "model keys must not start with \"\(optimizerPrefix)\" (reserved for optimizer state)")
        }
        if let optimizerState {
            metadata["optimizer_state"] = "1"
            for (key, value) in optimizerState.metadata { metadata[optimizerPrefix + key] = value }
            tensors += optimizerState.tensors.sorted { $0.key < $1.key }.map { (optimizerPrefix + $0.key, $0.value) }
        }
        try SafeTensors.write(tensors, metadata: metadata, to: url)
    }

    /// Reads a checkpoint without loading it into a model.
    ///
    /// Plain safetensors files (from PyTorch, say) read too: all their tensors are model state.
    /// - Throws: `CheckpointError` for a bad file, a "step" that is not an integer, or a newer format version.
    public static func read(from url: URL) throws -> CheckpointContents {
        let file = url.path
        let contents = try SafeTensors.read(from: url)
        let metadata = contents.metadata
        if metadata["format"] == formatName, let version = metadata["format_version"], version != formatVersion {
            throw CheckpointError.unsupportedFormatVersion(file: file, version: version)
        }
        var step: Int?
        if let raw = metadata["step"] {
            guard let value = Int(raw) else {
                throw CheckpointError.invalidMetadata(file: file, key: "step", reason: "\"\(raw)\" is not an integer")
            }
            step = value
        }
        var model: [String: Tensor] = [:]
        var optimizerTensors: [String: Tensor] = [:]
        for (name, tensor) in contents.tensors {
            if name.hasPrefix(optimizerPrefix) {
                optimizerTensors[String(name.dropFirst(optimizerPrefix.count))] = tensor
            } else {
                model[name] = tensor
            }
        }
        var optimizerMetadata: [String: String] = [:]
        var extra: [String: String] = [:]
        for (key, value) in metadata where !reservedMetadataKeys.contains(key) {
            if key.hasPrefix(optimizerPrefix) {
                optimizerMetadata[String(key.dropFirst(optimizerPrefix.count))] = value
            } else {
                extra[key] = value
            }
        }
        let hasOptimizer = metadata["optimizer_state"] != nil || !optimizerTensors.isEmpty || !optimizerMetadata.isEmpty
        return CheckpointContents(modelState: model,
                                  optimizerState: hasOptimizer ? (optimizerTensors, optimizerMetadata) : nil,
                                  step: step, extraMetadata: extra, metadata: metadata)
    }

    /// Loads a checkpoint's model tensors into `model` and returns the rest (optimizer state, step, metadata).
    ///
    /// - Parameter strict: when true (the default), keys the model has but the file lacks, and keys
    ///   the file has but the model lacks, are errors; mis-shaped keys always are.
    /// - Throws: `CheckpointError.stateDictMismatch` naming the file and every missing, unexpected
    ///   and mis-shaped key; other `CheckpointError`s for a bad file. The model is unchanged on error.
    @discardableResult
    public static func load(from url: URL, into model: Module, strict: Bool = true) throws -> CheckpointContents {
        let contents = try read(from: url)
        do {
            try model.loadStateDict(contents.modelState, strict: strict)
        } catch let error as StateDictError {
            throw CheckpointError.stateDictMismatch(file: url.path, error)
        }
        return contents
    }
}

extension Module {
    /// Saves this module's parameters and buffers to a safetensors file at `url` (atomically), under
    /// PyTorch's state-dict names: `model.load_state_dict(safetensors.torch.load_file(path))` reads it.
    ///
    /// ```swift
    /// try model.save(to: URL(fileURLWithPath: "mlp.safetensors"))
    /// ```
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try Checkpoint.save(model: self, extraMetadata: metadata, to: url)
    }

    /// Loads parameters and buffers from a safetensors file (written by Nabla or PyTorch).
    ///
    /// - Throws: `CheckpointError.stateDictMismatch` naming the file and every missing, unexpected
    ///   and mis-shaped key (missing and unexpected only with `strict`); other `CheckpointError`s for a bad file.
    @discardableResult
    public func load(from url: URL, strict: Bool = true) throws -> CheckpointContents {
        try Checkpoint.load(from: url, into: self, strict: strict)
    }
}
