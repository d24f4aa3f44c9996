/// Stops training as soon as a batch's loss is NaN or infinite (Keras' `TerminateOnNaN`).
public final class TerminateOnNaN: Callback {
    /// The batch (of the epoch) whose loss was not finite, or nil.
    public private(set) var terminatedAt: (epoch: Int, batch: Int)?

    /// Creates the callback.
    public init() {}

    public func onTrainBatchEnd(_ batch: Int, logs: Logs, trainer: Trainer) throws {
        if let loss = logs["loss"], !loss.isFinite {
            terminatedAt = (trainer.epoch, batch)
            trainer.stopTraining = true
            print("Batch \(batch) of epoch \(trainer.epoch + 1): invalid loss \(loss), terminating training")
        }
    }
}
