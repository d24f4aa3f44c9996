import Nabla

// Regression losses on the difference between a prediction and a target: mseLoss, l1Loss,
// smoothL1Loss and huberLoss (PyTorch's F.mse_loss, F.l1_loss, F.smooth_l1_loss, F.huber_loss).
// `input` and `target` broadcast together (PyTorch warns when their shapes differ; Nabla allows it).

/// Mean squared error: the reduction of `(input - target)²` (PyTorch's `F.mse_loss`).
///
/// ```swift
/// let prediction = Tensor.randn([16, 1]).requiringGrad()
/// let loss = mseLoss(prediction, Tensor.zeros([16, 1]))   // mean of the squares
/// loss.backward()                                         // grad = 2 (prediction - 0) / 16
/// ```
public func mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean,
                    file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    checkLossOperands("mseLoss", input, "input", target, "target", file: file, line: line)
    let d = input - target
    return reduction.apply(d * d)
}

/// Mean absolute error: the reduction of `|input - target|` (PyTorch's `F.l1_loss`). The gradient
/// at `input == target` is 0.
///
/// ```swift
/// let loss = l1Loss(Tensor([1, 2, 3] as [Float]), Tensor([1, 0, 5] as [Float]))   // (0 + 2 + 2) / 3
/// ```
public func l1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean,
                   file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    checkLossOperands("l1Loss", input, "input", target, "target", file: file, line: line)
    return reduction.apply((input - target).abs())
}

/// Smooth L1 loss (PyTorch's `F.smooth_l1_loss`): with `d = |input - target|`,
/// `0.5 d² / beta` where `d < beta`, else `d - 0.5 beta`. `beta == 0` is the L1 loss.
///
/// ```swift
/// let boxes = Tensor.randn([8, 4]).requiringGrad()
/// let loss = smoothL1Loss(boxes, Tensor.zeros([8, 4]), beta: 0.5)
/// ```
public func smoothL1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, beta: Double = 1,
                         file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard beta >= 0 else { lossFailure("smoothL1Loss: beta must not be negative, got \(beta)", file: file, line: line) }
    checkLossOperands("smoothL1Loss", input, "input", target, "target", file: file, line: line)
    let d = input - target
    let a = d.abs()
    if beta == 0 { return reduction.apply(a) }
    return reduction.apply(Tensor.where(a .< beta, d * d * (0.5 / beta), a - 0.5 * beta))
}

/// Huber loss (PyTorch's `F.huber_loss`): with `d = |input - target|`, `0.5 d²` where `d < delta`,
/// else `delta · (d - 0.5 delta)`. Equals `delta · smoothL1Loss(beta: delta)`.
///
/// ```swift
/// let loss = huberLoss(Tensor([0.5, 3] as [Float]), Tensor([0, 0] as [Float]), delta: 1)   // (0.125 + 2.5) / 2
/// ```
public func huberLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, delta: Double = 1,
                      file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard delta > 0 else { lossFailure("huberLoss: delta must be positive, got \(delta)", file: file, line: line) }
    checkLossOperands("huberLoss", input, "input", target, "target", file: file, line: line)
    let d = input - target
    let a = d.abs()
    return reduction.apply(Tensor.where(a .< delta, d * d * 0.5, (a - 0.5 * delta) * delta))
}
