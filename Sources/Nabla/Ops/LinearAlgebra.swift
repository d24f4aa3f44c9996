/// Matrix products with PyTorch's `matmul` semantics, and `dot`, `outer`, `einsum` as composites.

/// Matrix product with PyTorch semantics: 1-d operands are promoted to a row/column vector and the
/// added axis removed afterwards; batch axes broadcast.
///
/// ```swift
/// matmul(Tensor.randn([8, 3, 4]), Tensor.randn([4, 5]))   // [8, 3, 5]
/// ```
public func matmul(_ a: Tensor, _ b: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard a.rank >= 1, b.rank >= 1 else {
        shapeFailure("matmul: both operands need at least one dimension, got shapes \(a.shape) and \(b.shape)", file: file, line: line)
    }
    let a2 = a.rank == 1 ? a.unsqueezed(axis: 0) : a
    let b2 = b.rank == 1 ? b.unsqueezed(axis: 1) : b
    var y = applyMatmul(a2, b2, file: file, line: line)
    if a.rank == 1 { y = y.squeezed(axis: -2) }
    if b.rank == 1 { y = y.squeezed(axis: -1) }
    return y
}

/// `matmul(a, b) + bias`. With float32 operands of rank ≥ 2 on the CPU and `bias` of shape [N] (a
/// Linear layer's `x · Wᵀ + b`), the `biasedMatmul` primitive adds the bias rows to the product in
/// place right after the GEMM (one node and one output instead of two; the same values as the two
/// ops); otherwise, and in traces, it is the two ops.
///
/// ```swift
/// let y = matmul(x, w.transposed(), bias: b)   // x [64, 784], w [256, 784], b [256] → [64, 256]
/// ```
public func matmul(_ a: Tensor, _ b: Tensor, bias: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    applyBiasedMatmul(a, b, bias: bias) ?? matmul(a, b, file: file, line: line) + bias
}

extension Tensor {
    /// Matrix product (see `matmul(_:_:)`).
    public func matmul(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Nabla.matmul(self, other, file: file, line: line)
    }
}

infix operator • : MultiplicationPrecedence

/// Matrix product operator.
public func • (lhs: Tensor, rhs: Tensor) -> Tensor { matmul(lhs, rhs) }

/// Inner product of two 1-d tensors.
public func dot(_ a: Tensor, _ b: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard a.rank == 1, b.rank == 1, a.count == b.count else {
        shapeFailure("dot: expects two 1-d tensors of equal length, got \(a.shape) and \(b.shape)", file: file, line: line)
    }
    return matmul(a, b, file: file, line: line)
}

/// Outer product of two 1-d tensors.
public func outer(_ a: Tensor, _ b: Tensor) -> Tensor { a.unsqueezed(axis: 1) * b.unsqueezed(axis: 0) }

/// Einstein summation for the common patterns: any equation whose operands have distinct letters
/// per operand (no repeated index within one operand), e.g. `"ij,jk->ik"`, `"bhqd,bhkd->bhqk"`,
/// `"ij->ji"`, `"ij->"`, `"i,i->"`. Two operands contract through `matmul`; one operand through
/// permute and sum.
public func einsum(_ equation: String, _ operands: Tensor..., file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    let parts = equation.replacingOccurrences(of: " ", with: "").components(separatedBy: "->")
    let inputs = parts[0].components(separatedBy: ",").map { Array($0) }
    guard inputs.count == operands.count, inputs.count <= 2 else {
        shapeFailure("einsum: \"\(equation)\" needs \(inputs.count) operands, got \(operands.count) (one or two are supported)", file: file, line: line)
    }
    for (letters, x) in zip(inputs, operands) where letters.count != x.rank || Set(letters).count != letters.count {
        shapeFailure("einsum: subscripts \(String(letters)) do not fit shape \(x.shape) (repeated indices within an operand are not supported)", file: file, line: line)
    }
    let output: [Character] = parts.count > 1 ? Array(parts[1])
        : Set(inputs.flatMap { $0 }).filter { c in inputs.flatMap { $0 }.filter { $0 == c }.count == 1 }.sorted()
    if inputs.count == 1 {
        let letters = inputs[0], x = operands[0]
        let summed = letters.indices.filter { !output.contains(letters[$0]) }
        var y = summed.isEmpty ? x : x.sum(alongAxes: summed)
        let remaining = letters.filter { output.contains($0) }
        y = y.permuted(output.map { remaining.firstIndex(of: $0)! })
        return y
    }
    // Two operands: batch letters (in both and output), contracted (in both, not output), free per side.
    let (la, lb) = (inputs[0], inputs[1])
    var a = operands[0], b = operands[1]
    // Letters in only one operand and not in the output are summed away first.
    for (letters, isA) in [(la, true), (lb, false)] {
        let other = isA ? lb : la
        let drop = letters.indices.filter { !output.contains(letters[$0]) && !other.contains(letters[$0]) }
        if !drop.isEmpty { if isA { a = a.sum(alongAxes: drop, keepingDims: true) } else { b = b.sum(alongAxes: drop, keepingDims: true) } }
    }
    let batch = la.filter { lb.contains($0) && output.contains($0) }
    let contracted = la.filter { lb.contains($0) && !output.contains($0) }
    let freeA = la.filter { !lb.contains($0) }, freeB = lb.filter { !la.contains($0) }
    func size(_ c: Character, _ letters: [Character], _ x: Tensor) -> Int { x.shape[letters.firstIndex(of: c)!] }
    // Arrange a as [batch, freeA, contracted], b as [batch, contracted, freeB], flatten groups.
    let pa = a.permuted((batch + freeA + contracted).map { la.firstIndex(of: $0)! })
    let pb = b.permuted((batch + contracted + freeB).map { lb.firstIndex(of: $0)! })
    let batchSizes = batch.map { size($0, la, a) }
    let m = freeA.map { size($0, la, a) }.reduce(1, *), n = freeB.map { size($0, lb, b) }.reduce(1, *)
    let k = contracted.map { size($0, la, a) }.reduce(1, *)
    let y = matmul(pa.reshaped(batchSizes + [m, k]), pb.reshaped(batchSizes + [k, n]))
        .reshaped(batchSizes + freeA.map { size($0, la, a) } + freeB.map { size($0, lb, b) })
    let produced = batch + freeA + freeB
    return y.permuted(output.map { produced.firstIndex(of: $0)! })
}
