/// Elementwise primitives: the unary, binary and ternary (`where`) families.
///
/// Each case knows its result dtype and its VJP; kernels live in `Backend/CPU/CPUElementwise.swift`.

/// One-input elementwise primitives.
public enum UnaryOp: String, Hashable, Sendable, CaseIterable {
    case neg, abs, sign, exp, log, log1p, expm1, sqrt, rsqrt, sin, cos, tanh, sigmoid, relu, erf
    case floor, ceil, round, isnan, isfinite, logicalNot

    /// True for ops whose result is floating point even for integer input (`exp`, `sqrt`, …).
    var producesFloat: Bool {
        switch self {
        case .exp, .log, .log1p, .expm1, .sqrt, .rsqrt, .sin, .cos, .tanh, .sigmoid, .erf: return true
        default: return false
        }
    }

    /// The dtype of `op(x)`.
    func resultType(_ input: DType) -> DType {
        switch self {
        case .isnan, .isfinite, .logicalNot: return .bool
        default: return producesFloat ? input.floatingResult : input
        }
    }

    var isDifferentiable: Bool {
        switch self {
        case .isnan, .isfinite, .logicalNot: return false
        default: return true
        }
    }

    /// Gradient of `op` for input `x` (output `y`) given the output gradient `g`.
    func vjp(_ node: Node, _ g: Tensor) -> [Tensor?] {
        let x = node.inputs[0], y = node.outputs[0]
        switch self {
        case .neg: return [-g]
        case .abs: return [g * x.sign()]
        case .sign, .floor, .ceil, .round: return [Tensor.zeros(like: x)]
        case .exp: return [g * y]
        case .log: return [g / x]
        case .log1p: return [g / (x + 1)]
        case .expm1: return [g * (y + 1)]
        case .sqrt: return [g * 0.5 / y]
        case .rsqrt: return [g * -0.5 * y * y * y]
        case .sin: return [g * x.cos()]
        case .cos: return [-(g * x.sin())]
        case .tanh: return [g * (1 - y * y)]
        case .sigmoid: return [g * y * (1 - y)]
        case .relu: return [applyBinary(.reluGrad, g, x, file: #fileID, line: #line)]
        case .erf: return [g * (2 / Double.pi.squareRoot()) * (-(x * x)).exp()]
        case .isnan, .isfinite, .logicalNot: return [nil]
        }
    }
}

/// Two-input elementwise primitives (with broadcasting).
public enum BinaryOp: String, Hashable, Sendable, CaseIterable {
    case add, sub, mul, div, pow, minimum, maximum
    /// `a` where `b > 0`, else 0: the gradient of relu (PyTorch's `threshold_backward`), one pass.
    case reluGrad
    case eq, ne, lt, le, gt, ge, logicalAnd, logicalOr

    /// True for comparisons and logical ops (bool result).
    var producesBool: Bool {
        switch self {
        case .eq, .ne, .lt, .le, .gt, .ge, .logicalAnd, .logicalOr: return true
        default: return false
        }
    }

    var isDifferentiable: Bool { !producesBool }

    /// The dtype both operands are converted to before the kernel runs.
    func operandType(_ a: DType, _ b: DType) -> DType {
        switch self {
        case .logicalAnd, .logicalOr: return .bool
        case .div: return DType.promote(a, b).floatingResult
        default: return DType.promote(a, b)
        }
    }

    /// The dtype of the result for operands of `operandType`.
    func resultType(_ operand: DType) -> DType { producesBool ? .bool : operand }

    /// Gradients for (a, b) given the output gradient `g`, summed back over broadcast axes.
    func vjp(_ node: Node, _ g: Tensor) -> [Tensor?] {
        let a = node.inputs[0], b = node.inputs[1], y = node.outputs[0]
        let ga: Tensor?, gb: Tensor?
        switch self {
        case .add: ga = g; gb = g
        case .sub: ga = g; gb = -g
        case .mul: ga = g * b; gb = g * a
        case .div: ga = g / b; gb = -(g * y / b)
        case .pow:
            ga = node.needsInputGrad[0] ? g * b * a.pow(b - 1) : nil
            gb = node.needsInputGrad[1] ? g * y * Tensor.where(a .> 0, a, Tensor.ones(like: a)).log() : nil
        case .reluGrad:
            // Linear in the gradient; piecewise constant (zero derivative) in the input.
            ga = applyBinary(.reluGrad, g, b, file: #fileID, line: #line); gb = nil
        case .minimum, .maximum:
            let takeA = self == .maximum ? (a .> b) : (a .< b)
            let tie = (a .== b).cast(to: g.dtype) * 0.5
            let wa = takeA.cast(to: g.dtype) + tie
            ga = g * wa
            gb = g * (1 - wa)
        default: return [nil, nil]
        }
        return [ga.map { $0.sumToShape(node.inputShapes[0]) }, gb.map { $0.sumToShape(node.inputShapes[1]) }]
    }
}

/// VJP of `where(condition, a, b)`.
func selectVJP(_ node: Node, _ g: Tensor) -> [Tensor?] {
    let condition = node.inputs[0]
    let zero = Tensor.zeros(like: g)
    return [nil,
            Tensor.where(condition, g, zero).sumToShape(node.inputShapes[1]),
            Tensor.where(condition, zero, g).sumToShape(node.inputShapes[2])]
}

// MARK: - Applying the primitives

/// Applies a unary primitive (dtype inference, kernel, tape).
func applyUnary(_ op: UnaryOp, _ x: Tensor) -> Tensor {
    let out = x.device.backend.unary(op, x, resultType: op.resultType(x.dtype))
    return shouldRecord(x) ? record(.unary(op), inputs: [x], output: out) : out
}

/// Applies a binary primitive with broadcasting and type promotion.
func applyBinary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, file: StaticString, line: UInt) -> Tensor {
    let shape: [Int]
    if a.layout.shape == b.layout.shape {
        shape = a.layout.shape
    } else if let s = Broadcast.shape(a.layout.shape, b.layout.shape) {
        shape = s
    } else {
        shapeFailure("\(op): shapes \(a.shape) and \(b.shape) cannot be broadcast together", file: file, line: line)
    }
    let operand = op.operandType(a.dtype, b.dtype)
    let ca = a.dtype == operand ? a : a.cast(to: operand)
    let cb = b.dtype == operand ? b : b.cast(to: operand)
    let out = a.device.backend.binary(op, ca, cb, shape: shape, resultType: op.resultType(operand))
    return shouldRecord(ca, cb) ? record(.binary(op), inputs: [ca, cb], output: out) : out
}

extension Tensor {
/// `condition ? a : b` elementwise, broadcasting all three (PyTorch's `torch.where`).
///
/// ```swift
/// let y = Tensor.where(x .> 0, x, Tensor.zeros(like: x))
/// ```
public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard let ab = Broadcast.shape(a.shape, b.shape), let shape = Broadcast.shape(condition.shape, ab) else {
        shapeFailure("where: shapes \(condition.shape), \(a.shape) and \(b.shape) cannot be broadcast together", file: file, line: line)
    }
    let dtype = DType.promote(a.dtype, b.dtype)
    let ca = a.dtype == dtype ? a : a.cast(to: dtype)
    let cb = b.dtype == dtype ? b : b.cast(to: dtype)
    let cond = condition.dtype == .bool ? condition : condition.cast(to: .bool)
    let out = a.device.backend.select(cond, ca, cb, shape: shape)
    return shouldRecord(ca, cb) ? record(.select, inputs: [cond, ca, cb], output: out) : out
}
}
