import Foundation
import Nabla
import NablaBoard
import NablaNN

/// Writes training curves to TensorBoard event files (Keras' `TensorBoard` callback): `logDir/train`
/// and `logDir/validation` runs with `epoch_loss`, `epoch_<metric>` and `epoch_learning_rate` per
/// epoch, `batch_<key>` every `updateFrequency` batches when set, weight histograms every
/// `histogramFrequency` epochs, the hyperparameters when given, and with `graphs: true` the model's
/// graph (traced once on the first training batch) in the train run.
///
/// ```swift
/// try model.fit(train, epochs: 5, validationData: test, callbacks: [TensorBoard(logDir: "runs/cnn", graphs: true)])
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
    /// Write the model's graph once, traced on the first training batch, for the graphs dashboard.
    public let graphs: Bool
    private var trainWriter: SummaryWriter?
    private var validationWriter: SummaryWriter?
    private var graphPending = false

    /// Logs under `logDir` (created if needed).
    ///
    /// - Parameter graphs: Trace `model(x)` on the first training batch (in eval mode, without gradients)
    ///   and write the graph to the train run. A model that cannot be traced (it reads tensor values)
    ///   gets a warning on stderr; training goes on.
    public init(logDir: String, updateFrequency: Int? = nil, histogramFrequency: Int = 0,
                hyperparameters: [String: HyperparameterValue] = [:], graphs: Bool = false) {
        self.logDir = logDir
        self.updateFrequency = updateFrequency
        self.histogramFrequency = histogramFrequency
        self.hyperparameters = hyperparameters
        self.graphs = graphs
    }

    public func onTrainBegin(_ trainer: Trainer) throws {
        let root = URL(fileURLWithPath: logDir)
        trainWriter = try SummaryWriter(logDir: root.appendingPathComponent("train"))
        validationWriter = try SummaryWriter(logDir: root.appendingPathComponent("validation"))
        graphPending = graphs
    }

    public func onTrainBatchBegin(_ batch: Int, trainer: Trainer) throws {
        guard graphPending, let (inputs, _) = trainer.currentBatch else { return }
        graphPending = false
        writeGraph(of: trainer.model, on: inputs)
    }

    /// Traces `model(inputs)` in eval mode without gradients and writes it to the train run.
    private func writeGraph(of model: any Layer, on inputs: Tensor) {
        guard let trainWriter else { return }
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        do {
            try trainWriter.addGraph(tracing: [inputs], name: String(describing: type(of: model))) { [model($0[0])] }
        } catch {
            FileHandle.standardError.write(Data("TensorBoard: the model's graph was not written: \(error)\n".utf8))
        }
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
        graphPending = false
        if !hyperparameters.isEmpty {
            try trainWriter?.addHyperparameters(hyperparameters, metrics: logs.filter { $0.key != "lr" }, step: trainer.epoch)
        }
        try trainWriter?.close()
        try validationWriter?.close()
        trainWriter = nil
        validationWriter = nil
    }
}
