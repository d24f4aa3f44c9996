import Nabla
import NablaNN

/// Lion, "evoLved sIgn mOmeNtum" (Chen et al. 2023, "Symbolic Discovery of Optimization
/// Algorithms"), as in the authors' PyTorch listing. Not part of `torch.optim`.
///
/// For a parameter θ with gradient g (learning rate γ, betas β₁ β₂, decoupled weight decay λ):
/// ```
/// θ ← θ(1 - γλ)
/// θ ← θ - γ · sign(β₁m + (1 - β₁)g)
/// m ← β₂m + (1 - β₂)g
/// ```
/// Updates have unit magnitude per element, so Lion wants a learning rate 3-10x smaller than AdamW's
/// (and a correspondingly larger weight decay).
public final class Lion: Optimizer {
    /// Lion's hyperparameters.
    public struct Options: Sendable, Equatable {
        /// Learning rate γ.
        public var learningRate: Double
        /// Interpolation β₁ between momentum and gradient for the update direction.
        public var beta1: Double
        /// Decay β₂ of the momentum.
        public var beta2: Double
        /// Decoupled weight decay λ.
        public var weightDecay: Double

        /// The authors' defaults unless given.
        public init(learningRate: Double = 1e-4, beta1: Double = 0.9, beta2: Double = 0.99, weightDecay: Double = 0) {
            self.learningRate = learningRate
            self.beta1 = beta1
            self.beta2 = beta2
            self.weightDecay = weightDecay
        }

        /// The options named in `hyperparameters`, defaults for the rest.
        public init(_ hyperparameters: Hyperparameters) {
            let d = Options()
            self.init(learningRate: hyperparameters[.learningRate] ?? d.learningRate, beta1: hyperparameters[.beta1] ?? d.beta1,
                      beta2: hyperparameters[.beta2] ?? d.beta2, weightDecay: hyperparameters[.weightDecay] ?? d.weightDecay)
        }

        /// The options by name.
        public var hyperparameters: Hyperparameters {
            [.learningRate: learningRate, .beta1: beta1, .beta2: beta2, .weightDecay: weightDecay]
        }
    }

    /// Lion over `parameters` (a module, parameters or groups) with default `options`.
    public init(_ parameters: some ParameterSource, options: Options) {
        super.init(parameters, defaults: options.hyperparameters)
    }

    /// Lion over `parameters` (a module, parameters or groups).
    public convenience init(_ parameters: some ParameterSource, learningRate: Double = 1e-4,
                            betas: (Double, Double) = (0.9, 0.99), weightDecay: Double = 0) {
        self.init(parameters, options: Options(learningRate: learningRate, beta1: betas.0, beta2: betas.1, weightDecay: weightDecay))
    }

    /// One Lion update of `parameter`: the new values and state (`exp_avg`).
    public static func update(parameter: Tensor, gradient: Tensor, state: OptimizerState,
                              options o: Options) -> (parameter: Tensor, state: OptimizerState) {
        var state = state
        state.step += 1
        let param = o.weightDecay != 0 ? parameter * (1 - o.learningRate * o.weightDecay) : parameter
        let m = state["exp_avg"] ?? Tensor.zeros(like: parameter)
        let direction = (m * o.beta1).adding(gradient, scaledBy: 1 - o.beta1).sign()
        state["exp_avg"] = (m * o.beta2).adding(gradient, scaledBy: 1 - o.beta2)
        return (param.adding(direction, scaledBy: -o.learningRate), state)
    }

    public override func makeUpdateRule(for options: Hyperparameters) -> UpdateRule {
        let o = Options(options)
        return { Lion.update(parameter: $0, gradient: $1, state: $2, options: o) }
    }

    public override func stateKeys(for options: Hyperparameters) -> [String] { ["exp_avg"] }

    public override func validate(_ options: Hyperparameters) -> String? {
        let o = Options(options)
        return checkNonNegative(o.learningRate, "learning rate") ?? checkUnitInterval(o.beta1, "beta1")
            ?? checkUnitInterval(o.beta2, "beta2") ?? checkNonNegative(o.weightDecay, "weight decay")
    }
}
