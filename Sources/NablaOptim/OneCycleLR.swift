import Foundation

/// The 1cycle policy (Smith & Topin, "Super-Convergence"; PyTorch's `OneCycleLR`), stepped once per batch.
///
/// The learning rate starts at `maxLR / divFactor`, anneals up to `maxLR` over the first
/// `pctStart · totalSteps - 1` steps, then down to `maxLR / divFactor / finalDivFactor` at step
/// `totalSteps - 1`. With `threePhase` it first returns to the initial rate (at step
/// `2 · pctStart · totalSteps - 2`) and only then anneals to the minimum. Within a phase from step a
/// to step b, rate r₀ to r₁, and pct = (t - a) / (b - a):
/// ```
/// cos:    r = r₁ + (r₀ - r₁) · (1 + cos(π · pct)) / 2
/// linear: r = r₀ + (r₁ - r₀) · pct
/// ```
/// With `cycleMomentum` (the default, as in PyTorch) the momentum (SGD, RMSprop) or β₁ (Adam, AdamW,
/// Lion) moves the opposite way between `maxMomentum` and `baseMomentum`. Stepping past
/// `totalSteps` is a programmer error and traps, as PyTorch raises.
///
/// ```swift
/// let scheduler = OneCycleLR(optimizer, maxLR: 0.1, totalSteps: epochs * batchesPerEpoch)
/// ```
public final class OneCycleLR: EpochLRScheduler {
    /// How a phase interpolates between its end points.
    public enum AnnealStrategy: String, Sendable {
        /// Half a cosine.
        case cos
        /// A straight line.
        case linear
    }

    private struct Phase {
        var endStep: Double
        var startLR: KeyPath<Rates, Double>, endLR: KeyPath<Rates, Double>
        var startMomentum: KeyPath<Rates, Double>, endMomentum: KeyPath<Rates, Double>
    }

    private struct Rates {
        var initial: Double, max: Double, min: Double
        var baseMomentum: Double, maxMomentum: Double
    }

    /// The peak learning rate of each group.
    public let maxLearningRates: [Double]
    /// The number of steps in the cycle.
    public let totalSteps: Int
    /// The interpolation within phases.
    public let annealStrategy: AnnealStrategy
    /// The hyperparameter whose value cycles (`.momentum` or `.beta1`), nil without momentum cycling.
    public let momentumKey: Hyperparameter?
    private let phases: [Phase]
    private let rates: [Rates]

    /// Attaches to `optimizer` with one peak rate per group (a single value applies to every group).
    public init(_ optimizer: Optimizer, maxLR: [Double], totalSteps: Int, pctStart: Double = 0.3,
                annealStrategy: AnnealStrategy = .cos, cycleMomentum: Bool = true, baseMomentum: Double = 0.85,
                maxMomentum: Double = 0.95, divFactor: Double = 25, finalDivFactor: Double = 1e4, threePhase: Bool = false) {
        let groups = optimizer.parameterGroups.count
        precondition(totalSteps > 0, "OneCycleLR: totalSteps must be positive (got \(totalSteps))")
        precondition((0...1).contains(pctStart), "OneCycleLR: pctStart must be in [0, 1] (got \(pctStart))")
        precondition(maxLR.count == 1 || maxLR.count == groups, "OneCycleLR: \(maxLR.count) max rates for \(groups) groups")
        let peaks = maxLR.count == 1 ? Array(repeating: maxLR[0], count: groups) : maxLR
        self.maxLearningRates = peaks
        self.totalSteps = totalSteps
        self.annealStrategy = annealStrategy
        if cycleMomentum {
            if optimizer.defaults[.beta1] != nil {
                momentumKey = .beta1
            } else if optimizer.defaults[.momentum] != nil {
                momentumKey = .momentum
            } else {
                preconditionFailure("OneCycleLR: \(optimizer.name) has neither momentum nor beta1; pass cycleMomentum: false")
            }
        } else {
            momentumKey = nil
        }
        rates = peaks.map { peak in
            Rates(initial: peak / divFactor, max: peak, min: peak / divFactor / finalDivFactor,
                  baseMomentum: baseMomentum, maxMomentum: maxMomentum)
        }
        let total = Double(totalSteps)
        if threePhase {
            phases = [
                Phase(endStep: pctStart * total - 1, startLR: \.initial, endLR: \.max, startMomentum: \.maxMomentum, endMomentum: \.baseMomentum),
                Phase(endStep: 2 * pctStart * total - 2, startLR: \.max, endLR: \.initial, startMomentum: \.baseMomentum, endMomentum: \.maxMomentum),
                Phase(endStep: total - 1, startLR: \.initial, endLR: \.min, startMomentum: \.maxMomentum, endMomentum: \.maxMomentum),
            ]
        } else {
            phases = [
                Phase(endStep: pctStart * total - 1, startLR: \.initial, endLR: \.max, startMomentum: \.maxMomentum, endMomentum: \.baseMomentum),
                Phase(endStep: total - 1, startLR: \.max, endLR: \.min, startMomentum: \.baseMomentum, endMomentum: \.maxMomentum),
            ]
        }
        super.init(optimizer, baseLearningRates: peaks.map { $0 / divFactor })
    }

    /// Attaches to `optimizer` with the same peak rate for every group.
    public convenience init(_ optimizer: Optimizer, maxLR: Double, totalSteps: Int, pctStart: Double = 0.3,
                            annealStrategy: AnnealStrategy = .cos, cycleMomentum: Bool = true, baseMomentum: Double = 0.85,
                            maxMomentum: Double = 0.95, divFactor: Double = 25, finalDivFactor: Double = 1e4,
                            threePhase: Bool = false) {
        self.init(optimizer, maxLR: [maxLR], totalSteps: totalSteps, pctStart: pctStart, annealStrategy: annealStrategy,
                  cycleMomentum: cycleMomentum, baseMomentum: baseMomentum, maxMomentum: maxMomentum, divFactor: divFactor,
                  finalDivFactor: finalDivFactor, threePhase: threePhase)
    }

    private func anneal(_ start: Double, _ end: Double, _ pct: Double) -> Double {
        switch annealStrategy {
        case .cos: return end + (start - end) / 2 * (cos(Double.pi * pct) + 1)
        case .linear: return (end - start) * pct + start
        }
    }

    /// Each group's (learning rate, momentum) after `epoch` steps.
    public func values(atEpoch epoch: Int) -> [(learningRate: Double, momentum: Double)] {
        precondition(epoch <= totalSteps, "OneCycleLR: stepped \(epoch) times; the cycle has \(totalSteps) steps")
        let t = Double(epoch)
        return rates.map { r in
            var start = 0.0
            for (i, phase) in phases.enumerated() {
                if t <= phase.endStep || i == phases.count - 1 {
                    let pct = (t - start) / (phase.endStep - start)
                    return (anneal(r[keyPath: phase.startLR], r[keyPath: phase.endLR], pct),
                            anneal(r[keyPath: phase.startMomentum], r[keyPath: phase.endMomentum], pct))
                }
                start = phase.endStep
            }
            fatalError("unreachable")
        }
    }

    public override func learningRates(atEpoch epoch: Int) -> [Double] { values(atEpoch: epoch).map(\.learningRate) }

    override func apply() {
        super.apply()
        guard let key = momentumKey else { return }
        for (group, value) in values(atEpoch: lastEpoch).enumerated() {
            optimizer.setHyperparameter(key, to: value.momentum, forGroup: group)
        }
    }
}
