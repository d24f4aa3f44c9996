import Nabla

/// The explicit state an optimizer keeps for one parameter: named tensors (Adam's `exp_avg`,
/// SGD's `momentum_buffer`, …) and the number of updates applied so far.
///
/// It is a value: an update rule receives the old state and returns a new one, so a state saved
/// with `Optimizer.stateDict()` never changes behind the caller's back.
public struct OptimizerState: Sendable {
    /// The number of updates applied to the parameter (0 before the first).
    public var step: Int
    /// The state tensors by PyTorch's names.
    public var tensors: [String: Tensor]

    /// A state with `step` updates and `tensors`.
    public init(step: Int = 0, tensors: [String: Tensor] = [:]) {
        self.step = step
        self.tensors = tensors
    }

    /// The tensor named `key`, if present.
    public subscript(key: String) -> Tensor? {
        get { tensors[key] }
        set { tensors[key] = newValue }
    }

    /// The key of the step count kept as a float64 tensor while a graph tracer records the update
    /// (so that a compiled step's replays advance it). Transient: not saved by `stateDict()`.
    public static let stepTensorKey = "step_tensor"

    /// True before the first update.
    public var isEmpty: Bool { step == 0 && tensors.isEmpty }
}
