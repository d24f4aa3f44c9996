/// A whole GRU layer direction as one primitive, like `lstmSequence`: the time loop forward in one call
/// and backward in one call (kernels in `Backend/CPU/CPUGRUSequence.swift`). Float32 and float64 on the
/// CPU run the kernels; a trace and other dtypes run the composite step loop; second-order gradients
/// differentiate a VJP written with Nabla ops.

/// Runs a GRU over a sequence from its input projection: for t in 0..<T (T-1 down to 0 when `reverse`),
/// with hh = h·weightHHᵀ + biasHH,
///
///     r = σ(p_r + hh_r),  z = σ(p_z + hh_z),  n = tanh(p_n + r ⊙ hh_n),  h = (1 - z) ⊙ n + z ⊙ h
///
/// (PyTorch's `nn.GRU`). `projection` is x·W_ihᵀ + b_ih, [T, batch, 3·hidden] (gate order r, z, n);
/// `h0` is [batch, hidden]; `weightHH` is [3·hidden, hidden]; `biasHH` is [3·hidden] or nil. Returns
/// the hidden states [T, batch, hidden] by time index (the final h is `output[T - 1]`, or `output[0]`
/// when `reverse`).
///
/// ```swift
/// let x = Tensor.randn([5, 3, 10]), wih = Tensor.randn([60, 10]), whh = Tensor.randn([60, 20])
/// let output = gruSequence(projection: matmul(x, wih.transposed()), h0: Tensor.zeros([3, 20]), weightHH: whh)
/// ```
public func gruSequence(projection: Tensor, h0: Tensor, weightHH: Tensor, biasHH: Tensor? = nil, reverse: Bool = false,
                        file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard projection.rank == 3, weightHH.rank == 2, weightHH.shape[0] == 3 * weightHH.shape[1],
          projection.shape[2] == weightHH.shape[0], h0.shape == [projection.shape[1], weightHH.shape[1]],
          biasHH.map({ $0.shape == [weightHH.shape[0]] }) ?? true else {
        shapeFailure("gruSequence: projection \(projection.shape), h0 \(h0.shape), weightHH \(weightHH.shape) and biasHH "
                     + "\(biasHH?.shape.description ?? "nil") do not fit (expected [T, batch, 3·hidden], [batch, hidden], "
                     + "[3·hidden, hidden] and [3·hidden])", file: file, line: line)
    }
    let bias = biasHH ?? Tensor.zeros([weightHH.shape[0]], dtype: weightHH.dtype, device: weightHH.device)
    let inputs = [projection, h0, weightHH, bias]
    RecurrentSequenceKernels.requireOneFloatingDType(inputs, "gruSequence: projection, h0, weightHH and biasHH", file: file, line: line)
    guard projection.shape[0] > 0, Tracing.observer == nil, RecurrentSequenceKernels.serve(inputs) else {
        return gruSequenceComposite(projection: projection, h0: h0, weightHH: weightHH, biasHH: bias, reverse: reverse)
    }
    let shape = RecurrentSequenceShape(steps: projection.shape[0], batch: h0.shape[0], hidden: h0.shape[1], gates: 3, reverse: reverse)
    let (output, saved) = withNoGrad { () -> (Tensor, GRUSequenceSaved) in
        let x = inputs.map(CPUBackend.shared.dense)
        let cpu = CPUBackend.shared
        if projection.dtype == .float32 {
            return cpu.gruSequenceForward(Float.self, projection: x[0], h0: x[1], weightHH: x[2], biasHH: x[3], shape: shape)
        }
        return cpu.gruSequenceForward(Double.self, projection: x[0], h0: x[1], weightHH: x[2], biasHH: x[3], shape: shape)
    }
    guard shouldRecord(inputs) else { return output }
    // The saved activations ride along as extra outputs, so the node keeps them for backward.
    return record(.gruSequence(reverse: reverse), inputs: inputs, outputs: [output, saved.gates, saved.hiddenN])[0]
}

/// The loop as separate ops: the path of traces and other dtypes, and the definition the kernels match.
func gruSequenceComposite(projection: Tensor, h0: Tensor, weightHH: Tensor, biasHH: Tensor, reverse: Bool) -> Tensor {
    let steps = projection.shape[0]
    guard steps > 0 else { return Tensor.zeros([0] + h0.shape, dtype: h0.dtype, device: h0.device) }
    var h = h0
    var outputs = [Tensor?](repeating: nil, count: steps)
    let weightT = weightHH.transposed()
    for s in 0..<steps {
        let t = reverse ? steps - 1 - s : s
        let p = projection.slice(axis: 0, start: t, end: t + 1).squeezed(axis: 0).chunked(3, axis: -1)
        let hh = (matmul(h, weightT) + biasHH).chunked(3, axis: -1)
        let resetGate = (p[0] + hh[0]).sigmoid(), updateGate = (p[1] + hh[1]).sigmoid()
        let newGate = (p[2] + resetGate * hh[2]).tanh()
        h = (h - newGate) * updateGate + newGate
        outputs[t] = h
    }
    return stack(outputs.map { $0! }, axis: 0)
}

/// VJP of `.gruSequence`: gradients of the projection, h0, weightHH and biasHH from that of the outputs.
/// The fused backward kernel runs unless the gradients must themselves be differentiable (`createGraph`).
func gruSequenceVJP(_ node: Node, reverse: Bool, _ grads: [Tensor?]) -> [Tensor?] {
    let projection = node.inputs[0], h0 = node.inputs[1], weightHH = node.inputs[2], biasHH = node.inputs[3]
    guard let gradOutput = grads[0] else { return [nil, nil, nil, nil] }
    let shape = RecurrentSequenceShape(steps: projection.shape[0], batch: h0.shape[0], hidden: h0.shape[1], gates: 3, reverse: reverse)
    guard !GradMode.isEnabled else {
        return gruSequenceBackwardComposite(projection: projection, h0: h0, weightHH: weightHH, biasHH: biasHH,
                                            gradOutput: gradOutput, shape: shape)
    }
    let saved = GRUSequenceSaved(gates: node.outputs[1], hiddenN: node.outputs[2])
    let dense = CPUBackend.shared.dense
    let (g, h, w) = (dense(gradOutput), dense(h0), dense(weightHH))
    let cpu = CPUBackend.shared
    let result = projection.dtype == .float32
        ? cpu.gruSequenceBackward(Float.self, output: node.outputs[0], saved: saved, h0: h, weightHH: w, gradOutput: g, shape: shape)
        : cpu.gruSequenceBackward(Double.self, output: node.outputs[0], saved: saved, h0: h, weightHH: w, gradOutput: g, shape: shape)
    return [result.projection, result.h0, result.weightHH, result.hiddenProduct.sum(alongAxes: [0, 1])]
}

/// Backpropagation through time in Nabla ops (differentiable): recomputes the forward steps from the
/// inputs, then runs the recurrence of the backward kernel step by step.
private func gruSequenceBackwardComposite(projection: Tensor, h0: Tensor, weightHH: Tensor, biasHH: Tensor, gradOutput: Tensor,
                                          shape: RecurrentSequenceShape) -> [Tensor?] {
    var steps: [(r: Tensor, z: Tensor, n: Tensor, hiddenN: Tensor, previous: Tensor)] = []
    var h = h0
    let weightT = weightHH.transposed()
    for s in 0..<shape.steps {
        let t = shape.time(s)
        let p = projection.slice(axis: 0, start: t, end: t + 1).squeezed(axis: 0).chunked(3, axis: -1)
        let hh = (matmul(h, weightT) + biasHH).chunked(3, axis: -1)
        let r = (p[0] + hh[0]).sigmoid(), z = (p[1] + hh[1]).sigmoid()
        let n = (p[2] + r * hh[2]).tanh()
        steps.append((r, z, n, hh[2], h))
        h = (h - n) * z + n
    }
    var gradH = Tensor.zeros(h0.shape, dtype: h0.dtype, device: h0.device)
    var gradProjection = [Tensor?](repeating: nil, count: shape.steps), gradProduct = [Tensor?](repeating: nil, count: shape.steps)
    var gradW: Tensor?
    for s in stride(from: shape.steps - 1, through: 0, by: -1) {
        let t = shape.time(s), (r, z, n, hiddenN, previous) = steps[s]
        let total = gradH + gradOutput.slice(axis: 0, start: t, end: t + 1).squeezed(axis: 0)
        let dNew = total * (1 - z) * (1 - n * n)
        let dUpdate = total * (previous - n) * (z * (1 - z))
        let dReset = dNew * hiddenN * (r * (1 - r))
        gradProjection[t] = concat([dReset, dUpdate, dNew], axis: -1)
        let dProduct = concat([dReset, dUpdate, dNew * r], axis: -1)
        gradProduct[t] = dProduct
        let stepW = matmul(dProduct.transposed(), previous)
        gradW = gradW.map { $0 + stepW } ?? stepW
        gradH = total * z + matmul(dProduct, weightHH)
    }
    let products = stack(gradProduct.map { $0! }, axis: 0)
    return [stack(gradProjection.map { $0! }, axis: 0), gradH, gradW, products.sum(alongAxes: [0, 1])]
}
