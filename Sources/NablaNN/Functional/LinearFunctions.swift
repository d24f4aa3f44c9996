import Nabla

/// `x · weightᵀ + bias` (PyTorch's `F.linear`): `x` is [..., in], `weight` [out, in], `bias` [out];
/// the result is [..., out]. The weight is transposed as a view, so the product runs as one GEMM
/// with a transpose flag, the bias added in place after it where the core's `matmul(_:_:bias:)` can.
///
/// ```swift
/// let y = linear(x, weight: w, bias: b)   // [64, 784] · [256, 784]ᵀ + [256] → [64, 256]
/// ```
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard x.rank >= 1, weight.rank == 2, x.shape[x.rank - 1] == weight.shape[1], bias.map({ $0.shape == [weight.shape[0]] }) ?? true else {
        fatalError("linear: input \(x.shape), weight \(weight.shape)\(bias.map { " and bias \($0.shape)" } ?? "") do not fit "
                   + "(expected input [..., in], weight [out, in], bias [out])", file: file, line: line)
    }
    guard let bias else { return matmul(x, weight.transposed(), file: file, line: line) }
    return matmul(x, weight.transposed(), bias: bias, file: file, line: line)
}

/// The bilinear form `y[..., o] = Σᵢⱼ x1[..., i] · weight[o, i, j] · x2[..., j] + bias[o]`
/// (PyTorch's `F.bilinear`): `x1` is [..., in1], `x2` [..., in2] with the same leading shape,
/// `weight` [out, in1, in2], `bias` [out]. Computed as two matrix products.
public func bilinear(_ x1: Tensor, _ x2: Tensor, weight: Tensor, bias: Tensor? = nil,
                     file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard x1.rank >= 1, x2.rank == x1.rank, weight.rank == 3, Array(x1.shape.dropLast()) == Array(x2.shape.dropLast()),
          x1.shape[x1.rank - 1] == weight.shape[1], x2.shape[x2.rank - 1] == weight.shape[2],
          bias.map({ $0.shape == [weight.shape[0]] }) ?? true else {
        fatalError("bilinear: inputs \(x1.shape) and \(x2.shape), weight \(weight.shape)\(bias.map { " and bias \($0.shape)" } ?? "") "
                   + "do not fit (expected [..., in1], [..., in2], weight [out, in1, in2], bias [out])", file: file, line: line)
    }
    let (out, in1, in2) = (weight.shape[0], weight.shape[1], weight.shape[2])
    let lead = Array(x1.shape.dropLast())
    let n = lead.reduce(1, *)
    let a = x1.reshaped([n, in1]), b = x2.reshaped([n, in2])
    // t[n, o, j] = Σᵢ a[n, i] · W[o, i, j]
    let t = matmul(a, weight.permuted([1, 0, 2]).reshaped([in1, out * in2])).reshaped([n, out, in2])
    // y[n, o] = Σⱼ t[n, o, j] · b[n, j]
    var y = matmul(t, b.reshaped([n, in2, 1])).reshaped([n, out])
    if let bias { y = y + bias }
    return y.reshaped(lead + [out])
}
