import Foundation
import NablaCheckpoint

/// Saves the model during training (Keras' `ModelCheckpoint`): every N epochs or batches, or only
/// when a monitored value improves. Each save is atomic (a temporary file, fsync, rename), so a run
/// killed mid-save leaves the previous checkpoint intact.
///
/// By default a save holds the whole training state (model, optimizer, epoch and batch position,
/// random generator and schedule states), so `fit(…, resumingFrom:)` continues from it; with
/// `weightsOnly` it holds just the model's tensors. Either way `Module.load(from:)` and PyTorch's
/// `load_state_dict` read the model from it.
///
/// ```swift
/// ModelCheckpoint("runs/cnn/epoch-{epoch}.safetensors")                        // every epoch
/// ModelCheckpoint("runs/cnn/best.safetensors", monitor: "val_accuracy", saveBestOnly: true)
/// ```
/// `{epoch}` in the path becomes the 1-based epoch number, `{name}` a logged value ("{val_loss}").
public final class ModelCheckpoint: Callback {
    /// When a checkpoint is written.
    public enum Frequency: Sendable, Equatable {
        /// At the end of every `n`-th epoch.
        case epochs(Int)
        /// After every `n`-th training batch (mid-epoch checkpoints; `{name}` values are the running ones).
        case batches(Int)
    }

    /// The path pattern.
    public let path: String
    /// The logged value compared when `saveBestOnly` is set.
    public let monitor: String
    /// Whether only improvements of `monitor` are saved.
    public let saveBestOnly: Bool
    /// Whether only the model is saved (not the optimizer and position).
    public let weightsOnly: Bool
    /// When saves happen.
    public let frequency: Frequency
    /// Entries of the caller's own added to each file's metadata (the model's kind, say).
    public let metadata: [String: String]
    /// The files written so far, oldest first.
    public private(set) var savedPaths: [String] = []
    private var best: BestValue

    /// - Parameters:
    ///   - mode: which direction of `monitor` is better (`.auto` guesses from the name).
    ///   - metadata: entries of your own for each file's metadata.
    public init(_ path: String, monitor: String = "val_loss", mode: MonitorMode = .auto, saveBestOnly: Bool = false,
                weightsOnly: Bool = false, frequency: Frequency = .epochs(1), metadata: [String: String] = [:]) {
        self.path = path
        self.metadata = metadata
        self.monitor = monitor
        self.saveBestOnly = saveBestOnly
        self.weightsOnly = weightsOnly
        self.frequency = frequency
        self.best = BestValue(key: monitor, mode: mode, minDelta: 0)
    }

    public func onEpochEnd(_ epoch: Int, logs: Logs, trainer: Trainer) throws {
        guard case .epochs(let n) = frequency, (epoch + 1) % max(1, n) == 0 else { return }
        try save(epoch: epoch, logs: logs, trainer: trainer)
    }

    public func onTrainBatchEnd(_ batch: Int, logs: Logs, trainer: Trainer) throws {
        guard case .batches(let n) = frequency, trainer.globalStep % max(1, n) == 0 else { return }
        try save(epoch: trainer.epoch, logs: logs, trainer: trainer)
    }

    private func save(epoch: Int, logs: Logs, trainer: Trainer) throws {
        if saveBestOnly {
            let value = try best.value(in: logs, callback: "ModelCheckpoint")
            guard best.isImprovement(value) else { return }
            best.best = value
        }
        let url = URL(fileURLWithPath: ModelCheckpoint.expand(path, epoch: epoch, logs: logs))
        if weightsOnly {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try trainer.model.save(to: url, metadata: metadata)
        } else {
            try trainer.saveTrainingState(to: url, callbacks: trainer.callbacks, metadata: metadata)
        }
        savedPaths.append(url.path)
    }

    /// `pattern` with `{epoch}` replaced by `epoch + 1` and `{key}` by the logged value (4 decimals).
    static func expand(_ pattern: String, epoch: Int, logs: Logs) -> String {
        var result = pattern.replacingOccurrences(of: "{epoch}", with: String(epoch + 1))
        for (key, value) in logs { result = result.replacingOccurrences(of: "{\(key)}", with: String(format: "%.4f", value)) }
        return result
    }
}
