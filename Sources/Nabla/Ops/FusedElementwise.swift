/// One operation of a fused elementwise program: registers `0..<inputs.count` are the inputs, step
/// `k` writes register `inputs.count + k`.
public enum ElementwiseStep: Hashable, Sendable {
    /// `op(register)`.
    case unary(UnaryOp, Int)
    /// `op(register, register)`.
    case binary(BinaryOp, Int, Int)

    /// Whether the fused kernel runs this step (float32 in, float32 out).
    public var isFusible: Bool {
        switch self {
        case let .unary(op, _): return ![.isnan, .isfinite, .logicalNot].contains(op)
        case let .binary(op, _, _): return [.add, .sub, .mul, .div, .pow, .minimum, .maximum, .reluGrad].contains(op)
        }
    }
}

/// Runs a straight-line program of elementwise ops in one pass over the data, tile by tile, giving
/// the same values as running the ops one after another (the same kernels, in the same order).
///
/// Returns nil when the fused kernel cannot serve the program (another device, a dtype other than
/// float32, an input that is neither `shape` nor a single element, a bool-valued step); run the ops
/// one by one then. Not recorded on the tape: use it for inference and compiled graphs.
///
/// ```swift
/// // relu(x * w + b) in one pass
/// let y = fusedElementwise([.binary(.mul, 0, 1), .binary(.add, 3, 2), .unary(.relu, 4)], inputs: [x, w, b], outputs: [5], shape: x.shape)
/// ```
public func fusedElementwise(_ steps: [ElementwiseStep], inputs: [Tensor], outputs: [Int], shape: [Int]) -> [Tensor]? {
    let count = shape.reduce(1, *)
    guard steps.allSatisfy(\.isFusible),
          inputs.allSatisfy({ $0.dtype == .float32 && $0.device == .cpu && ($0.shape == shape || $0.count == 1) }),
          outputs.allSatisfy({ $0 >= 0 && $0 < inputs.count + steps.count }) else { return nil }
    for (k, step) in steps.enumerated() {
        switch step {
        case let .unary(_, a): if a >= inputs.count + k { return nil }
        case let .binary(_, a, b): if a >= inputs.count + k || b >= inputs.count + k { return nil }
        }
    }
    let dense = inputs.map { $0.count == 1 || $0.isContiguous ? $0 : $0.contiguous() }
    _ = count
    return CPUBackend.shared.fusedElementwise(steps, inputs: dense, outputs: outputs, shape: shape)
}
