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
/// - Parameters:
///   - broadcasting: also accept the inputs `FusedOperandLayout` describes: broadcasts along
///     leading axes (a `[N]` bias over `[B, N]`), along trailing axes (a `[B, 1]` row maximum over
///     `[B, N]`), or both around one stretch of axes (`[T, 1]` over `[B, T, D]`).
///   - destinations: for output `i`, a dense float32 tensor of `shape`'s element count to write into
///     instead of a new tensor (nil: a new one). It may be one of `inputs` (the program then runs in
///     place; the kernel orders the writes so every step still reads the old values). The caller
///     guarantees that nothing else reads a destination. A destination the kernel cannot use (wrong
///     size, partly overlapping an input) is ignored.
///
/// ```swift
/// // relu(x * w + b) in one pass
/// let y = fusedElementwise([.binary(.mul, 0, 1), .binary(.add, 3, 2), .unary(.relu, 4)], inputs: [x, w, b], outputs: [5], shape: x.shape)
/// ```
public func fusedElementwise(_ steps: [ElementwiseStep], inputs: [Tensor], outputs: [Int], shape: [Int],
                             broadcasting: Bool = false, destinations: [Tensor?] = []) -> [Tensor]? {
    guard steps.allSatisfy(\.isFusible),
          outputs.allSatisfy({ $0 >= 0 && $0 < inputs.count + steps.count }) else { return nil }
    var layouts: [FusedOperandLayout] = []
    layouts.reserveCapacity(inputs.count)
    for input in inputs {
        guard input.dtype == .float32, input.device == .cpu, let layout = FusedOperandLayout(input.shape, in: shape),
              broadcasting || input.count == 1 || input.shape == shape else { return nil }
        layouts.append(layout)
    }
    for (k, step) in steps.enumerated() {
        switch step {
        case let .unary(_, a): if a >= inputs.count + k { return nil }
        case let .binary(_, a, b): if a >= inputs.count + k || b >= inputs.count + k { return nil }
        }
    }
    let dense = inputs.map { $0.count == 1 || $0.isContiguous ? $0 : $0.contiguous() }
    return CPUBackend.shared.fusedElementwise(steps, inputs: dense, layouts: layouts, outputs: outputs, shape: shape,
                                              destinations: destinations)
}

/// How an operand is read by a fused program of a larger shape: element `i` of the program reads
/// element `(i / repeatCount) % period` of the dense operand. The operand's shape, aligned to the
/// right of the program's, must be 1 outside one stretch of axes and equal to the program's inside
/// it: the same shape (repeat 1, period the element count), a single element (1, 1), a row
/// broadcast such as `[N]` or `[1, N]` over `[B, N]` (1, N), a column broadcast such as `[B, 1]`
/// over `[B, N]` (N, B), or `[T, 1]` over `[B, T, D]` (D, T).
public struct FusedOperandLayout: Hashable, Sendable {
    /// How many consecutive program elements read the same operand element.
    public var repeatCount: Int
    /// How many operand elements are read before the pattern starts again (the operand's count).
    public var period: Int

    /// The layout of an operand of shape `operand` in a program of shape `shape`, or nil when the
    /// fused kernel cannot read it that way.
    public init?(_ operand: [Int], in shape: [Int]) {
        let count = operand.reduce(1, *)
        if count == 1 { repeatCount = 1; period = 1; return }
        guard operand.count <= shape.count else { return nil }
        let aligned = Array(repeating: 1, count: shape.count - operand.count) + operand
        guard let first = aligned.firstIndex(where: { $0 != 1 }), let last = aligned.lastIndex(where: { $0 != 1 }),
              Array(aligned[first...last]) == Array(shape[first...last]) else { return nil }
        repeatCount = shape[(last + 1)...].reduce(1, *)
        period = count
    }
}

extension Tensor {
    /// Whether this tensor value holds the only reference to its storage (no other tensor, view or
    /// copy shares it), so its memory may be overwritten without anyone noticing. Graph executors use
    /// it to check an in-place plan at run time.
    public mutating func hasUniqueStorage() -> Bool { isKnownUniquelyReferenced(&storage) }
}
