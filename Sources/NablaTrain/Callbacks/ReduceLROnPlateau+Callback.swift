import NablaOptim

/// `ReduceLROnPlateau` is a callback too, as in Keras: after each epoch it steps with the logged
/// value named by its `monitor` ("val_loss" by default). Its state is saved in training checkpoints.
///
/// ```swift
/// let plateau = ReduceLROnPlateau(optimizer, mode: .max, factor: 0.5, patience: 2)
/// plateau.monitor = "val_accuracy"
/// try model.fit(train, epochs: 20, validationData: valid, callbacks: [plateau])
/// ```
extension ReduceLROnPlateau: StatefulCallback {
    public var stateKey: String { "reduce_lr_on_plateau.\(monitor)" }

    public func onEpochEnd(_ epoch: Int, logs: Logs, trainer: Trainer) throws {
        guard let value = logs[monitor] else {
            throw TrainingError.invalidArgument(
                name: "ReduceLROnPlateau monitor",
                reason: "\"\(monitor)\" is not among the logged values \(logs.keys.sorted()); pass validation data for \"val_\" keys")
        }
        step(metric: value)
    }
}
