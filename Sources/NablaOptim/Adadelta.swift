import Nabla
import NablaNN

/// Adadelta (Zeiler 2012): PyTorch's `torch.optim.Adadelta`.
///
/// For a parameter θ with gradient g (learning rate γ, decay ρ, weight decay λ):
/// ```
/// g ← maximize ? -g : g;   if λ ≠ 0: g ← g + λθ
/// v ← ρv + (1 - ρ)g²;   Δ ← √(u + ε) / √(v + ε) · g;   u ← ρu + (1 - ρ)Δ²
/// θ ← θ - γΔ
/// ```
public final class Adadelta: Optimizer {
    /// Adadelta's hyperparameters.
    public struct Options: Sendable, Equatable {
        /// Learning rate γ (scales the delta; 1 in the paper).
        public var learningRate: Double
        /// Decay ρ of the running averages.
        public var rho: Double
        /// Added inside the square roots for numerical stability.
        public var eps: Double
        /// L2 penalty λ.
        public var weightDecay: Double
        /// Ascend the objective instead of descending.
        public var maximize: Bool

        /// PyTorch's defaults unless given.
        public init(learningRate: Double = 1, rho: Double = 0.9, eps: Double = 1e-6, weightDecay: Double = 0,
                    maximize: Bool = false) {
            self.learningRate = learningRate
            self.rho = rho
            self.eps = eps
            self.weightDecay = weightDecay
            self.maximize = maximize
        }

        /// The options named in `hyperparameters`, defaults for the rest.
        public init(_ hyperparameters: Hyperparameters) {
            let d = Options()
            self.init(learningRate: hyperparameters[.learningRate] ?? d.learningRate, rho: hyperparameters[.rho] ?? d.rho,
                      eps: hyperparameters[.eps] ?? d.eps, weightDecay: hyperparameters[.weightDecay] ?? d.weightDecay,
                      maximize: (hyperparameters[.maximize] ?? 0) != 0)
        }

        /// The options by name.
        public var hyperparameters: Hyperparameters {
            [.learningRate: learningRate, .rho: rho, .eps: eps, .weightDecay: weightDecay,
             .maximize: maximize.hyperparameterValue]
        }
    }

    /// Adadelta over `parameters` (a module, parameters or groups) with default `options`.
    public init(_ parameters: some ParameterSource, options: Options) {
        super.init(parameters, defaults: options.hyperparameters)
    }

    /// Adadelta over `parameters` (a module, parameters or groups).
    public convenience init(_ parameters: some ParameterSource, learningRate: Double = 1, rho: Double = 0.9,
                            eps: Double = 1e-6, weightDecay: Double = 0, maximize: Bool = false) {
        self.init(parameters, options: Options(learningRate: learningRate, rho: rho, eps: eps, weightDecay: weightDecay,
                                               maximize: maximize))
    }

    /// One Adadelta update of `parameter`: the new values and state (`square_avg`, `acc_delta`).
    public static func update(parameter: Tensor, gradient: Tensor, state: OptimizerState,
                              options o: Options) -> (parameter: Tensor, state: OptimizerState) {
        var state = state
        state.step += 1
        let g = effectiveGradient(gradient, parameter: parameter, maximize: o.maximize, weightDecay: o.weightDecay)
        let squareAverage = ((state["square_avg"] ?? Tensor.zeros(like: parameter)) * o.rho)
            .addingProduct(g, g, scaledBy: 1 - o.rho)
        let accumulatedDelta = state["acc_delta"] ?? Tensor.zeros(like: parameter)
        let std = (squareAverage + o.eps).sqrt()
        let delta = (accumulatedDelta + o.eps).sqrt() / std * g
        state["square_avg"] = squareAverage
        state["acc_delta"] = (accumulatedDelta * o.rho).addingProduct(delta, delta, scaledBy: 1 - o.rho)
        return (parameter.adding(delta, scaledBy: -o.learningRate), state)
    }

    public override func makeUpdateRule(for options: Hyperparameters) -> UpdateRule {
        let o = Options(options)
        return { Adadelta.update(parameter: $0, gradient: $1, state: $2, options: o) }
    }

    public override func stateKeys(for options: Hyperparameters) -> [String] { ["square_avg", "acc_delta"] }

    public override func validate(_ options: Hyperparameters) -> String? {
        let o = Options(options)
        return checkNonNegative(o.learningRate, "learning rate") ?? checkNonNegative(o.eps, "epsilon")
            ?? checkNonNegative(o.weightDecay, "weight decay")
            ?? ((0...1).contains(o.rho) ? nil : "invalid rho: \(o.rho) (must be in [0, 1])")
    }
}
