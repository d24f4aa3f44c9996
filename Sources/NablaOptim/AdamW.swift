import Nabla
import NablaNN

/// Adam with decoupled weight decay (Loshchilov & Hutter): PyTorch's `torch.optim.AdamW`.
///
/// The same step as `Adam`, except that the weight decay λ does not enter the gradient: the
/// parameter is first shrunk, `θ ← θ(1 - γλ)`, then takes Adam's step. The default λ is 0.01.
///
/// ```swift
/// let optimizer = AdamW(model, learningRate: 3e-4, weightDecay: 0.05)
/// ```
public final class AdamW: Optimizer {
    /// AdamW's hyperparameters: Adam's, with `weightDecay` the decoupled decay (default 0.01).
    public struct Options: Sendable, Equatable {
        /// Learning rate γ.
        public var learningRate: Double
        /// Decay β₁ of the gradient average.
        public var beta1: Double
        /// Decay β₂ of the squared-gradient average.
        public var beta2: Double
        /// Added to the denominator for numerical stability.
        public var eps: Double
        /// Decoupled weight decay λ: each step first multiplies the parameter by 1 - γλ.
        public var weightDecay: Double
        /// Use the running maximum of the second moment (AMSGrad).
        public var amsgrad: Bool
        /// Ascend the objective instead of descending.
        public var maximize: Bool

        /// PyTorch's AdamW defaults unless given.
        public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8,
                    weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false) {
            self.learningRate = learningRate
            self.beta1 = beta1
            self.beta2 = beta2
            self.eps = eps
            self.weightDecay = weightDecay
            self.amsgrad = amsgrad
            self.maximize = maximize
        }

        /// The options named in `hyperparameters`, defaults for the rest.
        public init(_ hyperparameters: Hyperparameters) {
            let d = Options()
            self.init(learningRate: hyperparameters[.learningRate] ?? d.learningRate,
                      beta1: hyperparameters[.beta1] ?? d.beta1, beta2: hyperparameters[.beta2] ?? d.beta2,
                      eps: hyperparameters[.eps] ?? d.eps, weightDecay: hyperparameters[.weightDecay] ?? d.weightDecay,
                      amsgrad: (hyperparameters[.amsgrad] ?? 0) != 0, maximize: (hyperparameters[.maximize] ?? 0) != 0)
        }

        /// The options by name.
        public var hyperparameters: Hyperparameters { adam.hyperparameters }

        /// The same values as Adam's options (the step is Adam's with decoupled decay).
        var adam: Adam.Options {
            Adam.Options(learningRate: learningRate, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
                         amsgrad: amsgrad, maximize: maximize)
        }
    }

    /// AdamW over `parameters` (a module, parameters or groups) with default `options`.
    public init(_ parameters: some ParameterSource, options: Options) {
        super.init(parameters, defaults: options.hyperparameters)
    }

    /// AdamW over `parameters` (a module, parameters or groups).
    public convenience init(_ parameters: some ParameterSource, learningRate: Double = 1e-3,
                            betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 1e-2,
                            amsgrad: Bool = false, maximize: Bool = false) {
        self.init(parameters, options: Options(learningRate: learningRate, beta1: betas.0, beta2: betas.1, eps: eps,
                                               weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize))
    }

    /// One AdamW update of `parameter`: the new values and state (`exp_avg`, `exp_avg_sq`, and
    /// `max_exp_avg_sq` with AMSGrad).
    public static func update(parameter: Tensor, gradient: Tensor, state: OptimizerState,
                              options: Options) -> (parameter: Tensor, state: OptimizerState) {
        adamUpdate(parameter: parameter, gradient: gradient, state: state, options: options.adam, decoupledWeightDecay: true)
    }

    public override func makeUpdateRule(for options: Hyperparameters) -> UpdateRule {
        let o = Options(options)
        return { AdamW.update(parameter: $0, gradient: $1, state: $2, options: o) }
    }

    public override func stateKeys(for options: Hyperparameters) -> [String] { adamStateKeys(Options(options).adam) }

    public override func validate(_ options: Hyperparameters) -> String? { Options(options).adam.problem() }
}
