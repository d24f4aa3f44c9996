/// Cuts the learning rate when a metric stops improving (PyTorch's `ReduceLROnPlateau`).
///
/// Each `step(metric:)` compares the metric with the best so far. It improves when
/// (mode `.min`) `metric < best · (1 - threshold)` (`.relative`) or `metric < best - threshold`
/// (`.absolute`), mirrored for `.max`. After more than `patience` steps without improvement each
/// group's rate becomes `max(lr · factor, minLR)` (changes smaller than `eps` are skipped), and the
/// next `cooldown` steps do not count as bad.
///
/// ```swift
/// let scheduler = ReduceLROnPlateau(optimizer, mode: .min, factor: 0.5, patience: 3)
/// for epoch in 0..<epochs {
///     train()
///     scheduler.step(metric: validationLoss())
/// }
/// ```
///
/// With NablaTrain, pass it to `fit` as a callback (Keras' `ReduceLROnPlateau`): it steps after each
/// epoch with the logged value named by `monitor`.
public final class ReduceLROnPlateau: LRScheduler {
    /// The logged value (`"val_loss"`, `"val_accuracy"`, …) that `fit` steps this schedule with when
    /// it is used as a callback; `mode` must match its direction.
    public var monitor = "val_loss"
    /// Whether lower or higher metrics are better.
    public enum Mode: String, Sendable {
        /// Lower is better (losses).
        case min
        /// Higher is better (accuracies).
        case max
    }

    /// How `threshold` measures a significant improvement.
    public enum ThresholdMode: String, Sendable {
        /// Relative to the best value (`rel`).
        case relative = "rel"
        /// In the metric's units (`abs`).
        case absolute = "abs"
    }

    public let optimizer: Optimizer
    /// Lower or higher is better.
    public let mode: Mode
    /// The factor applied to the learning rate on a plateau.
    public let factor: Double
    /// The steps without improvement tolerated before cutting.
    public let patience: Int
    /// The improvement that counts.
    public let threshold: Double
    /// How `threshold` is measured.
    public let thresholdMode: ThresholdMode
    /// Steps after a cut during which bad steps are not counted.
    public let cooldown: Int
    /// Each group's lower bound on the learning rate.
    public let minLearningRates: [Double]
    /// Cuts smaller than this are skipped.
    public let eps: Double

    /// The best metric seen (±infinity before the first).
    public private(set) var best: Double
    /// Steps since the last improvement.
    public private(set) var badEpochs = 0
    /// Cooldown steps left.
    public private(set) var cooldownCounter = 0
    public private(set) var lastEpoch = 0
    public private(set) var lastLearningRates: [Double]

    /// Attaches to `optimizer`; `minLR` holds one bound per group or a single bound for all.
    public init(_ optimizer: Optimizer, mode: Mode = .min, factor: Double = 0.1, patience: Int = 10, threshold: Double = 1e-4,
                thresholdMode: ThresholdMode = .relative, cooldown: Int = 0, minLR: [Double] = [0], eps: Double = 1e-8) {
        let groups = optimizer.parameterGroups.count
        precondition(factor < 1, "ReduceLROnPlateau: factor must be < 1 (got \(factor))")
        precondition(minLR.count == 1 || minLR.count == groups, "ReduceLROnPlateau: \(minLR.count) minimum rates for \(groups) groups")
        self.optimizer = optimizer
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.thresholdMode = thresholdMode
        self.cooldown = cooldown
        self.minLearningRates = minLR.count == 1 ? Array(repeating: minLR[0], count: groups) : minLR
        self.eps = eps
        self.best = mode == .min ? .infinity : -.infinity
        self.lastLearningRates = optimizer.learningRates
        optimizer.scheduler = self
    }

    /// Attaches to `optimizer` with the same minimum rate for every group.
    public convenience init(_ optimizer: Optimizer, mode: Mode = .min, factor: Double = 0.1, patience: Int = 10,
                            threshold: Double = 1e-4, thresholdMode: ThresholdMode = .relative, cooldown: Int = 0,
                            minLR: Double, eps: Double = 1e-8) {
        self.init(optimizer, mode: mode, factor: factor, patience: patience, threshold: threshold, thresholdMode: thresholdMode,
                  cooldown: cooldown, minLR: [minLR], eps: eps)
    }

    /// Whether `metric` improves on `best` by more than the threshold.
    public func isImprovement(_ metric: Double) -> Bool {
        switch (mode, thresholdMode) {
        case (.min, .relative): return metric < best * (1 - threshold)
        case (.min, .absolute): return metric < best - threshold
        case (.max, .relative): return metric > best * (1 + threshold)
        case (.max, .absolute): return metric > best + threshold
        }
    }

    /// A plateau schedule needs the metric: use `step(metric:)`.
    public func step() {
        preconditionFailure("ReduceLROnPlateau.step(): pass the monitored value with step(metric:)")
    }

    /// Records `metric` and cuts the learning rates after a plateau.
    public func step(metric: Double) {
        lastEpoch += 1
        if isImprovement(metric) {
            best = metric
            badEpochs = 0
        } else {
            badEpochs += 1
        }
        if cooldownCounter > 0 {
            cooldownCounter -= 1
            badEpochs = 0
        }
        if badEpochs > patience {
            for (group, old) in optimizer.learningRates.enumerated() {
                let new = Swift.max(old * factor, minLearningRates[group])
                if old - new > eps { optimizer.setLearningRate(new, forGroup: group) }
            }
            cooldownCounter = cooldown
            badEpochs = 0
        }
        lastLearningRates = optimizer.learningRates
    }

    /// `scheduler`, `last_epoch`, `best`, `num_bad_epochs`, `cooldown_counter`, `last_lrs`.
    public func stateDict() -> [String: String] {
        ["scheduler": "ReduceLROnPlateau", "last_epoch": String(lastEpoch), "best": String(best),
         "num_bad_epochs": String(badEpochs), "cooldown_counter": String(cooldownCounter),
         "last_lrs": encodeDoubles(lastLearningRates)]
    }

    public func loadStateDict(_ state: [String: String]) throws {
        try checkSchedulerName(state, "ReduceLROnPlateau")
        let epoch = try parseInt(state, "last_epoch")
        let best = try parseDouble(state, "best")
        let bad = try parseInt(state, "num_bad_epochs")
        let cooldownLeft = try parseInt(state, "cooldown_counter")
        let last = try parseDoubles(state, "last_lrs", count: optimizer.parameterGroups.count)
        lastEpoch = epoch
        self.best = best
        badEpochs = bad
        cooldownCounter = cooldownLeft
        lastLearningRates = last
    }
}
