import Foundation
import Nabla
import NablaNN

/// Adam with optional AMSGrad, L2 weight decay and maximisation: PyTorch's `torch.optim.Adam`.
///
/// For a parameter θ with gradient g at step t (learning rate γ, betas β₁ β₂, weight decay λ):
/// ```
/// g ← maximize ? -g : g;   if λ ≠ 0: g ← g + λθ
/// m ← m + (1 - β₁)(g - m);   v ← β₂v + (1 - β₂)g²;   (AMSGrad: v̂ ← max(v̂, v), used for v below)
/// θ ← θ - (γ / (1 - β₁ᵗ)) · m / (√v / √(1 - β₂ᵗ) + ε)
/// ```
///
/// ```swift
/// let optimizer = Adam(model, learningRate: 1e-3)
/// ```
public final class Adam: Optimizer {
    /// Adam's (and AdamW's) hyperparameters.
    public struct Options: Sendable, Equatable {
        /// Learning rate γ.
        public var learningRate: Double
        /// Decay β₁ of the gradient average.
        public var beta1: Double
        /// Decay β₂ of the squared-gradient average.
        public var beta2: Double
        /// Added to the denominator for numerical stability.
        public var eps: Double
        /// Weight decay λ (an L2 term in the gradient for Adam; decoupled decay for AdamW).
        public var weightDecay: Double
        /// Use the running maximum of the second moment (AMSGrad).
        public var amsgrad: Bool
        /// Ascend the objective instead of descending.
        public var maximize: Bool

        /// PyTorch's Adam defaults unless given.
        public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8,
                    weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false) {
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
        public var hyperparameters: Hyperparameters {
            [.learningRate: learningRate, .beta1: beta1, .beta2: beta2, .eps: eps, .weightDecay: weightDecay,
             .amsgrad: amsgrad.hyperparameterValue, .maximize: maximize.hyperparameterValue]
        }

        /// Why the options are invalid, or nil.
        func problem() -> String? {
            checkNonNegative(learningRate, "learning rate") ?? checkNonNegative(eps, "epsilon")
                ?? checkUnitInterval(beta1, "beta1") ?? checkUnitInterval(beta2, "beta2")
                ?? checkNonNegative(weightDecay, "weight decay")
        }
    }

    /// Adam over `parameters` (a module, parameters or groups) with default `options`.
    public init(_ parameters: some ParameterSource, options: Options) {
        super.init(parameters, defaults: options.hyperparameters)
    }

    /// Adam over `parameters` (a module, parameters or groups).
    public convenience init(_ parameters: some ParameterSource, learningRate: Double = 1e-3,
                            betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 0,
                            amsgrad: Bool = false, maximize: Bool = false) {
        self.init(parameters, options: Options(learningRate: learningRate, beta1: betas.0, beta2: betas.1, eps: eps,
                                               weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize))
    }

    /// One Adam update of `parameter`: the new values and state (`exp_avg`, `exp_avg_sq`, and
    /// `max_exp_avg_sq` with AMSGrad).
    public static func update(parameter: Tensor, gradient: Tensor, state: OptimizerState,
                              options o: Options) -> (parameter: Tensor, state: OptimizerState) {
        adamUpdate(parameter: parameter, gradient: gradient, state: state, options: o, decoupledWeightDecay: false)
    }

    public override func makeUpdateRule(for options: Hyperparameters) -> UpdateRule {
        let o = Options(options)
        return { Adam.update(parameter: $0, gradient: $1, state: $2, options: o) }
    }

    public override func stateKeys(for options: Hyperparameters) -> [String] { adamStateKeys(Options(options)) }

    public override func validate(_ options: Hyperparameters) -> String? { Options(options).problem() }
}

/// The state tensors of Adam and AdamW.
func adamStateKeys(_ o: Adam.Options) -> [String] {
    o.amsgrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"]
}

/// Adam's step (PyTorch's `_single_tensor_adam`): with `decoupledWeightDecay` the weight decay
/// multiplies the parameter by `1 - lr * weightDecay` first (AdamW) instead of entering the gradient.
func adamUpdate(parameter: Tensor, gradient: Tensor, state: OptimizerState, options o: Adam.Options,
                decoupledWeightDecay: Bool) -> (parameter: Tensor, state: OptimizerState) {
    if let fused = fusedAdam(parameter: parameter, gradient: gradient, state: state, options: o,
                             decoupledWeightDecay: decoupledWeightDecay) {
        return fused
    }
    var param = parameter
    var g = o.maximize ? -gradient : gradient
    if o.weightDecay != 0 {
        if decoupledWeightDecay {
            param = param * (1 - o.learningRate * o.weightDecay)
        } else {
            g = g.adding(param, scaledBy: o.weightDecay)
        }
    }
    var state = state
    // Under a graph tracer the step count must be a tensor, so that replays see it advance
    // (PyTorch's "capturable" Adam); eager steps keep it as a Swift number.
    let capturing = Tracing.observer != nil
    let previousStep = capturing ? (state[OptimizerState.stepTensorKey] ?? Tensor(Double(state.step))) : nil
    state.step += 1
    let m = (state["exp_avg"] ?? Tensor.zeros(like: param)).lerp(to: g, weight: 1 - o.beta1)
    let v = ((state["exp_avg_sq"] ?? Tensor.zeros(like: param)) * o.beta2).addingProduct(g, g, scaledBy: 1 - o.beta2)
    state["exp_avg"] = m
    state["exp_avg_sq"] = v

    var second = v
    if o.amsgrad {
        second = maximum(state["max_exp_avg_sq"] ?? Tensor.zeros(like: param), v)
        state["max_exp_avg_sq"] = second
    }
    if let previousStep {
        // The same arithmetic with the step as a float64 tensor; scalars round to the parameter's dtype
        // exactly where the eager path's Double scalars do.
        let t = previousStep + 1
        state[OptimizerState.stepTensorKey] = t
        let biasCorrection1 = 1 - Tensor(o.beta1).pow(t)
        let biasCorrection2Sqrt = (1 - Tensor(o.beta2).pow(t)).sqrt()
        let negativeStepSize = (-(Tensor(o.learningRate) / biasCorrection1)).cast(to: param.dtype)
        let denominator = second.sqrt() / biasCorrection2Sqrt.cast(to: param.dtype) + o.eps
        return (param + (m * negativeStepSize) / denominator, state)
    }
    state[OptimizerState.stepTensorKey] = nil
    let t = Double(state.step)
    let biasCorrection1 = 1 - pow(o.beta1, t)
    let biasCorrection2 = 1 - pow(o.beta2, t)
    let stepSize = o.learningRate / biasCorrection1
    let biasCorrection2Sqrt = biasCorrection2.squareRoot()
    let denominator = second.sqrt() / biasCorrection2Sqrt + o.eps
    return (param.addingQuotient(m, denominator, scaledBy: -stepSize), state)
}

/// The same update through the core's one-pass kernel (`fusedAdamStep`), when it serves these
/// tensors; nil means use the composite above. AMSGrad and maximize always use the composite.
private func fusedAdam(parameter: Tensor, gradient: Tensor, state: OptimizerState, options o: Adam.Options,
                       decoupledWeightDecay: Bool) -> (parameter: Tensor, state: OptimizerState)? {
    guard !o.amsgrad, !o.maximize else { return nil }
    var state = state
    state.step += 1
    let t = Double(state.step)
    let scalars = AdamStepScalars(
        parameterScale: decoupledWeightDecay && o.weightDecay != 0 ? 1 - o.learningRate * o.weightDecay : 1,
        l2: decoupledWeightDecay ? 0 : o.weightDecay,
        firstMomentWeight: 1 - o.beta1, beta2: o.beta2,
        biasCorrection2Sqrt: (1 - pow(o.beta2, t)).squareRoot(), eps: o.eps,
        negativeStepSize: -(o.learningRate / (1 - pow(o.beta1, t))))
    guard let result = fusedAdamStep(parameter: parameter, gradient: gradient,
                                     expAvg: state["exp_avg"] ?? Tensor.zeros(like: parameter),
                                     expAvgSq: state["exp_avg_sq"] ?? Tensor.zeros(like: parameter), scalars) else { return nil }
    state["exp_avg"] = result.expAvg
    state["exp_avg_sq"] = result.expAvgSq
    state[OptimizerState.stepTensorKey] = nil
    return (result.parameter, state)
}
