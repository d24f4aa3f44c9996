import Nabla

// Binary cross entropy on probabilities and on logits (PyTorch's F.binary_cross_entropy and
// F.binary_cross_entropy_with_logits).

/// Binary cross entropy between probabilities `input` (in [0, 1]) and targets of the same shape:
/// `-weight · (target · log(input) + (1 - target) · log(1 - input))` (PyTorch's `F.binary_cross_entropy`).
///
/// Both logarithms are clamped at -100, as in PyTorch, so an input of exactly 0 or 1 gives a finite
/// loss. The gradient is the derivative of that clamped function (a clamped term contributes none).
/// PyTorch's hand-written backward, `weight · (input - target) / max(input · (1 - input), 1e-12)`,
/// agrees with it wherever `input · (1 - input) ≥ 1e-12`; closer to 0 or 1 (within 1e-12 of 0, or
/// exactly 1 in float32) PyTorch's value is set by the 1e-12 floor instead. `weight` broadcasts to
/// the input's shape. Inputs outside [0, 1] are not checked (they give NaN). Prefer
/// `binaryCrossEntropyWithLogits` on raw scores: it is more stable than `sigmoid` followed by this loss.
///
/// ```swift
/// let probabilities = sigmoid(Tensor.randn([4, 3])).requiringGrad()
/// let labels = Tensor.bernoulli([4, 3], p: 0.5)
/// let loss = binaryCrossEntropy(probabilities, labels)
/// ```
public func binaryCrossEntropy(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean,
                               file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard input.shape == target.shape else {
        lossFailure("binaryCrossEntropy: target \(target.shape) must have the shape of the input \(input.shape)", file: file, line: line)
    }
    if let weight { checkLossOperands("binaryCrossEntropy", weight, "weight", input, "input", file: file, line: line) }
    let dtype = input.dtype.isFloatingPoint ? input.dtype : .float32
    let x = input.cast(to: dtype)
    let floor = lossScalar(-100, dtype)
    // log(x) where it is above -100, else -100. The inner `where` keeps log away from 0 so that no
    // 0 · ∞ reaches the gradient; the clamp catches subnormal inputs whose log is below -100.
    let positive = x .> lossScalar(0, dtype)
    let logX = Tensor.where(positive, Tensor.where(positive, x, lossScalar(1, dtype)).log().maximum(floor), floor)
    let belowOne = x .< lossScalar(1, dtype)
    let negX = -x
    let log1mX = Tensor.where(belowOne, Tensor.where(belowOne, negX, lossScalar(0, dtype)).log1p().maximum(floor), floor)
    var loss = (target - 1) * log1mX - target * logX
    if let weight { loss = loss * weight }
    return reduction.apply(loss)
}

/// Binary cross entropy on raw scores (logits), fused with the sigmoid in a numerically stable form
/// (PyTorch's `F.binary_cross_entropy_with_logits`):
/// `weight · ((1 - target) · x - (1 + (posWeight - 1) · target) · log σ(x))`, with
/// `log σ(x) = min(x, 0) - log(1 + e^-|x|)`, exact for logits of any size (±100 included).
///
/// `weight` broadcasts to the input's shape; `posWeight` weighs the positive term and broadcasts
/// along the last axis (one value per class, as in PyTorch: `posWeight > 1` raises recall). The
/// arguments come in PyTorch's order (`posWeight` after `reduction`).
///
/// ```swift
/// let logits = Tensor.randn([32, 5]).requiringGrad()
/// let labels = Tensor.bernoulli([32, 5], p: 0.2)
/// let loss = binaryCrossEntropyWithLogits(logits, labels, posWeight: Tensor.full([5], value: 4))
/// loss.backward()
/// ```
public func binaryCrossEntropyWithLogits(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean,
                                         posWeight: Tensor? = nil, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard input.shape == target.shape else {
        lossFailure("binaryCrossEntropyWithLogits: target \(target.shape) must have the shape of the input \(input.shape)", file: file, line: line)
    }
    if let weight { checkLossOperands("binaryCrossEntropyWithLogits", weight, "weight", input, "input", file: file, line: line) }
    if let posWeight { checkLossOperands("binaryCrossEntropyWithLogits", posWeight, "posWeight", input, "input", file: file, line: line) }
    let dtype = input.dtype.isFloatingPoint ? input.dtype : .float32
    let x = input.cast(to: dtype)
    // `minimum` splits a tie at x = 0 evenly, which gives log σ its exact slope 1/2 there.
    let logSigmoid = x.minimum(lossScalar(0, dtype)) - (-x.abs()).exp().log1p()
    var loss: Tensor
    if let posWeight {
        loss = (1 - target) * x - ((posWeight - 1) * target + 1) * logSigmoid
    } else {
        loss = (1 - target) * x - logSigmoid
    }
    if let weight { loss = loss * weight }
    return reduction.apply(loss)
}
