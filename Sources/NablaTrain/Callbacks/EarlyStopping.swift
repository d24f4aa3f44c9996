import Nabla
import NablaNN

/// Stops training when a monitored value has stopped improving (Keras' `EarlyStopping`).
///
/// ```swift
/// try model.fit(train, epochs: 50, validationData: valid,
///               callbacks: [EarlyStopping(monitor: "val_loss", patience: 3, restoreBestWeights: true)])
/// ```
public final class EarlyStopping: StatefulCallback {
    /// The logged value watched ("val_loss" by default).
    public let monitor: String
    /// Epochs without improvement tolerated before stopping.
    public let patience: Int
    /// Whether the model's weights go back to those of the best epoch when training stops.
    public let restoreBestWeights: Bool
    /// The epoch at which training was stopped, or nil.
    public private(set) var stoppedEpoch: Int?
    /// The best epoch so far (0-based), or nil.
    public private(set) var bestEpoch: Int?
    private var best: BestValue
    private var wait = 0
    private var bestWeights: [String: Tensor]?

    /// - Parameters:
    ///   - minDelta: the smallest change that counts as an improvement.
    ///   - mode: which direction is better (`.auto` guesses from the name).
    public init(monitor: String = "val_loss", minDelta: Double = 0, patience: Int = 0, mode: MonitorMode = .auto,
                restoreBestWeights: Bool = false) {
        self.monitor = monitor
        self.patience = patience
        self.restoreBestWeights = restoreBestWeights
        self.best = BestValue(key: monitor, mode: mode, minDelta: minDelta)
    }

    /// The best value seen (±infinity before the first epoch).
    public var bestValue: Double { best.best }

    public var stateKey: String { "early_stopping.\(monitor)" }

    public func onTrainBegin(_ trainer: Trainer) throws {
        stoppedEpoch = nil
    }

    public func onEpochEnd(_ epoch: Int, logs: Logs, trainer: Trainer) throws {
        let value = try best.value(in: logs, callback: "EarlyStopping")
        if best.isImprovement(value) {
            best.best = value
            bestEpoch = epoch
            wait = 0
            if restoreBestWeights {
                bestWeights = Dictionary(uniqueKeysWithValues: trainer.model.stateDict().map { ($0.0, $0.1.contiguous()) })
            }
            return
        }
        wait += 1
        if wait > patience {
            stoppedEpoch = epoch
            trainer.stopTraining = true
            if restoreBestWeights, let bestWeights {
                try trainer.model.loadStateDict(bestWeights)
            }
        }
    }

    public func stateDict() -> [String: String] {
        ["best": String(best.best), "wait": String(wait), "best_epoch": bestEpoch.map(String.init) ?? ""]
    }

    public func loadStateDict(_ state: [String: String]) throws {
        guard let bestText = state["best"], let value = Double(bestText), let waitText = state["wait"], let w = Int(waitText) else {
            throw TrainingError.invalidArgument(name: "EarlyStopping state", reason: "expected numeric \"best\" and \"wait\", got \(state)")
        }
        best.best = value
        wait = w
        bestEpoch = state["best_epoch"].flatMap { Int($0) }
    }
}
