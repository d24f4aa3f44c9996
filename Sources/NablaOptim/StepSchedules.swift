import Foundation

/// Decays each group's learning rate by `gamma` every `stepSize` steps (PyTorch's `StepLR`):
/// `lr = base · gamma^⌊epoch / stepSize⌋`.
///
/// ```swift
/// let scheduler = StepLR(optimizer, stepSize: 30, gamma: 0.1)
/// ```
public final class StepLR: EpochLRScheduler {
    /// Steps between decays.
    public let stepSize: Int
    /// The decay factor.
    public let gamma: Double

    /// Attaches to `optimizer`.
    public init(_ optimizer: Optimizer, stepSize: Int, gamma: Double = 0.1) {
        precondition(stepSize > 0, "StepLR: stepSize must be positive (got \(stepSize))")
        self.stepSize = stepSize
        self.gamma = gamma
        super.init(optimizer)
    }

    public override func learningRates(atEpoch epoch: Int) -> [Double] {
        let factor = pow(gamma, Double(epoch / stepSize))
        return baseLearningRates.map { $0 * factor }
    }
}

/// Decays each group's learning rate by `gamma` at every milestone (PyTorch's `MultiStepLR`):
/// `lr = base · gamma^(number of milestones ≤ epoch)`; a milestone listed twice decays twice.
///
/// ```swift
/// let scheduler = MultiStepLR(optimizer, milestones: [30, 80], gamma: 0.1)
/// ```
public final class MultiStepLR: EpochLRScheduler {
    /// The steps at which the rate decays, sorted.
    public let milestones: [Int]
    /// The decay factor.
    public let gamma: Double

    /// Attaches to `optimizer`.
    public init(_ optimizer: Optimizer, milestones: [Int], gamma: Double = 0.1) {
        self.milestones = milestones.sorted()
        self.gamma = gamma
        super.init(optimizer)
    }

    public override func learningRates(atEpoch epoch: Int) -> [Double] {
        let passed = milestones.filter { $0 <= epoch }.count
        let factor = pow(gamma, Double(passed))
        return baseLearningRates.map { $0 * factor }
    }
}

/// Decays each group's learning rate by `gamma` every step (PyTorch's `ExponentialLR`):
/// `lr = base · gamma^epoch`.
public final class ExponentialLR: EpochLRScheduler {
    /// The decay factor per step.
    public let gamma: Double

    /// Attaches to `optimizer`.
    public init(_ optimizer: Optimizer, gamma: Double) {
        self.gamma = gamma
        super.init(optimizer)
    }

    public override func learningRates(atEpoch epoch: Int) -> [Double] {
        let factor = pow(gamma, Double(epoch))
        return baseLearningRates.map { $0 * factor }
    }
}
