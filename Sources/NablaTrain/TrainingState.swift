import Foundation
import Nabla
import NablaCheckpoint
import NablaData
import NablaOptim

/// A callback whose state is part of a resumable checkpoint (a learning-rate schedule's position,
/// early stopping's best value and patience counter).
public protocol StatefulCallback: Callback {
    /// A key unique among the run's callbacks ("lr_scheduler", "early_stopping", …).
    var stateKey: String { get }
    /// The state as strings.
    func stateDict() -> [String: String]
    /// Restores `stateDict()`'s output.
    func loadStateDict(_ state: [String: String]) throws
}

/// The metadata keys of a resumable training checkpoint, all prefixed "train.".
enum TrainingStateKey {
    static let epoch = "train.epoch"
    static let batch = "train.batch_in_epoch"
    static let globalStep = "train.global_step"
    static let loaderSeed = "train.loader_seed"
    static let generator = "train.generator"
    static let history = "train.history"
    static let callbackPrefix = "train.callback."
}

extension Trainer {
    /// Saves everything needed to continue this run exactly (atomically, as a safetensors checkpoint
    /// that `Module.load(from:)` and PyTorch also read): the model, the optimizer's state, the epoch
    /// and batch position, the global step, the shuffle seed, the default random generator's state,
    /// the history and the state of every `StatefulCallback` in `callbacks`.
    /// `metadata` adds entries of the caller's own (keys must not start with "train." or "optimizer.").
    public func saveTrainingState(to url: URL, callbacks: [any Callback] = [], metadata extra: [String: String] = [:]) throws {
        var metadata: [String: String] = extra
        metadata.merge([
            TrainingStateKey.epoch: String(epoch),
            TrainingStateKey.batch: String(batchesDoneInEpoch),
            TrainingStateKey.globalStep: String(globalStep),
            TrainingStateKey.history: history.json(),
        ]) { _, ours in ours }
        if let loaderSeed { metadata[TrainingStateKey.loaderSeed] = String(loaderSeed) }
        let generator = Generator.default.snapshot
        metadata[TrainingStateKey.generator] = "\(generator.seed),\(generator.offset)"
        for case let callback as any StatefulCallback in callbacks {
            for (key, value) in callback.stateDict() {
                metadata[TrainingStateKey.callbackPrefix + callback.stateKey + "." + key] = value
            }
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Checkpoint.save(model: model, optimizerState: optimizer.stateDict(), step: globalStep, extraMetadata: metadata, to: url)
    }

    /// Restores a checkpoint written by `saveTrainingState(to:callbacks:)`.
    func restoreTrainingState(from url: URL, callbacks: [any Callback], loader: DataLoader<(Tensor, Tensor)>) throws {
        let file = url.path
        let contents = try Checkpoint.read(from: url)
        let extra = contents.extraMetadata
        func integer(_ key: String) throws -> Int {
            guard let raw = extra[key] else { throw TrainingError.cannotResume(file: file, reason: "it has no \"\(key)\" entry (not a training checkpoint: save one with ModelCheckpoint)") }
            guard let value = Int(raw), value >= 0 else { throw TrainingError.cannotResume(file: file, reason: "\"\(key)\" is \"\(raw)\", not a count") }
            return value
        }
        let epoch = try integer(TrainingStateKey.epoch)
        let batch = try integer(TrainingStateKey.batch)
        let step = try integer(TrainingStateKey.globalStep)
        if let raw = extra[TrainingStateKey.loaderSeed], loader.shuffle, String(loader.seed) != raw {
            throw TrainingError.cannotResume(file: file, reason: "the run shuffled its data with seed \(raw) but this loader's seed is \(loader.seed); create the DataLoader with seed: \(raw)")
        }
        guard let optimizerState = contents.optimizerState else {
            throw TrainingError.cannotResume(file: file, reason: "it holds no optimizer state")
        }
        let generatorParts = (extra[TrainingStateKey.generator] ?? "").split(separator: ",").compactMap { UInt64($0) }
        guard generatorParts.count == 2 else {
            throw TrainingError.cannotResume(file: file, reason: "\"\(TrainingStateKey.generator)\" is missing or not \"seed,offset\"")
        }
        let history: History
        do { history = try History.fromJSON(extra[TrainingStateKey.history] ?? "{\"epochs\":[]}") } catch {
            throw TrainingError.cannotResume(file: file, reason: "\"\(TrainingStateKey.history)\" is not a valid history: \(error)")
        }
        // Everything is validated: now change the model, the optimizer and the callbacks.
        try Checkpoint.load(from: url, into: model)
        try optimizer.loadStateDict(optimizerState)
        for case let callback as any StatefulCallback in callbacks {
            let prefix = TrainingStateKey.callbackPrefix + callback.stateKey + "."
            var state: [String: String] = [:]
            for (key, value) in extra where key.hasPrefix(prefix) { state[String(key.dropFirst(prefix.count))] = value }
            if !state.isEmpty { try callback.loadStateDict(state) }
        }
        Generator.default.restore(seed: generatorParts[0], offset: generatorParts[1])
        self.history = history
        setPosition(epoch: epoch, batchesDone: batch, globalStep: step)
    }
}
