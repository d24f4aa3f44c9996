/// The matmul primitive: batched, broadcasting matrix products of rank-≥2 operands. 1-d operands
/// (PyTorch's vector rules) are handled by reshaping in `Ops/LinearAlgebra.swift`.

/// Applies the matmul primitive to operands of rank ≥ 2.
func applyMatmul(_ a: Tensor, _ b: Tensor, file: StaticString, line: UInt) -> Tensor {
    let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], k2 = b.shape[b.rank - 2]
    _ = m
    guard k == k2, let batch = Broadcast.shape(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2))) else {
        shapeFailure("matmul: shapes \(a.shape) and \(b.shape) are not compatible (inner dimensions \(k) and \(k2) must match; batch dimensions must broadcast)", file: file, line: line)
    }
    let dtype = DType.promote(a.dtype, b.dtype)
    let ca = a.dtype == dtype ? a : a.cast(to: dtype)
    let cb = b.dtype == dtype ? b : b.cast(to: dtype)
    let out = a.device.backend.matmul(ca, cb, batchShape: batch)
    return shouldRecord(ca, cb) ? record(.matmul, inputs: [ca, cb], output: out) : out
}

/// Applies the biased matmul primitive, `a · b + bias` with `bias` [N] added to every row in place
/// right after the GEMM; nil where that kernel does not serve (not float32 on the CPU, shapes
/// that do not multiply, a bias of another shape, a tracer watching: traces see `matmul` and `+`).
func applyBiasedMatmul(_ a: Tensor, _ b: Tensor, bias: Tensor) -> Tensor? {
    guard a.rank >= 2, b.rank >= 2, Tracing.observer == nil,
          [a, b, bias].allSatisfy({ $0.dtype == .float32 && $0.device == .cpu }),
          a.shape[a.rank - 1] == b.shape[b.rank - 2], bias.shape == [b.shape[b.rank - 1]],
          let batch = Broadcast.shape(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2))) else { return nil }
    let out = CPUBackend.shared.matmul(a, b, batchShape: batch, rowBias: withNoGrad { bias.contiguous() })
    return shouldRecord([a, b, bias]) ? record(.biasedMatmul, inputs: [a, b, bias], output: out) : out
}

/// VJP of the biased matmul: matmul's gradients for `a` and `b`, and the gradient summed over the rows for the bias.
func biasedMatmulVJP(_ node: Node, _ g: Tensor) -> [Tensor?] {
    let products = matmulVJP(node, g)
    return products + [node.needsInputGrad[2] ? g.sumToShape(node.inputShapes[2]) : nil]
}

/// VJP of matmul: dA = dC · Bᵀ, dB = Aᵀ · dC (transposes are views), summed over broadcast batches.
func matmulVJP(_ node: Node, _ g: Tensor) -> [Tensor?] {
    let a = node.inputs[0], b = node.inputs[1]
    let ga = node.needsInputGrad[0] ? matmul(g, b.transposed()).sumToShape(node.inputShapes[0]) : nil
    // Give the gradient the input's memory layout: for a transposed view (a Linear layer's `weight.T`)
    // compute (gᵀ·A)ᵀ, whose storage is dense in the weight's own order, so optimizers get a
    // contiguous gradient for free (same GEMM cost).
    let gb: Tensor?
    if !node.needsInputGrad[1] {
        gb = nil
    } else if b.rank == 2 && a.rank > 2 {
        // One matrix shared by every batch (a linear layer applied to [..., in]): a single GEMM over
        // the flattened rows, instead of a product per batch summed afterwards.
        let k = a.shape[a.rank - 1], n = g.shape[g.rank - 1]
        let rows = a.reshaped([-1, k]), gRows = g.reshaped([-1, n])
        gb = isTransposedView(b) ? matmul(gRows.transposed(), rows).transposed() : matmul(rows.transposed(), gRows)
    } else if isTransposedView(b) {
        gb = matmul(g.transposed(), a).transposed().sumToShape(node.inputShapes[1])
    } else {
        gb = matmul(a.transposed(), g).sumToShape(node.inputShapes[1])
    }
    return [ga, gb]
}

/// True when the last two axes of `x` are stored column-major (a transposed view of a dense matrix).
private func isTransposedView(_ x: Tensor) -> Bool {
    let r = x.rank
    return r >= 2 && !x.isContiguous && x.strides[r - 2] == 1 && x.shape[r - 2] > 1 && x.strides[r - 1] >= x.shape[r - 2]
}
