/// The LSTM cell's pointwise part as one primitive: a fused forward pass and a fused backward pass.
///
/// An LSTM step is two matrix products and then about ten elementwise ops on [batch, hidden] tensors.
/// Recorded one by one, a 64-step sequence puts some 800 nodes on the tape and runs twice as many small
/// kernels backward. As one primitive the step records one node, runs one pass over the data forward
/// and one backward (float32 on the CPU, through the fused elementwise kernel), with the same kernels
/// in the same order, so the values are bitwise those of the composite. Other dtypes compute the
/// composite's ops inside the primitive. A trace sees the composite instead (graph passes and ONNX
/// export know those ops), and so do second-order gradients: the VJP is written with Nabla ops.

/// The LSTM cell's pointwise step: with `gates` = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh ([..., 4·hidden], gate
/// order i, f, g, o as in PyTorch) and the cell state `cell` [..., hidden], returns
/// h' = σ(o) ⊙ tanh(c') and c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g).
///
/// ```swift
/// let (h, c) = lstmCellPointwise(gates: Tensor.randn([2, 8]), cell: Tensor.zeros([2, 2]))   // [2, 2] each
/// ```
public func lstmCellPointwise(gates: Tensor, cell: Tensor, file: StaticString = #fileID, line: UInt = #line) -> (h: Tensor, c: Tensor) {
    guard gates.rank >= 1, cell.rank == gates.rank, Array(gates.shape.dropLast()) == Array(cell.shape.dropLast()),
          gates.shape[gates.rank - 1] == 4 * cell.shape[cell.rank - 1] else {
        shapeFailure("lstmCellPointwise: gates \(gates.shape) and cell \(cell.shape) do not fit (expected [..., 4·hidden] and [..., hidden])",
                     file: file, line: line)
    }
    guard gates.dtype == cell.dtype, gates.dtype.isFloatingPoint else {
        fatalError("lstmCellPointwise: gates and cell must share one floating-point dtype, got \(gates.dtype) and \(cell.dtype)",
                   file: file, line: line)
    }
    if Tracing.observer != nil { return lstmCellComposite(gates: gates, cell: cell) }
    let (h, c) = withNoGrad { lstmCellFused(gates: gates, cell: cell) ?? lstmCellComposite(gates: gates, cell: cell) }
    guard shouldRecord(gates, cell) else { return (h, c) }
    let outputs = record(.lstmCell, inputs: [gates, cell], outputs: [h, c])
    return (outputs[0], outputs[1])
}

/// The step as separate ops: the reference, and the path of traces and other dtypes.
func lstmCellComposite(gates: Tensor, cell: Tensor) -> (h: Tensor, c: Tensor) {
    let g = gates.chunked(4, axis: -1)
    let inputGate = g[0].sigmoid(), forgetGate = g[1].sigmoid()
    let cellGate = g[2].tanh(), outputGate = g[3].sigmoid()
    let c = forgetGate * cell + inputGate * cellGate
    return (outputGate * c.tanh(), c)
}

/// The step in one pass of the fused elementwise kernel, or nil where it does not serve the inputs.
private func lstmCellFused(gates: Tensor, cell: Tensor) -> (h: Tensor, c: Tensor)? {
    // Registers 0-3: i, f, g, o pre-activations; 4: c.
    let program: [ElementwiseStep] = [
        .unary(.sigmoid, 0),      // 5: σ(i)
        .unary(.sigmoid, 1),      // 6: σ(f)
        .unary(.tanh, 2),         // 7: tanh(g)
        .unary(.sigmoid, 3),      // 8: σ(o)
        .binary(.mul, 6, 4),      // 9: σ(f) c
        .binary(.mul, 5, 7),      // 10: σ(i) tanh(g)
        .binary(.add, 9, 10),     // 11: c'
        .unary(.tanh, 11),        // 12: tanh(c')
        .binary(.mul, 8, 12),     // 13: h'
    ]
    guard let out = fusedElementwise(program, inputs: gates.chunked(4, axis: -1) + [cell], outputs: [13, 11], shape: cell.shape) else {
        return nil
    }
    return (out[0], out[1])
}

/// VJP of `.lstmCell`: gradients for the gates and the previous cell state from those of h' and c'.
///
/// With c' = f c + i g and h' = o tanh(c'): dc' = g_c + g_h o (1 - tanh²c'), and then
/// d(i, f, g, o) pre-activations = (dc' g · i(1-i), dc' c · f(1-f), dc' i · (1-g²), g_h tanh(c') · o(1-o)),
/// dc = dc' f.
func lstmCellVJP(_ node: Node, _ grads: [Tensor?]) -> [Tensor?] {
    let gates = node.inputs[0], cell = node.inputs[1], newCell = node.outputs[1]
    let zero = Tensor.zeros([], dtype: cell.dtype, device: cell.device)
    let gh = grads[0] ?? zero, gc = grads[1] ?? zero
    let chunks = gates.chunked(4, axis: -1)
    if !GradMode.isEnabled, let fused = lstmCellBackwardFused(chunks: chunks, cell: cell, newCell: newCell, gh: gh, gc: gc) {
        return [concat(Array(fused.prefix(4)), axis: -1), fused[4]]
    }
    let step = lstmCellBackwardComposite(gates: gates, cell: cell, newCell: newCell, gh: gh, gc: gc)
    return [step.gates, step.cell]
}

/// The backward step in Nabla ops (differentiable): the gradients of the gate pre-activations and of
/// the previous cell state, from those of h' (`gh`) and c' (`gc`).
func lstmCellBackwardComposite(gates: Tensor, cell: Tensor, newCell: Tensor, gh: Tensor, gc: Tensor) -> (gates: Tensor, cell: Tensor) {
    let chunks = gates.chunked(4, axis: -1)
    let i = chunks[0].sigmoid(), f = chunks[1].sigmoid(), g = chunks[2].tanh(), o = chunks[3].sigmoid()
    let tanhC = newCell.tanh()
    let cellGradient = gc + gh * o * (1 - tanhC * tanhC)
    let di = cellGradient * g * (i * (1 - i))
    let df = cellGradient * cell * (f * (1 - f))
    let dg = cellGradient * i * (1 - g * g)
    let dO = gh * tanhC * (o * (1 - o))
    return (concat([di, df, dg, dO], axis: -1), cellGradient * f)
}

/// The backward step in one pass: [d i, d f, d g, d o, d c], or nil where the fused kernel does not serve.
private func lstmCellBackwardFused(chunks: [Tensor], cell: Tensor, newCell: Tensor, gh: Tensor, gc: Tensor) -> [Tensor]? {
    let one = Tensor.ones([], dtype: cell.dtype, device: cell.device)
    // Registers 0-3: i, f, g, o pre-activations; 4: c; 5: c'; 6: dh'; 7: dc'; 8: 1.
    let program: [ElementwiseStep] = [
        .unary(.sigmoid, 0),      // 9: i
        .unary(.sigmoid, 1),      // 10: f
        .unary(.tanh, 2),         // 11: g
        .unary(.sigmoid, 3),      // 12: o
        .unary(.tanh, 5),         // 13: tanh(c')
        .binary(.mul, 6, 12),     // 14: dh' o
        .binary(.mul, 13, 13),    // 15: tanh²(c')
        .binary(.sub, 8, 15),     // 16: 1 - tanh²(c')
        .binary(.mul, 14, 16),    // 17
        .binary(.add, 7, 17),     // 18: total dc'
        .binary(.sub, 8, 9),      // 19: 1 - i
        .binary(.mul, 9, 19),     // 20: i(1 - i)
        .binary(.mul, 18, 11),    // 21: dc' g
        .binary(.mul, 21, 20),    // 22: d i
        .binary(.sub, 8, 10),     // 23: 1 - f
        .binary(.mul, 10, 23),    // 24: f(1 - f)
        .binary(.mul, 18, 4),     // 25: dc' c
        .binary(.mul, 25, 24),    // 26: d f
        .binary(.mul, 11, 11),    // 27: g²
        .binary(.sub, 8, 27),     // 28: 1 - g²
        .binary(.mul, 18, 9),     // 29: dc' i
        .binary(.mul, 29, 28),    // 30: d g
        .binary(.sub, 8, 12),     // 31: 1 - o
        .binary(.mul, 12, 31),    // 32: o(1 - o)
        .binary(.mul, 6, 13),     // 33: dh' tanh(c')
        .binary(.mul, 33, 32),    // 34: d o
        .binary(.mul, 18, 10),    // 35: d c
    ]
    return fusedElementwise(program, inputs: chunks + [cell, newCell, gh, gc, one], outputs: [22, 26, 30, 34, 35], shape: cell.shape)
}
