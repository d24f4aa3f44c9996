import Nabla
import NablaNN

/// Stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay and
/// maximisation: PyTorch's `torch.optim.SGD`.
///
/// For a parameter θ with gradient g, learning rate γ, momentum μ, dampening τ and weight decay λ:
/// ```
/// g ← maximize ? -g : g;   if λ ≠ 0: g ← g + λθ
/// if μ ≠ 0:  b ← (first step) ? g : μb + (1 - τ)g;   g ← nesterov ? g + μb : b
/// θ ← θ - γg
/// ```
///
/// ```swift
/// let optimizer = SGD(model, learningRate: 0.1, momentum: 0.9, nesterov: true)
/// ```
public final class SGD: Optimizer {
    /// SGD's hyperparameters.
    public struct Options: Sendable, Equatable {
        /// Learning rate γ.
        public var learningRate: Double
        /// Momentum factor μ (0 = plain SGD).
        public var momentum: Double
        /// Dampening τ of the momentum.
        public var dampening: Double
        /// L2 penalty λ.
        public var weightDecay: Double
        /// Nesterov momentum (needs μ > 0 and τ = 0).
        public var nesterov: Bool
        /// Ascend the objective instead of descending.
        public var maximize: Bool

        /// PyTorch's defaults unless given.
        public init(learningRate: Double = 1e-3, momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0,
                    nesterov: Bool = false, maximize: Bool = false) {
            self.learningRate = learningRate
            self.momentum = momentum
            self.dampening = dampening
            self.weightDecay = weightDecay
            self.nesterov = nesterov
            self.maximize = maximize
        }

        /// The options named in `hyperparameters`, defaults for the rest.
        public init(_ hyperparameters: Hyperparameters) {
            let d = Options()
            self.init(learningRate: hyperparameters[.learningRate] ?? d.learningRate,
                      momentum: hyperparameters[.momentum] ?? d.momentum,
                      dampening: hyperparameters[.dampening] ?? d.dampening,
                      weightDecay: hyperparameters[.weightDecay] ?? d.weightDecay,
                      nesterov: (hyperparameters[.nesterov] ?? 0) != 0,
                      maximize: (hyperparameters[.maximize] ?? 0) != 0)
        }

        /// The options by name.
        public var hyperparameters: Hyperparameters {
            [.learningRate: learningRate, .momentum: momentum, .dampening: dampening, .weightDecay: weightDecay,
             .nesterov: nesterov.hyperparameterValue, .maximize: maximize.hyperparameterValue]
        }
    }

    /// SGD over `parameters` (a module, parameters or groups) with default `options`.
    public init(_ parameters: some ParameterSource, options: Options) {
        super.init(parameters, defaults: options.hyperparameters)
    }

    /// SGD over `parameters` (a module, parameters or groups).
    public convenience init(_ parameters: some ParameterSource, learningRate: Double = 1e-3, momentum: Double = 0,
                            dampening: Double = 0, weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false) {
        self.init(parameters, options: Options(learningRate: learningRate, momentum: momentum, dampening: dampening,
                                               weightDecay: weightDecay, nesterov: nesterov, maximize: maximize))
    }

    /// One SGD update of `parameter`: the new values and state (`momentum_buffer` when μ ≠ 0).
    public static func update(parameter: Tensor, gradient: Tensor, state: OptimizerState,
                              options o: Options) -> (parameter: Tensor, state: OptimizerState) {
        var g = effectiveGradient(gradient, parameter: parameter, maximize: o.maximize, weightDecay: o.weightDecay)
        var state = state
        state.step += 1
        if o.momentum != 0 {
            let buffer: Tensor
            if let b = state["momentum_buffer"] {
                buffer = (b * o.momentum).adding(g, scaledBy: 1 - o.dampening)
            } else {
                buffer = g
            }
            state["momentum_buffer"] = buffer
            g = o.nesterov ? g.adding(buffer, scaledBy: o.momentum) : buffer
        }
        return (parameter.adding(g, scaledBy: -o.learningRate), state)
    }

    public override func makeUpdateRule(for options: Hyperparameters) -> UpdateRule {
        let o = Options(options)
        return { SGD.update(parameter: $0, gradient: $1, state: $2, options: o) }
    }

    public override func stateKeys(for options: Hyperparameters) -> [String] {
        Options(options).momentum != 0 ? ["momentum_buffer"] : []
    }

    public override func validate(_ options: Hyperparameters) -> String? {
        let o = Options(options)
        if let p = checkNonNegative(o.learningRate, "learning rate") ?? checkNonNegative(o.momentum, "momentum")
            ?? checkNonNegative(o.weightDecay, "weight decay") { return p }
        if o.nesterov && (o.momentum <= 0 || o.dampening != 0) { return "Nesterov momentum requires a momentum and zero dampening" }
        return nil
    }
}
