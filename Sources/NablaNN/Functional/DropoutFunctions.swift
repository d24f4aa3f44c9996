import Nabla

/// Zeroes each element with probability `p` and scales the survivors by 1/(1-p) ("inverted"
/// dropout, PyTorch's `F.dropout`), so the expected value is unchanged; the identity when
/// `training` is false or `p` is 0.
///
/// ```swift
/// let h = dropout(relu(fc1(x)), p: 0.5, training: model.isTraining)
/// ```
public func dropout(_ x: Tensor, p: Double = 0.5, training: Bool = true, generator: Generator? = nil,
                    file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    precondition(p >= 0 && p <= 1, "dropout: probability has to be between 0 and 1, but got \(p)", file: file, line: line)
    guard training, p > 0 else { return x }
    if p == 1 { return x * 0.0 }
    let keep = Tensor.bernoulli(x.shape, p: 1 - p, dtype: x.dtype, generator: generator)
    return x * (keep / (1 - p))
}

/// Zeroes whole channels (`x[n, c]`, all spatial positions at once) with probability `p` and scales
/// the survivors by 1/(1-p) (PyTorch's `F.dropout2d` / feature dropout). `x` is [N, C, ...]; the
/// identity when `training` is false or `p` is 0.
public func dropout2d(_ x: Tensor, p: Double = 0.5, training: Bool = true, generator: Generator? = nil,
                      file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    precondition(p >= 0 && p <= 1, "dropout2d: probability has to be between 0 and 1, but got \(p)", file: file, line: line)
    guard x.rank >= 2 else {
        fatalError("dropout2d: expected an input of shape [N, C, ...], got \(x.shape)", file: file, line: line)
    }
    guard training, p > 0 else { return x }
    if p == 1 { return x * 0.0 }
    let maskShape = [x.shape[0], x.shape[1]] + [Int](repeating: 1, count: x.rank - 2)
    let keep = Tensor.bernoulli(maskShape, p: 1 - p, dtype: x.dtype, generator: generator)
    return x * (keep / (1 - p))
}
