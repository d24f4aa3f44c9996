import Foundation
import Nabla
import NablaBoard

/// Writes training curves to TensorBoard event files (Keras' `TensorBoard` callback): `logDir/train`
/// and `logDir/validation` runs with `epoch_loss`, `epoch_<metric>` and `epoch_learning_rate` per
/// epoch, `batch_<key>` every `updateFrequency` batches when set, weight histograms every
/// `histogramFrequency` epochs, and the hyperparameters when given.
///
/// ```swift
/// try model.fit(train, epochs: 5, validationData: test, callbacks: [TensorBoard(logDir: "runs/cnn")])
/// // then: tensorboard --logdir runs
/// ```
public final class TensorBoard: Callback {
    /// The directory holding the `train` and `validation` runs.
    public let logDir: String
    /// Write `batch_*` scalars every this many batches (nil: per epoch only).
    public let updateFrequency: Int?
    /// Write histograms of every parameter every this many epochs (0: never).
    public let histogramFrequency: Int
    /// Hyperparameters recorded once for the HParams dashboard, with the final epoch's values as metrics.
    public let hyperparameters: [String: HyperparameterValue]
    private var trainWriter: SummaryWriter?
    private var validationWriter: SummaryWriter?

    /// Logs under `logDir` (created if needed).
    public init(logDir: String, updateFrequency: Int? = nil, histogramFrequency: Int = 0,
                hyperparameters: [String: HyperparameterValue] = [:]) {
        self.logDir = logDir
        self.updateFrequency = updateFrequency
        self.histogramFrequency = histogramFrequency
        self.hyperparameters = hyperparameters
    }

    public func onTrainBegin(_ trainer: Trainer) throws {
        let root = URL(fileURLWithPath: logDir)
        trainWriter = try SummaryWriter(logDir: root.appendingPathComponent("train"))
        validationWriter = try SummaryWriter(logDir: root.appendingPathComponent("validation"))
    }

    public func onTrainBatchEnd(_ batch: Int, logs: Logs, trainer: Trainer) throws {
        guard let every = updateFrequency, every > 0, trainer.globalStep % every == 0, let trainWriter else { return }
        for (key, value) in logs { try trainWriter.addScalar("batch_" + key, value, step: trainer.globalStep) }
    }

    public func onEpochEnd(_ epoch: Int, logs: Logs, trainer: Trainer) throws {
        guard let trainWriter, let validationWriter else { return }
        for (key, value) in logs.sorted(by: { $0.key < $1.key }) {
            if key == "lr" {
                try trainWriter.addScalar("epoch_learning_rate", value, step: epoch)
            } else if key.hasPrefix("val_") {
                try validationWriter.addScalar("epoch_" + key.dropFirst(4), value, step: epoch)
            } else {
                try trainWriter.addScalar("epoch_" + key, value, step: epoch)
            }
        }
        if histogramFrequency > 0 && (epoch + 1) % histogramFrequency == 0 {
            for (name, parameter) in trainer.model.namedParameters() {
                try trainWriter.addHistogram(name.replacingOccurrences(of: ".", with: "/"), values: parameter.value, step: epoch)
            }
        }
        try trainWriter.flush()
        try validationWriter.flush()
    }

    public func onTrainEnd(_ trainer: Trainer, logs: Logs) throws {
        if !hyperparameters.isEmpty {
            try trainWriter?.addHyperparameters(hyperparameters, metrics: logs.filter { $0.key != "lr" }, step: trainer.epoch)
        }
        try trainWriter?.close()
        try validationWriter?.close()
        trainWriter = nil
        validationWriter = nil
    }
}
