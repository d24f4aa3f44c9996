import Foundation

/// Values logged by training: "loss", metric names, their "val_" counterparts, "lr", …
public typealias Logs = [String: Double]

/// Hooks called by `fit`, `evaluate` and `predict`, with Keras' names. Every hook has an empty
/// default, so a callback implements only what it needs. Epoch and batch numbers start at 0.
///
/// A hook that throws stops training and the error reaches the caller of `fit`. To stop training
/// gracefully, set `trainer.stopTraining = true` (as `EarlyStopping` does).
public protocol Callback: AnyObject {
    /// Before the first epoch (after a resumed run's state is restored).
    func onTrainBegin(_ trainer: Trainer) throws
    /// After the last epoch, with the last epoch's logs.
    func onTrainEnd(_ trainer: Trainer, logs: Logs) throws
    /// At the start of `epoch`.
    func onEpochBegin(_ epoch: Int, trainer: Trainer) throws
    /// At the end of `epoch`, with its training and validation logs.
    func onEpochEnd(_ epoch: Int, logs: Logs, trainer: Trainer) throws
    /// Before training batch `batch` of the current epoch.
    func onTrainBatchBegin(_ batch: Int, trainer: Trainer) throws
    /// After training batch `batch`, with the running logs of the epoch so far.
    func onTrainBatchEnd(_ batch: Int, logs: Logs, trainer: Trainer) throws
    /// Before an evaluation (validation inside `fit`, or `evaluate`).
    func onTestBegin(_ trainer: Trainer) throws
    /// After an evaluation, with its logs.
    func onTestEnd(_ trainer: Trainer, logs: Logs) throws
    /// Before evaluation batch `batch`.
    func onTestBatchBegin(_ batch: Int, trainer: Trainer) throws
    /// After evaluation batch `batch`, with the running logs.
    func onTestBatchEnd(_ batch: Int, logs: Logs, trainer: Trainer) throws
    /// Before `predict`.
    func onPredictBegin(_ trainer: Trainer) throws
    /// After `predict`.
    func onPredictEnd(_ trainer: Trainer) throws
    /// Before prediction batch `batch`.
    func onPredictBatchBegin(_ batch: Int, trainer: Trainer) throws
    /// After prediction batch `batch`.
    func onPredictBatchEnd(_ batch: Int, trainer: Trainer) throws
}

extension Callback {
    public func onTrainBegin(_ trainer: Trainer) throws {}
    public func onTrainEnd(_ trainer: Trainer, logs: Logs) throws {}
    public func onEpochBegin(_ epoch: Int, trainer: Trainer) throws {}
    public func onEpochEnd(_ epoch: Int, logs: Logs, trainer: Trainer) throws {}
    public func onTrainBatchBegin(_ batch: Int, trainer: Trainer) throws {}
    public func onTrainBatchEnd(_ batch: Int, logs: Logs, trainer: Trainer) throws {}
    public func onTestBegin(_ trainer: Trainer) throws {}
    public func onTestEnd(_ trainer: Trainer, logs: Logs) throws {}
    public func onTestBatchBegin(_ batch: Int, trainer: Trainer) throws {}
    public func onTestBatchEnd(_ batch: Int, logs: Logs, trainer: Trainer) throws {}
    public func onPredictBegin(_ trainer: Trainer) throws {}
    public func onPredictEnd(_ trainer: Trainer) throws {}
    public func onPredictBatchBegin(_ batch: Int, trainer: Trainer) throws {}
    public func onPredictBatchEnd(_ batch: Int, trainer: Trainer) throws {}
}

/// Calls each callback's hook in order.
struct CallbackList {
    var callbacks: [any Callback]

    func each(_ body: (any Callback) throws -> Void) throws {
        for callback in callbacks { try body(callback) }
    }
}
