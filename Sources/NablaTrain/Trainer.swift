import Foundation
import Nabla
import NablaData
import NablaNN
import NablaOptim

/// The engine behind Keras-style training: a model with its optimizer, loss and metrics, the
/// epoch/step position, and the loops of `fit`, `evaluate` and `predict`.
///
/// Most code uses it through `Layer.compile(optimizer:loss:metrics:)` and `Layer.fit(…)`; callbacks
/// receive it to read the model, the optimizer and the position, or to set `stopTraining`.
///
/// ```swift
/// let trainer = Trainer(model: model, optimizer: Adam(model), loss: .crossEntropy, metrics: [.accuracy])
/// let history = try trainer.fit(trainLoader, epochs: 5, validationData: testLoader)
/// print(history.values("val_accuracy"))
/// ```
public final class Trainer {
    /// One custom training step on a batch: does whatever the algorithm needs (a GAN's two updates, an
    /// RL return) and returns the values to log ("loss", …), which `fit` averages over the epoch.
    /// The default step is `defaultTrainStep(inputs:targets:)`.
    public typealias TrainStep = (_ trainer: Trainer, _ inputs: Tensor, _ targets: Tensor) throws -> Logs

    /// The model being trained.
    public let model: any Layer
    /// The optimizer stepping the model's parameters.
    public var optimizer: Optimizer
    /// The objective.
    public var loss: Loss
    /// The metric recipes given to `compile`.
    public let metricSpecs: [MetricSpec]
    /// The training metrics, updated by the default step and reset each epoch.
    public private(set) var trainMetrics: [any Metric]
    /// A custom training step replacing `defaultTrainStep` (GANs, RL, anything unusual).
    public var trainStep: TrainStep?

    /// Set to true (from a callback) to stop `fit` after the current batch's callbacks.
    public var stopTraining = false
    /// The total number of epochs of the current `fit`.
    public private(set) var epochs = 0
    /// The current epoch (0-based), or the next one once an epoch has ended.
    public private(set) var epoch = 0
    /// Batches of the current epoch done so far (the data position to resume from).
    public private(set) var batchesDoneInEpoch = 0
    /// Batches per epoch of the current `fit` (nil for a stream).
    public private(set) var stepsPerEpoch: Int?
    /// Batches trained since the start of training (across resumes).
    public private(set) var globalStep = 0
    /// Examples per batch of the current `fit`.
    public private(set) var batchSize = 0
    /// The training batch being processed (set before `onTrainBatchBegin`, cleared after the epoch),
    /// for callbacks that need the data itself (TensorBoard's graph tracing, say).
    public private(set) var currentBatch: (inputs: Tensor, targets: Tensor)?
    /// The values the last training step returned (its own loss, not the epoch's running mean).
    public private(set) var lastStepLogs: Logs = [:]
    /// The metric instances of the last evaluation (validation or `evaluate`), for results beyond a
    /// number, such as a `ConfusionMatrix`'s matrix.
    public private(set) var lastEvaluationMetrics: [any Metric] = []
    /// Every epoch's logs so far.
    public internal(set) var history = History()
    /// The callbacks of the current `fit` (including the progress display).
    public private(set) var callbacks: [any Callback] = []
    /// The seed of the training loader's shuffle, recorded in checkpoints and checked on resume.
    public private(set) var loaderSeed: UInt64?

    /// A trainer for `model`.
    public init(model: any Layer, optimizer: Optimizer, loss: Loss, metrics: [MetricSpec] = [], trainStep: TrainStep? = nil) {
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.metricSpecs = metrics
        self.trainMetrics = metrics.map { $0.make() }
        self.trainStep = trainStep
    }

    /// The standard step: forward, loss, `zeroGrad`, `backward`, `optimizer.step()`, metrics update.
    public func defaultTrainStep(inputs: Tensor, targets: Tensor) -> Logs {
        let predictions = model(inputs)
        let value = loss.compute(predictions, targets)
        optimizer.zeroGrad()
        value.backward()
        optimizer.step()
        updateTrainMetrics(predictions: predictions.detached(), targets: targets)
        return ["loss": value.item()]
    }

    /// Feeds a batch's predictions to the training metrics (for custom steps that want them).
    public func updateTrainMetrics(predictions: Tensor, targets: Tensor) {
        withNoGrad { for metric in trainMetrics { metric.update(predictions: predictions, targets: targets) } }
    }

    /// Trains for `epochs` epochs (counting those of a resumed run), validating after each epoch when
    /// `validationData` is given.
    ///
    /// - Parameters:
    ///   - verbose: the progress display (see `Verbosity`).
    ///   - resumingFrom: a checkpoint saved by `ModelCheckpoint` or `saveTrainingState(to:)`: training
    ///     continues from its epoch and batch with its model, optimizer, callback and random states, so
    ///     the loss curve matches a run that was never interrupted.
    /// - Returns: the history of every epoch's logs.
    /// - Throws: `TrainingError`, or the first error of a dataset or callback.
    @discardableResult
    public func fit(_ data: DataLoader<(Tensor, Tensor)>, epochs: Int, validationData: DataLoader<(Tensor, Tensor)>? = nil,
                    callbacks: [any Callback] = [], verbose: Verbosity = .auto, resumingFrom checkpoint: URL? = nil) throws -> History {
        guard epochs > 0 else { throw TrainingError.invalidArgument(name: "epochs", reason: "must be positive, got \(epochs)") }
        self.epochs = epochs
        stepsPerEpoch = data.batchCount
        batchSize = data.batchSize
        loaderSeed = data.shuffle ? data.seed : nil
        stopTraining = false
        var all = callbacks
        if let display = verbose.makeDisplay() { all.append(display) }
        self.callbacks = all
        let list = CallbackList(callbacks: all)
        if let checkpoint {
            try restoreTrainingState(from: checkpoint, callbacks: all, loader: data)
        } else {
            epoch = 0
            batchesDoneInEpoch = 0
            globalStep = 0
            history = History()
        }
        try list.each { try $0.onTrainBegin(self) }
        var lastLogs: Logs = history.epochs.last ?? [:]
        while epoch < epochs && !stopTraining {
            let current = epoch
            try list.each { try $0.onEpochBegin(current, trainer: self) }
            var logs = try trainEpoch(data, callbacks: list)
            if let validationData, !stopTraining {
                let validation = try runEvaluation(validationData, callbacks: list)
                for (key, value) in validation { logs["val_" + key] = value }
            }
            logs["lr"] = optimizer.learningRates.first
            history.append(logs)
            epoch += 1
            batchesDoneInEpoch = 0
            try list.each { try $0.onEpochEnd(current, logs: logs, trainer: self) }
            lastLogs = logs
        }
        try list.each { try $0.onTrainEnd(self, logs: lastLogs) }
        return history
    }

    /// One epoch of training from `batchesDoneInEpoch` on; returns the epoch's averaged logs.
    private func trainEpoch(_ data: DataLoader<(Tensor, Tensor)>, callbacks: CallbackList) throws -> Logs {
        model.train()
        for metric in trainMetrics { metric.reset() }
        var means: [String: (sum: Double, weight: Double)] = [:]
        var batches = data.epoch(epoch, startingAt: batchesDoneInEpoch)
        while !stopTraining, let (x, y) = try batches.nextBatch() {
            let index = batchesDoneInEpoch
            currentBatch = (x, y)
            try callbacks.each { try $0.onTrainBatchBegin(index, trainer: self) }
            let stepLogs = try trainStep?(self, x, y) ?? defaultTrainStep(inputs: x, targets: y)
            lastStepLogs = stepLogs
            let weight = Double(x.rank > 0 ? x.shape[0] : 1)
            for (key, value) in stepLogs {
                let previous = means[key] ?? (0, 0)
                means[key] = (previous.sum + value * weight, previous.weight + weight)
            }
            batchesDoneInEpoch += 1
            globalStep += 1
            let logs = runningLogs(means: means, metrics: trainMetrics)
            try callbacks.each { try $0.onTrainBatchEnd(index, logs: logs, trainer: self) }
        }
        currentBatch = nil
        return runningLogs(means: means, metrics: trainMetrics)
    }

    /// Averages so far plus each metric's result.
    private func runningLogs(means: [String: (sum: Double, weight: Double)], metrics: [any Metric]) -> Logs {
        var logs: Logs = [:]
        for (key, mean) in means { logs[key] = mean.weight > 0 ? mean.sum / mean.weight : 0 }
        for metric in metrics { logs[metric.name] = metric.result() }
        return logs
    }

    /// Loss and metrics of the model on `data`, in evaluation mode without gradients.
    func runEvaluation(_ data: DataLoader<(Tensor, Tensor)>, callbacks: CallbackList) throws -> Logs {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        let metrics = metricSpecs.map { $0.make() }
        lastEvaluationMetrics = metrics
        try callbacks.each { try $0.onTestBegin(self) }
        var sum = 0.0, weight = 0.0
        var batches = data.epoch(0)
        var index = 0
        while let (x, y) = try batches.nextBatch() {
            let current = index
            try callbacks.each { try $0.onTestBatchBegin(current, trainer: self) }
            let batchLoss: Double = withNoGrad {
                let predictions = model(x)
                for metric in metrics { metric.update(predictions: predictions, targets: y) }
                return loss.compute(predictions, y).item()
            }
            let n = Double(x.rank > 0 ? x.shape[0] : 1)
            sum += batchLoss * n
            weight += n
            index += 1
            let logs = runningLogs(means: ["loss": (sum, weight)], metrics: metrics)
            try callbacks.each { try $0.onTestBatchEnd(current, logs: logs, trainer: self) }
        }
        let logs = runningLogs(means: ["loss": (sum, weight)], metrics: metrics)
        try callbacks.each { try $0.onTestEnd(self, logs: logs) }
        return logs
    }

    /// Loss and metrics on `data` (Keras' `evaluate`).
    public func evaluate(_ data: DataLoader<(Tensor, Tensor)>, callbacks: [any Callback] = []) throws -> Logs {
        try runEvaluation(data, callbacks: CallbackList(callbacks: callbacks))
    }

    /// The model's outputs for every batch of `data`, concatenated along the first axis, computed in
    /// evaluation mode without gradients (Keras' `predict`).
    public func predict(_ data: DataLoader<Tensor>, callbacks: [any Callback] = []) throws -> Tensor {
        let list = CallbackList(callbacks: callbacks)
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        try list.each { try $0.onPredictBegin(self) }
        var outputs: [Tensor] = []
        var batches = data.epoch(0)
        while let x = try batches.nextBatch() {
            let index = outputs.count
            try list.each { try $0.onPredictBatchBegin(index, trainer: self) }
            outputs.append(withNoGrad { model(x) })
            try list.each { try $0.onPredictBatchEnd(index, trainer: self) }
        }
        try list.each { try $0.onPredictEnd(self) }
        guard !outputs.isEmpty else { throw TrainingError.invalidArgument(name: "data", reason: "predict was given no examples") }
        return concat(outputs, axis: 0)
    }

    /// Sets the position (used when restoring a checkpoint).
    func setPosition(epoch: Int, batchesDone: Int, globalStep: Int) {
        self.epoch = epoch
        self.batchesDoneInEpoch = batchesDone
        self.globalStep = globalStep
    }
}
