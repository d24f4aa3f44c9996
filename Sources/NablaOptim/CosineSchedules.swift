import Foundation

/// Half a cosine from `base` (t = 0) to `etaMin` (t = period).
@inline(__always)
func cosineAnnealing(base: Double, etaMin: Double, t: Double, period: Double) -> Double {
    etaMin + (base - etaMin) * (1 + cos(Double.pi * t / period)) / 2
}

/// Cosine annealing (PyTorch's `CosineAnnealingLR`):
/// `lr = etaMin + (base - etaMin) · (1 + cos(π · epoch / tMax)) / 2`.
///
/// The rate reaches `etaMin` after `tMax` steps and, stepped further, rises again along the same
/// cosine, as PyTorch's does.
public final class CosineAnnealingLR: EpochLRScheduler {
    /// Steps from the base rate to the minimum.
    public let tMax: Int
    /// The minimum learning rate.
    public let etaMin: Double

    /// Attaches to `optimizer`.
    public init(_ optimizer: Optimizer, tMax: Int, etaMin: Double = 0) {
        precondition(tMax > 0, "CosineAnnealingLR: tMax must be positive (got \(tMax))")
        self.tMax = tMax
        self.etaMin = etaMin
        super.init(optimizer)
    }

    public override func learningRates(atEpoch epoch: Int) -> [Double] {
        baseLearningRates.map { cosineAnnealing(base: $0, etaMin: etaMin, t: Double(epoch), period: Double(tMax)) }
    }
}

/// Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter; PyTorch's
/// `CosineAnnealingWarmRestarts`): the cosine restarts at the base rate after `t0` steps, and each
/// period is `tMult` times longer than the last:
/// `lr = etaMin + (base - etaMin) · (1 + cos(π · tCur / tI)) / 2`, where `tI` is the current period
/// and `tCur` the steps since the last restart.
public final class CosineAnnealingWarmRestarts: EpochLRScheduler {
    /// The first period.
    public let t0: Int
    /// The growth factor of the periods.
    public let tMult: Int
    /// The minimum learning rate.
    public let etaMin: Double

    /// Attaches to `optimizer`.
    public init(_ optimizer: Optimizer, t0: Int, tMult: Int = 1, etaMin: Double = 0) {
        precondition(t0 > 0, "CosineAnnealingWarmRestarts: t0 must be positive (got \(t0))")
        precondition(tMult >= 1, "CosineAnnealingWarmRestarts: tMult must be >= 1 (got \(tMult))")
        self.t0 = t0
        self.tMult = tMult
        self.etaMin = etaMin
        super.init(optimizer)
    }

    /// The steps since the last restart and the current period after `epoch` steps.
    public func position(atEpoch epoch: Int) -> (tCur: Int, tI: Int) {
        if tMult == 1 { return (epoch % t0, t0) }
        var tCur = epoch, tI = t0
        while tCur >= tI {
            tCur -= tI
            tI *= tMult
        }
        return (tCur, tI)
    }

    public override func learningRates(atEpoch epoch: Int) -> [Double] {
        let (tCur, tI) = position(atEpoch: epoch)
        return baseLearningRates.map { cosineAnnealing(base: $0, etaMin: etaMin, t: Double(tCur), period: Double(tI)) }
    }
}

/// A linear warm-up followed by cosine annealing, the usual transformer schedule.
///
/// With W = `warmupSteps`, T = `totalSteps`, s = `startFactor` and step t:
/// ```
/// t < W:        lr = base · (s + (1 - s) · t / W)
/// W ≤ t ≤ T:    lr = etaMin + (base - etaMin) · (1 + cos(π · (t - W) / (T - W))) / 2
/// t > T:        lr = etaMin
/// ```
/// So the rate climbs from `s · base` to `base` at step W, then follows half a cosine down to
/// `etaMin` at step T. This equals PyTorch's
/// `SequentialLR([LinearLR(start_factor: s, total_iters: W), CosineAnnealingLR(T_max: T - W, eta_min)], milestones: [W])`
/// up to step T (the tests check that).
///
/// ```swift
/// let scheduler = LinearWarmupCosine(optimizer, warmupSteps: 500, totalSteps: 10_000, etaMin: 1e-5)
/// ```
public final class LinearWarmupCosine: EpochLRScheduler {
    /// Steps of linear warm-up (W).
    public let warmupSteps: Int
    /// The step at which the rate reaches `etaMin` (T).
    public let totalSteps: Int
    /// The fraction of the base rate at step 0 (s).
    public let startFactor: Double
    /// The final learning rate.
    public let etaMin: Double

    /// Attaches to `optimizer`.
    public init(_ optimizer: Optimizer, warmupSteps: Int, totalSteps: Int, startFactor: Double = 0, etaMin: Double = 0) {
        precondition(warmupSteps >= 0 && totalSteps > warmupSteps,
                     "LinearWarmupCosine: need 0 <= warmupSteps < totalSteps (got \(warmupSteps), \(totalSteps))")
        precondition((0...1).contains(startFactor), "LinearWarmupCosine: startFactor must be in [0, 1] (got \(startFactor))")
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.startFactor = startFactor
        self.etaMin = etaMin
        super.init(optimizer)
    }

    public override func learningRates(atEpoch epoch: Int) -> [Double] {
        baseLearningRates.map { base in
            if epoch < warmupSteps {
                return base * (startFactor + (1 - startFactor) * Double(epoch) / Double(warmupSteps))
            }
            if epoch > totalSteps { return etaMin }
            return cosineAnnealing(base: base, etaMin: etaMin, t: Double(epoch - warmupSteps),
                                   period: Double(totalSteps - warmupSteps))
        }
    }
}
