import Nabla
import NablaNN

/// Adagrad: PyTorch's `torch.optim.Adagrad` (dense gradients).
///
/// For a parameter θ with gradient g at step t (learning rate γ, decay η, weight decay λ):
/// ```
/// g ← maximize ? -g : g;   if λ ≠ 0: g ← g + λθ
/// γₜ ← γ / (1 + (t - 1)η);   s ← s + g²   (s starts at initialAccumulatorValue)
/// θ ← θ - γₜ g / (√s + ε)
/// ```
public final class Adagrad: Optimizer {
    /// Adagrad's hyperparameters.
    public struct Options: Sendable, Equatable {
        /// Learning rate γ.
        public var learningRate: Double
        /// Learning-rate decay η.
        public var learningRateDecay: Double
        /// L2 penalty λ.
        public var weightDecay: Double
        /// Starting value of the squared-gradient sums.
        public var initialAccumulatorValue: Double
        /// Added to the denominator for numerical stability.
        public var eps: Double
        /// Ascend the objective instead of descending.
        public var maximize: Bool

        /// PyTorch's defaults unless given.
        public init(learningRate: Double = 1e-2, learningRateDecay: Double = 0, weightDecay: Double = 0,
                    initialAccumulatorValue: Double = 0, eps: Double = 1e-10, maximize: Bool = false) {
            self.learningRate = learningRate
            self.learningRateDecay = learningRateDecay
            self.weightDecay = weightDecay
            self.initialAccumulatorValue = initialAccumulatorValue
            self.eps = eps
            self.maximize = maximize
        }

        /// The options named in `hyperparameters`, defaults for the rest.
        public init(_ hyperparameters: Hyperparameters) {
            let d = Options()
            self.init(learningRate: hyperparameters[.learningRate] ?? d.learningRate,
                      learningRateDecay: hyperparameters[.learningRateDecay] ?? d.learningRateDecay,
                      weightDecay: hyperparameters[.weightDecay] ?? d.weightDecay,
                      initialAccumulatorValue: hyperparameters[.initialAccumulatorValue] ?? d.initialAccumulatorValue,
                      eps: hyperparameters[.eps] ?? d.eps, maximize: (hyperparameters[.maximize] ?? 0) != 0)
        }

        /// The options by name.
        public var hyperparameters: Hyperparameters {
            [.learningRate: learningRate, .learningRateDecay: learningRateDecay, .weightDecay: weightDecay,
             .initialAccumulatorValue: initialAccumulatorValue, .eps: eps, .maximize: maximize.hyperparameterValue]
        }
    }

    /// Adagrad over `parameters` (a module, parameters or groups) with default `options`.
    public init(_ parameters: some ParameterSource, options: Options) {
        super.init(parameters, defaults: options.hyperparameters)
    }

    /// Adagrad over `parameters` (a module, parameters or groups).
    public convenience init(_ parameters: some ParameterSource, learningRate: Double = 1e-2, learningRateDecay: Double = 0,
                            weightDecay: Double = 0, initialAccumulatorValue: Double = 0, eps: Double = 1e-10,
                            maximize: Bool = false) {
        self.init(parameters, options: Options(learningRate: learningRate, learningRateDecay: learningRateDecay,
                                               weightDecay: weightDecay, initialAccumulatorValue: initialAccumulatorValue,
                                               eps: eps, maximize: maximize))
    }

    /// One Adagrad update of `parameter`: the new values and state (`sum`).
    public static func update(parameter: Tensor, gradient: Tensor, state: OptimizerState,
                              options o: Options) -> (parameter: Tensor, state: OptimizerState) {
        var state = state
        state.step += 1
        let g = effectiveGradient(gradient, parameter: parameter, maximize: o.maximize, weightDecay: o.weightDecay)
        let rate = o.learningRate / (1 + Double(state.step - 1) * o.learningRateDecay)
        let sum = (state["sum"] ?? Tensor.full(like: parameter, value: o.initialAccumulatorValue)) + g * g
        state["sum"] = sum
        let std = sum.sqrt() + o.eps
        return (parameter.addingQuotient(g, std, scaledBy: -rate), state)
    }

    public override func makeUpdateRule(for options: Hyperparameters) -> UpdateRule {
        let o = Options(options)
        return { Adagrad.update(parameter: $0, gradient: $1, state: $2, options: o) }
    }

    public override func stateKeys(for options: Hyperparameters) -> [String] { ["sum"] }

    public override func validate(_ options: Hyperparameters) -> String? {
        let o = Options(options)
        return checkNonNegative(o.learningRate, "learning rate") ?? checkNonNegative(o.learningRateDecay, "learning-rate decay")
            ?? checkNonNegative(o.weightDecay, "weight decay") ?? checkNonNegative(o.initialAccumulatorValue, "initial accumulator value")
            ?? checkNonNegative(o.eps, "epsilon")
    }
}
