/// The primitives: the small set of operations that have a kernel per backend and a gradient rule.
///
/// Everything else (softmax, layerNorm, gelu, crossEntropy, …) is a composite: a Swift function over
/// other ops that gets autograd and tracing for free. A primitive's attributes are part of the
/// case, so a `Primitive` is hashable (for CSE) and serialisable. Each family's file in
/// `Primitives/` holds its shape inference and VJP; its forward kernel lives in the backend's file
/// for the same family.
public enum Primitive: Hashable, Sendable, CustomStringConvertible {
    /// Elementwise one-input ops (`Elementwise.swift`).
    case unary(UnaryOp)
    /// Elementwise two-input ops with broadcasting (`Elementwise.swift`).
    case binary(BinaryOp)
    /// `where(condition, a, b)` (`Elementwise.swift`).
    case select
    /// Reduction over `axes` (`Reduction.swift`).
    case reduce(ReduceOp, axes: [Int], keepDims: Bool)
    /// Index of the largest/smallest element along one axis (`Reduction.swift`).
    case argReduce(ArgReduceOp, axis: Int, keepDims: Bool)
    /// Inclusive prefix sum along an axis (`Reduction.swift`).
    case cumsum(axis: Int)
    /// Batched, broadcasting matrix product of two tensors of rank ≥ 2 (`Matmul.swift`).
    case matmul
    /// `matmul` of the first two inputs plus the third, [N], added to every row (`matmul(_:_:bias:)`, `Matmul.swift`).
    case biasedMatmul
    /// Conversion to another dtype (`Cast.swift`).
    case cast(DType)
    /// A dense row-major copy (`Movement.swift`).
    case contiguous
    /// A new shape with the same elements (`Movement.swift`).
    case reshape([Int])
    /// A reordering of the axes (`Movement.swift`).
    case permute([Int])
    /// Broadcasting to a larger shape without copying (`Movement.swift`).
    case expand([Int])
    /// `start..<end` by `step` along one axis (`Movement.swift`).
    case slice(axis: Int, start: Int, end: Int, step: Int)
    /// Padding before and after each axis (`Movement.swift`).
    case pad(before: [Int], after: [Int], mode: PadMode, value: Double)
    /// Reversal along axes (`Movement.swift`).
    case flip(axes: [Int])
    /// Joining tensors along an axis (`Movement.swift`).
    case concat(axis: Int)
    /// `out[i][j] = x[i][index[i][j]]` along an axis (`Indexing.swift`).
    case gather(axis: Int)
    /// Writes (or adds) `source` into a copy of `x` at `index` along an axis (`Indexing.swift`).
    case scatter(axis: Int, accumulate: Bool)
    /// Sorted values and their indices along an axis (`Indexing.swift`).
    case sort(axis: Int, descending: Bool)
    /// 2-D convolution of NCHW input with OIHW weight and optional bias (`Convolution.swift`).
    case conv2d(Conv2dAttributes)
    /// The gradient of `conv2d` with respect to its input: a transposed convolution (`Convolution.swift`).
    case conv2dBackwardData(Conv2dAttributes, inputShape: [Int])
    /// The gradient of `conv2d` with respect to its weight (`Convolution.swift`).
    case conv2dBackwardWeight(Conv2dAttributes, weightShape: [Int])
    /// 2-D max pooling (`Pooling.swift`).
    case maxPool2d(Pool2dAttributes)
    /// Gradient of max pooling, from (input, gradOutput) (`Pooling.swift`).
    case maxPool2dBackward(Pool2dAttributes)
    /// 2-D average pooling (`Pooling.swift`).
    case avgPool2d(Pool2dAttributes)
    /// Gradient of average pooling, from gradOutput (`Pooling.swift`).
    case avgPool2dBackward(Pool2dAttributes, inputShape: [Int])
    /// The LSTM cell's pointwise step (`lstmCellPointwise`): inputs gates [..., 4H] and cell [..., H],
    /// outputs h' and c' [..., H].
    case lstmCell
    /// A whole LSTM layer direction over time (`lstmSequence`): inputs projection, h0, c0, W_hh;
    /// outputs the hidden states, the last cell state, and (for backward) the gate activations and cell states.
    case lstmSequence(reverse: Bool)
    /// A whole GRU layer direction over time (`gruSequence`): inputs projection, h0, W_hh, b_hh; outputs
    /// the hidden states and (for backward) the gate activations and the hidden product's n part.
    case gruSequence(reverse: Bool)
    /// The exact (erf) GELU (`gelu(_:)`), one input and one output of its shape.
    case gelu
    /// Softmax over the last axis with all -∞ rows giving zeros (`safeSoftmax(_:)`).
    case softmax
    /// Layer normalisation over the last axis (`layerNorm(_:normalizedAxes:weight:bias:eps:)`): inputs x [..., d],
    /// weight [d] and bias [d], one output of x's shape.
    case layerNorm(eps: Double)
    /// Scaled dot-product attention, fused (`fusedAttention(query:key:value:additiveMask:isCausal:scale:)`):
    /// inputs query [..., L, E], key [..., S, E], value [..., S, Ev] and, when given, the additive mask
    /// [..., L, S], all at one batch shape; outputs the attention [..., L, Ev] and (for backward) log Σ exp
    /// of each query row's scores [..., L].
    case attention(scale: Double, causal: Bool)
    /// The `softmax` row kernel's backward (recorded by traces; no gradient of its own): inputs the
    /// softmax output and its gradient, one output.
    case softmaxBackward
    /// The `layerNorm` row kernel's backward (recorded by traces; no gradient of its own): inputs x,
    /// weight and the output's gradient; outputs the gradients of x, weight and bias.
    case layerNormBackward(eps: Double)
    /// The fused attention's backward kernel (recorded by traces; no gradient of its own): inputs query,
    /// key, value, the mask when there is one, the attention output, its log Σ exp and the output's
    /// gradient; outputs the gradients of query, key and value.
    case attentionBackward(scale: Double, causal: Bool)

    /// A short name for errors, profiles and printed graphs.
    public var description: String {
        switch self {
        case let .unary(op): return "\(op)"
        case let .binary(op): return "\(op)"
        case .select: return "where"
        case let .reduce(op, axes, keep): return "\(op)(axes: \(axes), keepDims: \(keep))"
        case let .argReduce(op, axis, keep): return "\(op)(axis: \(axis), keepDims: \(keep))"
        case let .cumsum(axis): return "cumsum(axis: \(axis))"
        case .matmul: return "matmul"
        case .biasedMatmul: return "biasedMatmul"
        case let .cast(dtype): return "cast(\(dtype))"
        case .contiguous: return "contiguous"
        case let .reshape(shape): return "reshape(\(shape))"
        case let .permute(order): return "permute(\(order))"
        case let .expand(shape): return "expand(\(shape))"
        case let .slice(axis, start, end, step): return "slice(axis: \(axis), \(start)..<\(end) by \(step))"
        case let .pad(before, after, mode, _): return "pad(\(mode), before: \(before), after: \(after))"
        case let .flip(axes): return "flip(\(axes))"
        case let .concat(axis): return "concat(axis: \(axis))"
        case let .gather(axis): return "gather(axis: \(axis))"
        case let .scatter(axis, acc): return acc ? "scatterAdd(axis: \(axis))" : "scatter(axis: \(axis))"
        case let .sort(axis, desc): return "sort(axis: \(axis), descending: \(desc))"
        case .conv2d: return "conv2d"
        case .conv2dBackwardData: return "conv2dBackwardData"
        case .conv2dBackwardWeight: return "conv2dBackwardWeight"
        case .maxPool2d: return "maxPool2d"
        case .maxPool2dBackward: return "maxPool2dBackward"
        case .avgPool2d: return "avgPool2d"
        case .avgPool2dBackward: return "avgPool2dBackward"
        case .lstmCell: return "lstmCell"
        case let .lstmSequence(reverse): return reverse ? "lstmSequence(reverse)" : "lstmSequence"
        case let .gruSequence(reverse): return reverse ? "gruSequence(reverse)" : "gruSequence"
        case .gelu: return "gelu"
        case .softmax: return "softmax"
        case let .layerNorm(eps): return "layerNorm(eps: \(eps))"
        case let .attention(scale, causal): return "attention(scale: \(scale)\(causal ? ", causal" : ""))"
        case .softmaxBackward: return "softmaxBackward"
        case let .layerNormBackward(eps): return "layerNormBackward(eps: \(eps))"
        case let .attentionBackward(scale, causal): return "attentionBackward(scale: \(scale)\(causal ? ", causal" : ""))"
        }
    }
}

/// How `pad` fills the new border.
public enum PadMode: String, Hashable, Sendable {
    /// A constant value.
    case constant
    /// Mirror without repeating the edge (`[1,2,3]` padded by 2 → `[3,2,1,2,3,2,1]`).
    case reflect
}
