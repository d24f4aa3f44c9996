/// A callback made of closures, for one-off hooks (Keras' `LambdaCallback`).
///
/// ```swift
/// let logLoss = LambdaCallback(onEpochEnd: { epoch, logs, _ in print(epoch, logs["loss"] ?? 0) })
/// ```
public final class LambdaCallback: Callback {
    private let trainBegin: ((Trainer) throws -> Void)?
    private let trainEnd: ((Logs, Trainer) throws -> Void)?
    private let epochBegin: ((Int, Trainer) throws -> Void)?
    private let epochEnd: ((Int, Logs, Trainer) throws -> Void)?
    private let batchBegin: ((Int, Trainer) throws -> Void)?
    private let batchEnd: ((Int, Logs, Trainer) throws -> Void)?

    /// A callback calling whichever closures are given, with Keras' hook names.
    public init(onTrainBegin: ((Trainer) throws -> Void)? = nil, onTrainEnd: ((Logs, Trainer) throws -> Void)? = nil,
                onEpochBegin: ((Int, Trainer) throws -> Void)? = nil, onEpochEnd: ((Int, Logs, Trainer) throws -> Void)? = nil,
                onTrainBatchBegin: ((Int, Trainer) throws -> Void)? = nil, onTrainBatchEnd: ((Int, Logs, Trainer) throws -> Void)? = nil) {
        trainBegin = onTrainBegin
        trainEnd = onTrainEnd
        epochBegin = onEpochBegin
        epochEnd = onEpochEnd
        batchBegin = onTrainBatchBegin
        batchEnd = onTrainBatchEnd
    }

    public func onTrainBegin(_ trainer: Trainer) throws { try trainBegin?(trainer) }
    public func onTrainEnd(_ trainer: Trainer, logs: Logs) throws { try trainEnd?(logs, trainer) }
    public func onEpochBegin(_ epoch: Int, trainer: Trainer) throws { try epochBegin?(epoch, trainer) }
    public func onEpochEnd(_ epoch: Int, logs: Logs, trainer: Trainer) throws { try epochEnd?(epoch, logs, trainer) }
    public func onTrainBatchBegin(_ batch: Int, trainer: Trainer) throws { try batchBegin?(batch, trainer) }
    public func onTrainBatchEnd(_ batch: Int, logs: Logs, trainer: Trainer) throws { try batchEnd?(batch, logs, trainer) }
}
