/// A whole LSTM layer direction as one primitive: the time loop forward in one call and backward in
/// one call, as PyTorch runs `nn.LSTM` through oneDNN's RNN primitive.
///
/// Step by step on the tape (`lstmCellPointwise` and a matmul per step), a 64-step sequence records
/// some 250 nodes, and backward runs a thin weight-gradient GEMM (K = batch) per step and adds the 64
/// results. As one primitive, forward keeps the gate activations and cell states, and backward runs
/// one pointwise pass and one GEMM per step and the weight gradient as one GEMM over all steps (the
/// kernels are in `Backend/CPU/CPULSTMSequence.swift`). Float32 and float64 on the CPU run the
/// kernels; a trace and other dtypes run the composite (the step ops, which graph passes and the ONNX
/// exporter know); second-order gradients differentiate a VJP written with Nabla ops.

/// Runs an LSTM over a sequence from its input projection: for t in 0..<T (T-1 down to 0 when
/// `reverse`), gates = projection[t] + h·weightHHᵀ, then (h, c) = `lstmCellPointwise(gates, c)`.
///
/// `projection` is x·W_ihᵀ + b_ih + b_hh, [T, batch, 4·hidden] (gate order i, f, g, o as in PyTorch);
/// `h0` and `c0` are [batch, hidden]; `weightHH` is [4·hidden, hidden]. Returns the hidden states
/// [T, batch, hidden] by time index (so the final h is `output[T - 1]`, or `output[0]` when `reverse`)
/// and the final cell state [batch, hidden].
///
/// ```swift
/// let x = Tensor.randn([5, 3, 10]), wih = Tensor.randn([80, 10]), whh = Tensor.randn([80, 20])
/// let projection = matmul(x, wih.transposed())
/// let (output, c) = lstmSequence(projection: projection, h0: Tensor.zeros([3, 20]), c0: Tensor.zeros([3, 20]), weightHH: whh)
/// ```
public func lstmSequence(projection: Tensor, h0: Tensor, c0: Tensor, weightHH: Tensor, reverse: Bool = false,
                         file: StaticString = #fileID, line: UInt = #line) -> (output: Tensor, c: Tensor) {
    guard projection.rank == 3, weightHH.rank == 2, weightHH.shape[0] == 4 * weightHH.shape[1],
          projection.shape[2] == weightHH.shape[0], h0.shape == [projection.shape[1], weightHH.shape[1]], c0.shape == h0.shape else {
        shapeFailure("lstmSequence: projection \(projection.shape), h0 \(h0.shape), c0 \(c0.shape) and weightHH \(weightHH.shape) do not fit "
                     + "(expected [T, batch, 4·hidden], [batch, hidden], [batch, hidden] and [4·hidden, hidden])", file: file, line: line)
    }
    let inputs = [projection, h0, c0, weightHH]
    RecurrentSequenceKernels.requireOneFloatingDType(inputs, "lstmSequence: projection, h0, c0 and weightHH", file: file, line: line)
    guard projection.shape[0] > 0, Tracing.observer == nil, RecurrentSequenceKernels.serve(inputs) else {
        return lstmSequenceComposite(projection: projection, h0: h0, c0: c0, weightHH: weightHH, reverse: reverse)
    }
    let shape = RecurrentSequenceShape(steps: projection.shape[0], batch: h0.shape[0], hidden: h0.shape[1], gates: 4, reverse: reverse)
    let (output, c, saved) = withNoGrad { lstmSequenceForward(inputs.map(CPUBackend.shared.dense), shape: shape) }
    guard shouldRecord(inputs) else { return (output, c) }
    // The saved activations and cell states ride along as extra outputs, so the node keeps them for backward.
    let outputs = record(.lstmSequence(reverse: reverse), inputs: inputs, outputs: [output, c, saved.gates, saved.cells])
    return (outputs[0], outputs[1])
}

/// The loop as separate ops: the path of traces and other dtypes, and the definition the kernels match.
func lstmSequenceComposite(projection: Tensor, h0: Tensor, c0: Tensor, weightHH: Tensor, reverse: Bool) -> (output: Tensor, c: Tensor) {
    let steps = projection.shape[0]
    var h = h0, c = c0
    var outputs = [Tensor?](repeating: nil, count: steps)
    let weightT = weightHH.transposed()
    for s in 0..<steps {
        let t = reverse ? steps - 1 - s : s
        let gates = projection.slice(axis: 0, start: t, end: t + 1).squeezed(axis: 0) + matmul(h, weightT)
        (h, c) = lstmCellPointwise(gates: gates, cell: c)
        outputs[t] = h
    }
    return (steps == 0 ? Tensor.zeros([0] + h0.shape, dtype: h0.dtype, device: h0.device) : stack(outputs.map { $0! }, axis: 0), c)
}

/// The forward kernel on dense [projection, h0, c0, weightHH], by dtype (not recorded).
private func lstmSequenceForward(_ x: [Tensor], shape: RecurrentSequenceShape) -> (Tensor, Tensor, LSTMSequenceSaved) {
    let cpu = CPUBackend.shared
    if x[0].dtype == .float32 {
        return cpu.lstmSequenceForward(Float.self, projection: x[0], h0: x[1], c0: x[2], weightHH: x[3], shape: shape)
    }
    return cpu.lstmSequenceForward(Double.self, projection: x[0], h0: x[1], c0: x[2], weightHH: x[3], shape: shape)
}

/// VJP of `.lstmSequence`: gradients of the projection, h0, c0 and weightHH from those of the outputs
/// and the final cell state. The fused backward kernel runs unless the gradients must themselves be
/// differentiable (`createGraph`), where the same recurrence runs in Nabla ops.
func lstmSequenceVJP(_ node: Node, reverse: Bool, _ grads: [Tensor?]) -> [Tensor?] {
    let projection = node.inputs[0], h0 = node.inputs[1], c0 = node.inputs[2], weightHH = node.inputs[3]
    let shape = RecurrentSequenceShape(steps: projection.shape[0], batch: h0.shape[0], hidden: h0.shape[1], gates: 4, reverse: reverse)
    guard !GradMode.isEnabled else {
        return lstmSequenceBackwardComposite(projection: projection, h0: h0, c0: c0, weightHH: weightHH,
                                             gradOutput: grads[0], gradCell: grads[1], shape: shape)
    }
    let saved = LSTMSequenceSaved(gates: node.outputs[2], cells: node.outputs[3])
    let dense = CPUBackend.shared.dense
    let gradOutput = grads[0].map(dense), gradCell = grads[1].map(dense)
    let cpu = CPUBackend.shared
    let (h, c, w) = (dense(h0), dense(c0), dense(weightHH))
    let result = projection.dtype == .float32
        ? cpu.lstmSequenceBackward(Float.self, output: node.outputs[0], saved: saved, h0: h, c0: c, weightHH: w,
                                   gradOutput: gradOutput, gradCell: gradCell, shape: shape)
        : cpu.lstmSequenceBackward(Double.self, output: node.outputs[0], saved: saved, h0: h, c0: c, weightHH: w,
                                   gradOutput: gradOutput, gradCell: gradCell, shape: shape)
    return [result.projection, result.h0, result.c0, result.weightHH]
}

/// Backpropagation through time in Nabla ops (differentiable): recomputes the forward steps from the
/// inputs, then runs the recurrence of the backward kernel step by step.
private func lstmSequenceBackwardComposite(projection: Tensor, h0: Tensor, c0: Tensor, weightHH: Tensor, gradOutput: Tensor?,
                                           gradCell: Tensor?, shape: RecurrentSequenceShape) -> [Tensor?] {
    var gates: [Tensor] = [], previousH: [Tensor] = [], previousC: [Tensor] = [], cells: [Tensor] = []
    var h = h0, c = c0
    let weightT = weightHH.transposed()
    for s in 0..<shape.steps {
        let t = shape.time(s)
        let g = projection.slice(axis: 0, start: t, end: t + 1).squeezed(axis: 0) + matmul(h, weightT)
        previousH.append(h)
        previousC.append(c)
        (h, c) = lstmCellComposite(gates: g, cell: c)
        gates.append(g)
        cells.append(c)
    }
    var gradH = Tensor.zeros(h0.shape, dtype: h0.dtype, device: h0.device)
    var gradC = gradCell ?? Tensor.zeros(c0.shape, dtype: c0.dtype, device: c0.device)
    var gradGates = [Tensor?](repeating: nil, count: shape.steps)
    var gradW: Tensor?
    for s in stride(from: shape.steps - 1, through: 0, by: -1) {
        let t = shape.time(s)
        if let gradOutput { gradH = gradH + gradOutput.slice(axis: 0, start: t, end: t + 1).squeezed(axis: 0) }
        let step = lstmCellBackwardComposite(gates: gates[s], cell: previousC[s], newCell: cells[s], gh: gradH, gc: gradC)
        gradGates[t] = step.gates
        let stepW = matmul(step.gates.transposed(), previousH[s])
        gradW = gradW.map { $0 + stepW } ?? stepW
        gradH = matmul(step.gates, weightHH)
        gradC = step.cell
    }
    return [stack(gradGates.map { $0! }, axis: 0), gradH, gradC, gradW]
}
