import NablaOptim

/// Adjusts the learning rate once per epoch (Keras' `LearningRateScheduler`): either with a
/// NablaOptim schedule, stepped at the end of each epoch (with a monitored value for
/// `ReduceLROnPlateau`), or with a closure from (epoch, current rate) to the epoch's rate.
///
/// ```swift
/// let optimizer = SGD(model, learningRate: 0.1)
/// let cosine = LearningRateScheduler(CosineAnnealingLR(optimizer, tMax: 10))
/// let halve = LearningRateScheduler { epoch, lr in epoch > 0 && epoch % 5 == 0 ? lr / 2 : lr }
/// let plateau = LearningRateScheduler(ReduceLROnPlateau(optimizer, patience: 2), monitor: "val_loss")
/// ```
/// Its state is saved in training checkpoints, so a resumed run continues the schedule.
public final class LearningRateScheduler: StatefulCallback {
    private let scheduler: (any LRScheduler)?
    private let schedule: ((Int, Double) -> Double)?
    private let monitor: String?

    /// Steps `scheduler` after each epoch; with `monitor`, passes that logged value (for plateau schedules).
    public init(_ scheduler: any LRScheduler, monitor: String? = nil) {
        self.scheduler = scheduler
        self.schedule = nil
        self.monitor = monitor
    }

    /// Sets every group's rate to `schedule(epoch, currentRate)` at the start of each epoch (0-based).
    public init(_ schedule: @escaping (_ epoch: Int, _ learningRate: Double) -> Double) {
        self.scheduler = nil
        self.schedule = schedule
        self.monitor = nil
    }

    public var stateKey: String { "lr_scheduler" }

    public func onEpochBegin(_ epoch: Int, trainer: Trainer) throws {
        guard let schedule else { return }
        for (group, rate) in trainer.optimizer.learningRates.enumerated() {
            trainer.optimizer.setLearningRate(schedule(epoch, rate), forGroup: group)
        }
    }

    public func onEpochEnd(_ epoch: Int, logs: Logs, trainer: Trainer) throws {
        guard let scheduler else { return }
        if let monitor {
            guard let value = logs[monitor] else {
                throw TrainingError.invalidArgument(name: "LearningRateScheduler monitor",
                                                    reason: "\"\(monitor)\" is not among the logged values \(logs.keys.sorted())")
            }
            scheduler.step(metric: value)
        } else {
            scheduler.step()
        }
    }

    public func stateDict() -> [String: String] { scheduler?.stateDict() ?? [:] }

    public func loadStateDict(_ state: [String: String]) throws { try scheduler?.loadStateDict(state) }
}
