import Nabla

// Classification losses over class scores: crossEntropy and nllLoss (PyTorch's F.cross_entropy and
// F.nll_loss). Composites over exp, log, sum, gather and where, so autograd and tracing come for free.

/// Cross entropy between class scores (`logits`, unnormalised) and a target: PyTorch's `F.cross_entropy`.
///
/// The class axis of `logits` is axis 1 (`[N, C]` or `[N, C, d1, …]`), or axis 0 for one unbatched
/// sample `[C]`. The target is either
/// - **class indices**: an integer tensor shaped like `logits` without the class axis (`[N]`,
///   `[N, d1, …]` or `[]`), each in `0..<C` or equal to `ignoreIndex`. Ignored positions contribute 0
///   and are left out of the mean; or
/// - **class probabilities**: a floating-point tensor of the same shape as `logits`. The mean then
///   divides by the number of samples (`N·d1·…`), not by the weights, and `ignoreIndex` must stay negative.
///
/// With class `weight` ([C]) and class indices, each sample's loss is multiplied by `weight[target]`
/// and `.mean` divides by the sum of `weight[target]` over the non-ignored samples (a weighted mean).
/// `labelSmoothing` ε mixes the target with the uniform distribution: the loss is
/// `(1 - ε) · nll + ε/C · Σ_c -weight[c] · log p[c]`, where the smoothing term is also zero for
/// ignored samples and shares the weighted-mean denominator (exactly as PyTorch). For probability
/// targets the target itself becomes `(1 - ε) · target + ε/C`.
///
/// For class indices the log-softmax is computed once and stably (`logits - max - log Σ exp`), the
/// target entries are picked with `gather` (no one-hot matrix), and the full `[N, C]` log-probability
/// matrix is never formed: the training-step form `crossEntropy(logits, labels)` records 10 ops.
/// Targets outside `0..<C` that are not `ignoreIndex` are a programmer error: large ones trap in
/// `gather`, negative ones count from the end as in Python.
///
/// ```swift
/// let logits = Tensor.randn([64, 10]).requiringGrad()
/// let labels = Tensor.randint(0, 10, [64])
/// let loss = crossEntropy(logits, labels)                                  // 0-d mean
/// loss.backward()
/// let smoothed = crossEntropy(logits, labels, labelSmoothing: 0.1)
/// let perPixel = crossEntropy(Tensor.randn([2, 3, 4, 4]), Tensor.randint(0, 3, [2, 4, 4]), reduction: .none)   // [2, 4, 4]
/// ```
public func crossEntropy(_ logits: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                         reduction: Reduction = .mean, labelSmoothing: Double = 0,
                         file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard labelSmoothing >= 0 && labelSmoothing <= 1 else {
        lossFailure("crossEntropy: labelSmoothing must be in [0, 1], got \(labelSmoothing)", file: file, line: line)
    }
    let classAxis = checkClassScores("crossEntropy", logits, weight: weight, file: file, line: line)
    if target.shape == logits.shape {
        guard target.dtype.isFloatingPoint else {
            lossFailure("crossEntropy: a target shaped like the logits \(logits.shape) holds class probabilities and must be floating point, got \(target.dtype)", file: file, line: line)
        }
        guard ignoreIndex < 0 else {
            lossFailure("crossEntropy: ignoreIndex (\(ignoreIndex)) is not supported for class-probability targets", file: file, line: line)
        }
        return probabilityTargetLoss(logSoftmax(logits, axis: classAxis), target, classAxis: classAxis, weight: weight,
                                     reduction: reduction, labelSmoothing: labelSmoothing)
    }
    checkClassIndices("crossEntropy", logits, target, classAxis: classAxis, file: file, line: line)
    // log p = shifted - lse with shifted = logits - max and lse = log Σ exp(shifted), the stable
    // log-softmax. Only the target entries (and, with smoothing, the class sums) of log p are
    // needed, so the [N, C] log p itself is never formed: that saves one [N, C] pass forward and
    // one backward. (A row whose max is infinite gives NaN either way, as in PyTorch.)
    let shifted = logits - logits.detached().max(alongAxes: classAxis, keepingDims: true)
    let lse = shifted.exp().sum(alongAxes: classAxis, keepingDims: true).log()
    return classIndexLoss(ClassLogProbabilities(scores: shifted, logNormalizer: lse), target, classAxis: classAxis,
                          weight: weight, ignoreIndex: ignoreIndex, reduction: reduction, labelSmoothing: labelSmoothing)
}

/// Negative log-likelihood of class indices given log-probabilities: PyTorch's `F.nll_loss`.
///
/// `input` holds log-probabilities with the class axis at 1 (`[N, C]`, `[N, C, d1, …]`) or 0 (`[C]`);
/// `target` holds class indices shaped like `input` without the class axis. The loss of a sample is
/// `-weight[t] · input[n, t]` (0 when `t == ignoreIndex`); `.mean` divides by the sum of
/// `weight[t]` over the non-ignored samples. `crossEntropy(x, t)` is `nllLoss(logSoftmax(x, axis: 1), t)`.
///
/// ```swift
/// let logProbabilities = logSoftmax(Tensor.randn([8, 5]), axis: 1)
/// let loss = nllLoss(logProbabilities, Tensor([0, 4, 1, -100, 2, 2, 3, 0]))   // -100 is ignored
/// ```
public func nllLoss(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                    reduction: Reduction = .mean, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    let classAxis = checkClassScores("nllLoss", input, weight: weight, file: file, line: line)
    checkClassIndices("nllLoss", input, target, classAxis: classAxis, file: file, line: line)
    return classIndexLoss(ClassLogProbabilities(scores: input, logNormalizer: nil), target, classAxis: classAxis,
                          weight: weight, ignoreIndex: ignoreIndex, reduction: reduction, labelSmoothing: 0)
}

// MARK: - Shared implementation

/// Log-probabilities `scores - logNormalizer` (the normaliser broadcasts along the class axis; nil
/// when the scores are already log-probabilities), kept apart so that only the entries a loss needs
/// are ever combined.
struct ClassLogProbabilities {
    let scores: Tensor
    let logNormalizer: Tensor?
}

/// Loss for class-index targets, with optional class weights and label smoothing. Per-sample
/// tensors keep the class axis (size 1): gather needs it, and only `.none` has to remove it.
func classIndexLoss(_ logp: ClassLogProbabilities, _ target: Tensor, classAxis: Int, weight: Tensor?, ignoreIndex: Int,
                    reduction: Reduction, labelSmoothing: Double) -> Tensor {
    let scores = logp.scores
    let dtype = scores.dtype
    let index = target.cast(to: .int64).unsqueezed(axis: classAxis)
    let valid = index .!= lossScalar(Double(ignoreIndex), .int64)
    // Ignored positions read class 0 (always in range) and are then weighted by 0.
    let safeIndex = Tensor.where(valid, index, lossScalar(0, .int64))
    var picked = scores.gather(axis: classAxis, index: safeIndex)
    if let normalizer = logp.logNormalizer { picked = picked - normalizer }

    // sampleWeight = weight[t] (1 without class weights), 0 where ignored; its sum is the mean's denominator.
    let classWeight = weight.map { $0.dtype == dtype ? $0 : $0.cast(to: dtype) }
    let sampleWeight: Tensor
    let denominator: Tensor
    var loss: Tensor
    if let classWeight {
        let gathered = classWeight.gather(axis: 0, index: safeIndex.reshaped([-1])).reshaped(safeIndex.shape)
        sampleWeight = Tensor.where(valid, gathered, lossScalar(0, dtype))
        denominator = sampleWeight
        loss = picked * (labelSmoothing > 0 ? sampleWeight * -(1 - labelSmoothing) : -sampleWeight)
    } else {
        // One op gives the negated 0/1 weight; the count of valid samples is the denominator.
        sampleWeight = Tensor.where(valid, lossScalar(labelSmoothing > 0 ? labelSmoothing - 1 : -1, dtype), lossScalar(0, dtype))
        denominator = valid
        loss = picked * sampleWeight
    }
    if labelSmoothing > 0 {
        // Smoothing term: -Σ_c weight[c] · logp[c] per sample, zero where ignored, scaled by ε / C.
        // With a normaliser, Σ_c weight[c] · (scores[c] - lse) = Σ_c weight[c] · scores[c] - lse · Σ_c weight[c].
        let classes = scores.shape[classAxis]
        var classSum: Tensor
        if let classWeight {
            var shape = [Int](repeating: 1, count: scores.rank)
            shape[classAxis] = classes
            classSum = (scores * classWeight.reshaped(shape)).sum(alongAxes: classAxis, keepingDims: true)
            if let normalizer = logp.logNormalizer { classSum = classSum - normalizer * classWeight.sum() }
        } else {
            classSum = scores.sum(alongAxes: classAxis, keepingDims: true)
            if let normalizer = logp.logNormalizer { classSum = classSum - normalizer * Double(classes) }
        }
        let smoothScale = Tensor.where(valid, lossScalar(-labelSmoothing / Double(classes), dtype), lossScalar(0, dtype))
        loss = loss + classSum * smoothScale
    }
    switch reduction {
    case .none: return loss.squeezed(axis: classAxis)
    case .sum: return loss.sum()
    case .mean:
        // When every target is ignored the mean is 0/0 = NaN, as in PyTorch, and (as in PyTorch) the
        // gradient is 0 rather than NaN: the NaN comes from a constant branch of `where`.
        let total = denominator.sum().cast(to: dtype)
        let empty = total .== lossScalar(0, dtype)
        return Tensor.where(empty, lossScalar(.nan, dtype), loss.sum() / Tensor.where(empty, lossScalar(1, dtype), total))
    }
}

/// Cross entropy against class probabilities (PyTorch's soft-target path).
func probabilityTargetLoss(_ logp: Tensor, _ target: Tensor, classAxis: Int, weight: Tensor?, reduction: Reduction,
                           labelSmoothing: Double) -> Tensor {
    let classes = logp.shape[classAxis]
    var t = target
    if labelSmoothing > 0 { t = t * (1 - labelSmoothing) + labelSmoothing / Double(classes) }
    var terms = logp * t
    if let weight {
        var shape = [Int](repeating: 1, count: logp.rank)
        shape[classAxis] = classes
        terms = terms * weight.reshaped(shape)
    }
    switch reduction {
    case .none: return -terms.sum(alongAxes: classAxis)
    case .sum: return -terms.sum()
    // The number of samples: every position except the class axis.
    case .mean: return terms.sum() / -Double(logp.count / Swift.max(classes, 1))
    }
}

/// Validates class scores ([C], [N, C] or [N, C, d1, …]) and a class weight; returns the class axis.
func checkClassScores(_ op: String, _ scores: Tensor, weight: Tensor?, file: StaticString, line: UInt) -> Int {
    guard scores.rank >= 1, scores.dtype.isFloatingPoint else {
        lossFailure("\(op): expected floating-point scores [C], [N, C] or [N, C, d1, …], got \(scores.dtype) \(scores.shape)", file: file, line: line)
    }
    let classAxis = scores.rank == 1 ? 0 : 1
    if let weight, weight.shape != [scores.shape[classAxis]] || !weight.dtype.isFloatingPoint {
        lossFailure("\(op): weight must be a floating-point tensor of shape [\(scores.shape[classAxis])] (one per class of input \(scores.shape)), got \(weight.dtype) \(weight.shape)", file: file, line: line)
    }
    return classAxis
}

/// Validates class-index targets: integers shaped like the scores without the class axis.
func checkClassIndices(_ op: String, _ scores: Tensor, _ target: Tensor, classAxis: Int, file: StaticString, line: UInt) {
    var expected = scores.shape
    expected.remove(at: classAxis)
    guard target.shape == expected, target.dtype.isInteger else {
        lossFailure("\(op): class-index target must be an integer tensor of shape \(expected) for input \(scores.shape), got \(target.dtype) \(target.shape)", file: file, line: line)
    }
}
