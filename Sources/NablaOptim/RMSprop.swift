import Nabla
import NablaNN

/// RMSprop with optional momentum and centering: PyTorch's `torch.optim.RMSprop`.
///
/// For a parameter θ with gradient g (learning rate γ, smoothing α, momentum μ, weight decay λ):
/// ```
/// g ← maximize ? -g : g;   if λ ≠ 0: g ← g + λθ
/// v ← αv + (1 - α)g²
/// centered: ḡ ← ḡ + (1 - α)(g - ḡ);  d ← √(v - ḡ²) + ε      otherwise: d ← √v + ε
/// μ > 0: b ← μb + g/d;  θ ← θ - γb                          otherwise: θ ← θ - γ g/d
/// ```
public final class RMSprop: Optimizer {
    /// RMSprop's hyperparameters.
    public struct Options: Sendable, Equatable {
        /// Learning rate γ.
        public var learningRate: Double
        /// Smoothing constant α of the squared-gradient average.
        public var alpha: Double
        /// Added to the denominator for numerical stability.
        public var eps: Double
        /// L2 penalty λ.
        public var weightDecay: Double
        /// Momentum factor μ.
        public var momentum: Double
        /// Normalise by the estimated variance instead of the second moment.
        public var centered: Bool
        /// Ascend the objective instead of descending.
        public var maximize: Bool

        /// PyTorch's defaults unless given.
        public init(learningRate: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0,
                    momentum: Double = 0, centered: Bool = false, maximize: Bool = false) {
            self.learningRate = learningRate
            self.alpha = alpha
            self.eps = eps
            self.weightDecay = weightDecay
            self.momentum = momentum
            self.centered = centered
            self.maximize = maximize
        }

        /// The options named in `hyperparameters`, defaults for the rest.
        public init(_ hyperparameters: Hyperparameters) {
            let d = Options()
            self.init(learningRate: hyperparameters[.learningRate] ?? d.learningRate,
                      alpha: hyperparameters[.alpha] ?? d.alpha, eps: hyperparameters[.eps] ?? d.eps,
                      weightDecay: hyperparameters[.weightDecay] ?? d.weightDecay,
                      momentum: hyperparameters[.momentum] ?? d.momentum,
                      centered: (hyperparameters[.centered] ?? 0) != 0, maximize: (hyperparameters[.maximize] ?? 0) != 0)
        }

        /// The options by name.
        public var hyperparameters: Hyperparameters {
            [.learningRate: learningRate, .alpha: alpha, .eps: eps, .weightDecay: weightDecay, .momentum: momentum,
             .centered: centered.hyperparameterValue, .maximize: maximize.hyperparameterValue]
        }
    }

    /// RMSprop over `parameters` (a module, parameters or groups) with default `options`.
    public init(_ parameters: some ParameterSource, options: Options) {
        super.init(parameters, defaults: options.hyperparameters)
    }

    /// RMSprop over `parameters` (a module, parameters or groups).
    public convenience init(_ parameters: some ParameterSource, learningRate: Double = 1e-2, alpha: Double = 0.99,
                            eps: Double = 1e-8, weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false,
                            maximize: Bool = false) {
        self.init(parameters, options: Options(learningRate: learningRate, alpha: alpha, eps: eps, weightDecay: weightDecay,
                                               momentum: momentum, centered: centered, maximize: maximize))
    }

    /// One RMSprop update of `parameter`: the new values and state (`square_avg`, plus
    /// `momentum_buffer` when μ > 0 and `grad_avg` when centered).
    public static func update(parameter: Tensor, gradient: Tensor, state: OptimizerState,
                              options o: Options) -> (parameter: Tensor, state: OptimizerState) {
        let g = effectiveGradient(gradient, parameter: parameter, maximize: o.maximize, weightDecay: o.weightDecay)
        var state = state
        state.step += 1
        let squareAverage = ((state["square_avg"] ?? Tensor.zeros(like: parameter)) * o.alpha)
            .addingProduct(g, g, scaledBy: 1 - o.alpha)
        state["square_avg"] = squareAverage
        var average: Tensor
        if o.centered {
            let gradAverage = (state["grad_avg"] ?? Tensor.zeros(like: parameter)).lerp(to: g, weight: 1 - o.alpha)
            state["grad_avg"] = gradAverage
            average = (squareAverage - gradAverage * gradAverage).sqrt()
        } else {
            average = squareAverage.sqrt()
        }
        average = average + o.eps
        if o.momentum > 0 {
            let buffer = ((state["momentum_buffer"] ?? Tensor.zeros(like: parameter)) * o.momentum) + g / average
            state["momentum_buffer"] = buffer
            return (parameter.adding(buffer, scaledBy: -o.learningRate), state)
        }
        return (parameter.addingQuotient(g, average, scaledBy: -o.learningRate), state)
    }

    public override func makeUpdateRule(for options: Hyperparameters) -> UpdateRule {
        let o = Options(options)
        return { RMSprop.update(parameter: $0, gradient: $1, state: $2, options: o) }
    }

    public override func stateKeys(for options: Hyperparameters) -> [String] {
        let o = Options(options)
        return ["square_avg"] + (o.momentum > 0 ? ["momentum_buffer"] : []) + (o.centered ? ["grad_avg"] : [])
    }

    public override func validate(_ options: Hyperparameters) -> String? {
        let o = Options(options)
        return checkNonNegative(o.learningRate, "learning rate") ?? checkNonNegative(o.eps, "epsilon")
            ?? checkNonNegative(o.momentum, "momentum") ?? checkNonNegative(o.weightDecay, "weight decay")
            ?? checkNonNegative(o.alpha, "alpha")
    }
}
