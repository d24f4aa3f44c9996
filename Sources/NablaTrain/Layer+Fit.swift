import Foundation
import Nabla
import NablaData
import NablaNN
import NablaOptim

/// Keras-style training on any `Layer`: `compile`, then `fit`, `evaluate`, `predict`.
///
/// ```swift
/// model.compile(optimizer: Adam(model, learningRate: 1e-3), loss: .crossEntropy, metrics: [.accuracy])
/// let history = try model.fit(trainLoader, epochs: 5, validationData: testLoader,
///                             callbacks: [EarlyStopping(patience: 2), TensorBoard(logDir: "runs/cnn")])
/// let scores = try model.evaluate(testLoader)       // ["loss": …, "accuracy": …]
/// ```
extension Layer {
    private static var trainerKey: String { "NablaTrain.Trainer" }

    /// The trainer `compile` attached, or nil before `compile`.
    public var trainer: Trainer? { attachments[Self.trainerKey] as? Trainer }

    private func requireTrainer() throws -> Trainer {
        guard let trainer else { throw TrainingError.notCompiled }
        return trainer
    }

    /// Configures training: the optimizer, the loss, the metrics to report and, for unusual
    /// algorithms, a custom step that replaces the standard one.
    @discardableResult
    public func compile(optimizer: Optimizer, loss: Loss, metrics: [MetricSpec] = [], trainStep: Trainer.TrainStep? = nil) -> Trainer {
        let trainer = Trainer(model: self, optimizer: optimizer, loss: loss, metrics: metrics, trainStep: trainStep)
        attachments[Self.trainerKey] = trainer
        return trainer
    }

    /// Trains on the batches of `data` for `epochs` epochs; see `Trainer.fit`.
    @discardableResult
    public func fit(_ data: DataLoader<(Tensor, Tensor)>, epochs: Int, validationData: DataLoader<(Tensor, Tensor)>? = nil,
                    callbacks: [any Callback] = [], verbose: Verbosity = .auto, resumingFrom checkpoint: URL? = nil) throws -> History {
        try requireTrainer().fit(data, epochs: epochs, validationData: validationData, callbacks: callbacks, verbose: verbose,
                                 resumingFrom: checkpoint)
    }

    /// Trains on in-memory tensors, Keras' `fit(x, y, …)`.
    ///
    /// - Parameters:
    ///   - validationSplit: the fraction of examples, taken from the end before shuffling (as Keras
    ///     does), held out for validation; ignored when `validationData` is given.
    ///   - seed: the shuffle seed (nil: drawn from the default generator, so `manualSeed` fixes it).
    @discardableResult
    public func fit(x: Tensor, y: Tensor, batchSize: Int = 32, epochs: Int, validationSplit: Double = 0,
                    validationData: (Tensor, Tensor)? = nil, shuffle: Bool = true, seed: UInt64? = nil,
                    callbacks: [any Callback] = [], verbose: Verbosity = .auto, resumingFrom checkpoint: URL? = nil) throws -> History {
        guard batchSize > 0 else { throw TrainingError.invalidArgument(name: "batchSize", reason: "must be positive, got \(batchSize)") }
        guard validationSplit >= 0 && validationSplit < 1 else {
            throw TrainingError.invalidArgument(name: "validationSplit", reason: "must be in [0, 1), got \(validationSplit)")
        }
        var trainX = x, trainY = y
        var validation = validationData
        if validation == nil && validationSplit > 0 {
            let n = x.shape.first ?? 0
            let held = Int((Double(n) * validationSplit).rounded(.down))
            guard held > 0 && held < n else {
                throw TrainingError.invalidArgument(name: "validationSplit", reason: "\(validationSplit) of \(n) examples leaves no training or no validation examples")
            }
            trainX = x.slice(axis: 0, start: 0, end: n - held)
            trainY = y.slice(axis: 0, start: 0, end: n - held)
            validation = (x.slice(axis: 0, start: n - held), y.slice(axis: 0, start: n - held))
        }
        let train = DataLoader(try TensorDataset(trainX, trainY), batchSize: batchSize, shuffle: shuffle, seed: seed)
        let validationLoader = try validation.map { DataLoader(try TensorDataset($0.0, $0.1), batchSize: batchSize) }
        return try fit(train, epochs: epochs, validationData: validationLoader, callbacks: callbacks, verbose: verbose,
                       resumingFrom: checkpoint)
    }

    /// Loss and metrics on `data`, without training.
    public func evaluate(_ data: DataLoader<(Tensor, Tensor)>, callbacks: [any Callback] = []) throws -> Logs {
        try requireTrainer().evaluate(data, callbacks: callbacks)
    }

    /// Loss and metrics on in-memory tensors.
    public func evaluate(x: Tensor, y: Tensor, batchSize: Int = 32) throws -> Logs {
        try evaluate(DataLoader(try TensorDataset(x, y), batchSize: batchSize))
    }

    /// The model's outputs for `x`, computed `batchSize` examples at a time in evaluation mode
    /// without gradients. Needs no `compile`.
    public func predict(_ x: Tensor, batchSize: Int = 32) throws -> Tensor {
        guard batchSize > 0 else { throw TrainingError.invalidArgument(name: "batchSize", reason: "must be positive, got \(batchSize)") }
        let wasTraining = isTraining
        eval()
        defer { train(wasTraining) }
        let n = x.shape.first ?? 0
        guard n > 0 else { throw TrainingError.invalidArgument(name: "x", reason: "predict was given no examples (shape \(x.shape))") }
        let outputs = stride(from: 0, to: n, by: batchSize).map { start in
            withNoGrad { self(x.slice(axis: 0, start: start, end: Swift.min(n, start + batchSize))) }
        }
        return concat(outputs, axis: 0)
    }
}
