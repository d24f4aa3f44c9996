import Nabla

/// Layer normalisation over the last `normalizedShape.count` axes (PyTorch's `F.layer_norm`):
/// `(x - mean) / √(var + eps) · weight + bias` with the biased variance; `weight` and `bias` have
/// shape `normalizedShape`. Runs as the core's `layerNorm` primitive (one fused pass each way for
/// float32 on the CPU); traces see its composite ops.
///
/// ```swift
/// let y = layerNorm(x, normalizedShape: [512], weight: gamma, bias: beta)
/// ```
public func layerNorm(_ x: Tensor, normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5,
                      file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    let k = normalizedShape.count
    guard k >= 1, k <= x.rank, Array(x.shape.suffix(k)) == normalizedShape,
          weight.map({ $0.shape == normalizedShape }) ?? true, bias.map({ $0.shape == normalizedShape }) ?? true else {
        fatalError("layerNorm: input \(x.shape) does not end in the normalized shape \(normalizedShape)"
                   + " (or weight \(weight?.shape ?? []) / bias \(bias?.shape ?? []) do not have that shape)", file: file, line: line)
    }
    return Nabla.layerNorm(x, normalizedAxes: k, weight: weight, bias: bias, eps: eps, file: file, line: line)
}

/// Group normalisation (PyTorch's `F.group_norm`): the channels of `x` [N, C, ...] are split into
/// `numGroups` groups, each normalised over its channels and all spatial positions (biased
/// variance), then scaled and shifted per channel by `weight` and `bias` [C].
public func groupNorm(_ x: Tensor, numGroups: Int, weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5,
                      file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard x.rank >= 2, numGroups >= 1, x.shape[1] % numGroups == 0 else {
        fatalError("groupNorm: input \(x.shape) cannot be split into \(numGroups) groups of channels (expected [N, C, ...] with C divisible by the groups)",
                   file: file, line: line)
    }
    let (n, c) = (x.shape[0], x.shape[1])
    guard weight.map({ $0.shape == [c] }) ?? true, bias.map({ $0.shape == [c] }) ?? true else {
        fatalError("groupNorm: weight \(weight?.shape ?? []) / bias \(bias?.shape ?? []) must have shape [\(c)]", file: file, line: line)
    }
    let groupSize = n * numGroups == 0 ? 0 : x.count / (n * numGroups)
    let normalized = Nabla.layerNorm(x.reshaped([n, numGroups, groupSize]), normalizedAxes: 1, eps: eps).reshaped(x.shape)
    let channelShape = [c] + [Int](repeating: 1, count: x.rank - 2)
    return affine(normalized, weight: weight?.reshaped(channelShape), bias: bias?.reshaped(channelShape))
}

/// Root-mean-square normalisation over the last `normalizedShape.count` axes (PyTorch's
/// `F.rms_norm`): `x / √(mean(x²) + eps) · weight`. `eps` defaults to the machine epsilon of the
/// input's dtype, as in PyTorch.
public func rmsNorm(_ x: Tensor, normalizedShape: [Int], weight: Tensor? = nil, eps: Double? = nil,
                    file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    let k = normalizedShape.count
    guard k >= 1, k <= x.rank, Array(x.shape.suffix(k)) == normalizedShape, weight.map({ $0.shape == normalizedShape }) ?? true else {
        fatalError("rmsNorm: input \(x.shape) does not end in the normalized shape \(normalizedShape)"
                   + " (or weight \(weight?.shape ?? []) does not have that shape)", file: file, line: line)
    }
    let axes = Array((x.rank - k)..<x.rank)
    let y = x * ((x * x).mean(alongAxes: axes, keepingDims: true) + (eps ?? machineEpsilon(x.dtype))).rsqrt()
    return weight.map { y * $0 } ?? y
}

/// Batch normalisation of `x` [N, C, ...] per channel (PyTorch's `F.batch_norm`).
///
/// With `training` (or without running statistics) it normalises with the batch's mean and biased
/// variance over every axis but 1; in training mode it then updates `runningMean` and `runningVar`
/// in place, without recording gradients: `running = (1 - momentum) · running + momentum · batch`,
/// using the unbiased variance. Otherwise it normalises with the running statistics. `weight` and
/// `bias` [C] scale and shift the result.
public func batchNorm(_ x: Tensor, runningMean: Buffer?, runningVar: Buffer?, weight: Tensor? = nil, bias: Tensor? = nil,
                      training: Bool, momentum: Double = 0.1, eps: Double = 1e-5,
                      file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard x.rank >= 2 else { fatalError("batchNorm: expected an input of shape [N, C, ...], got \(x.shape)", file: file, line: line) }
    let c = x.shape[1]
    for (name, t) in [("weight", weight), ("bias", bias), ("runningMean", runningMean?.value), ("runningVar", runningVar?.value)] {
        if let t, t.shape != [c] { fatalError("batchNorm: \(name) has shape \(t.shape), expected [\(c)] for input \(x.shape)", file: file, line: line) }
    }
    let statShape = [1, c] + [Int](repeating: 1, count: x.rank - 2)
    let normalized: Tensor
    if training || runningMean == nil || runningVar == nil {
        let axes = [0] + Array(2..<x.rank)
        let n = x.count / Swift.max(c, 1)
        if training && n <= 1 {
            fatalError("batchNorm: expected more than 1 value per channel when training, got input \(x.shape)", file: file, line: line)
        }
        let mean = x.mean(alongAxes: axes, keepingDims: true)
        let centered = x - mean
        let variance = (centered * centered).mean(alongAxes: axes, keepingDims: true)
        normalized = centered * (variance + eps).rsqrt()
        if training, let runningMean, let runningVar {
            withNoGrad {
                let batchMean = mean.detached().reshaped([c]).cast(to: runningMean.value.dtype)
                let unbiased = (variance.detached().reshaped([c]) * (Double(n) / Double(n - 1))).cast(to: runningVar.value.dtype)
                runningMean.value = runningMean.value * (1 - momentum) + batchMean * momentum
                runningVar.value = runningVar.value * (1 - momentum) + unbiased * momentum
            }
        }
    } else {
        let mean = runningMean!.value.reshaped(statShape), variance = runningVar!.value.reshaped(statShape)
        normalized = (x - mean) * (variance + eps).rsqrt()
    }
    return affine(normalized, weight: weight?.reshaped(statShape), bias: bias?.reshaped(statShape))
}

/// `x · weight + bias`, skipping missing terms.
private func affine(_ x: Tensor, weight: Tensor?, bias: Tensor?) -> Tensor {
    var y = x
    if let weight { y = y * weight }
    if let bias { y = y + bias }
    return y
}

/// The machine epsilon of a floating-point dtype (`torch.finfo(dtype).eps`).
func machineEpsilon(_ dtype: DType) -> Double {
    switch dtype {
    case .float64: return Double.ulpOfOne
    case .float16: return 0.0009765625
    case .bfloat16: return 0.0078125
    default: return Double(Float.ulpOfOne)
    }
}
