/// The name of an optimizer hyperparameter, as it appears in parameter-group options and in state dicts.
///
/// Raw values are PyTorch's option names (`"lr"`, `"weight_decay"`, …), with Adam's `betas` pair split
/// into `beta1` and `beta2`. Flags (`nesterov`, `amsgrad`, `centered`, `maximize`) are stored as 0 or 1.
///
/// ```swift
/// let head = ParameterGroup(model.fc2.parameters(), options: [.learningRate: 1e-2, .momentum: 0.5])
/// ```
public struct Hyperparameter: RawRepresentable, Hashable, Comparable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible {
    /// PyTorch's name for the option.
    public let rawValue: String

    /// Wraps a raw name.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Wraps a raw name given as a literal.
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }
    public static func < (lhs: Hyperparameter, rhs: Hyperparameter) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The learning rate (`lr`), every optimizer.
    public static let learningRate: Hyperparameter = "lr"
    /// L2 penalty added to the gradient (decoupled multiplicative decay for AdamW and Lion).
    public static let weightDecay: Hyperparameter = "weight_decay"
    /// Momentum factor (SGD, RMSprop).
    public static let momentum: Hyperparameter = "momentum"
    /// Dampening of the momentum (SGD).
    public static let dampening: Hyperparameter = "dampening"
    /// Nesterov momentum flag (SGD).
    public static let nesterov: Hyperparameter = "nesterov"
    /// Maximise the objective instead of minimising it (flag).
    public static let maximize: Hyperparameter = "maximize"
    /// Decay of the first moment (Adam, AdamW, Lion: the first element of PyTorch's `betas`).
    public static let beta1: Hyperparameter = "beta1"
    /// Decay of the second moment (Adam, AdamW) or of the momentum (Lion).
    public static let beta2: Hyperparameter = "beta2"
    /// Term added to denominators for numerical stability.
    public static let eps: Hyperparameter = "eps"
    /// AMSGrad flag (Adam, AdamW).
    public static let amsgrad: Hyperparameter = "amsgrad"
    /// Smoothing constant of the squared-gradient average (RMSprop).
    public static let alpha: Hyperparameter = "alpha"
    /// Centered RMSprop flag.
    public static let centered: Hyperparameter = "centered"
    /// Learning-rate decay (Adagrad).
    public static let learningRateDecay: Hyperparameter = "lr_decay"
    /// Starting value of the squared-gradient sums (Adagrad).
    public static let initialAccumulatorValue: Hyperparameter = "initial_accumulator_value"
    /// Decay of the running averages (Adadelta).
    public static let rho: Hyperparameter = "rho"
}

/// A complete set of hyperparameter values by name.
public typealias Hyperparameters = [Hyperparameter: Double]

extension Dictionary where Key == Hyperparameter, Value == Double {
    /// The value of `key`, which must be present (optimizers resolve every group against their defaults).
    @inline(__always)
    func require(_ key: Hyperparameter) -> Double {
        guard let v = self[key] else { fatalError("optimizer: hyperparameter \"\(key)\" is missing from the group options") }
        return v
    }
}

extension Bool {
    /// 1 for true, 0 for false: how flags are stored among hyperparameters.
    var hyperparameterValue: Double { self ? 1 : 0 }
}
