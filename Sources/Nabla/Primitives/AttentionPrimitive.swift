/// Scaled dot-product attention as one primitive, so the [..., L, S] scores and weights are never
/// materialised: forward and backward run flash attention's tiled schedule (the kernels are in
/// `Backend/CPU/CPUAttention.swift`) and keep only the output and one log Σ exp per query row.
///
/// As ops (`attentionWeights` then a matmul), attention writes and reads the scores several times:
/// scale, mask, softmax forward, and softmax, matmul and mask gradients backward, each a pass over
/// batch · L · S values. Float32 and float64 on the CPU run the kernels, in eager code and in traces:
/// a trace records `attention` forward and `attentionBackward` (the backward kernel as a primitive of
/// its own, so compiled training steps run it too), and the ONNX exporter writes `attention` as
/// standard operators. Other dtypes and masks that need a gradient run the composite, and
/// second-order gradients differentiate a VJP written with Nabla ops.

/// `softmax(query · keyᵀ · scale + mask) · value` through the fused `attention` primitive: the
/// output [..., L, Ev] without materialising the [..., L, S] weights.
///
/// - Parameters:
///   - query: [..., L, E].
///   - key: [..., S, E]; `query`, `key`, `value` and `additiveMask` broadcast over their leading axes.
///   - value: [..., S, Ev].
///   - additiveMask: added to the scores, broadcastable to [..., L, S], of the query's dtype (use
///     `booleanToAdditive(_:keepWhere:dtype:)` for a boolean mask). -∞ hides a key.
///   - isCausal: query i sees keys 0...i only (top-left aligned, as PyTorch's `is_causal`).
///   - scale: the factor applied to the scores; 1/√E when nil.
/// - Returns: [..., L, Ev]. A query row that sees no key gets zeros, as with `safeSoftmax`.
///
/// ```swift
/// let q = Tensor.randn([2, 8, 128, 64]), k = Tensor.randn([2, 8, 128, 64]), v = Tensor.randn([2, 8, 128, 64])
/// let y = fusedAttention(query: q, key: k, value: v, isCausal: true)   // [2, 8, 128, 64]
/// ```
public func fusedAttention(query: Tensor, key: Tensor, value: Tensor, additiveMask mask: Tensor? = nil, isCausal: Bool = false,
                           scale: Double? = nil, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    let batchShape = attentionBatchShape(query: query, key: key, value: value, mask: mask, file: file, line: line)
    let (l, s, e, ev) = (query.shape[query.rank - 2], key.shape[key.rank - 2], query.shape[query.rank - 1], value.shape[value.rank - 1])
    let factor = scale ?? 1 / Double(e).squareRoot()
    let operands = [query, key, value]
    guard operands.allSatisfy({ $0.device == .cpu }), query.dtype == .float32 || query.dtype == .float64,
          !(mask?.needsGradient == true && GradMode.isEnabled) else {   // no mask gradient from the kernels
        return matmul(attentionWeights(query: query, key: key, additiveMask: mask, isCausal: isCausal, scale: factor), value)
    }
    // Operands at the common batch shape (zero-copy views; their gradients sum back through the views;
    // `attentionPrimitive` copies the ones GEMM cannot read as they are).
    func atBatchShape(_ x: Tensor) -> Tensor {
        let target = batchShape + x.shape.suffix(2)
        return x.shape == target ? x : x.expanded(to: target)
    }
    let broadcastMask = mask.map { m in withNoGrad { m.expanded(to: batchShape + [l, s]) } }
    let inputs = [atBatchShape(query), atBatchShape(key), atBatchShape(value)] + (broadcastMask.map { [$0] } ?? [])
    return attentionPrimitive(inputs, scale: factor, causal: isCausal)[0]
}

/// The `attention` primitive on operands at one batch shape ([q, k, v] or [q, k, v, mask]): the output
/// and log Σ exp per query row, recorded (log Σ exp rides along as a second output, so the node keeps
/// it for backward).
func attentionPrimitive(_ inputs: [Tensor], scale: Double, causal: Bool) -> [Tensor] {
    let cpu = CPUBackend.shared
    let (q, k, v) = (gemmReady(inputs[0]), gemmReady(inputs[1]), gemmReady(inputs[2])), mask = inputs.count > 3 ? inputs[3] : nil
    let shape = attentionShape(q, k, v, scale: scale, causal: causal)
    let (output, logSumExp) = withNoGrad {
        q.dtype == .float32
            ? cpu.attentionForward(Float.self, query: q, key: k, value: v, mask: mask, shape: shape)
            : cpu.attentionForward(Double.self, query: q, key: k, value: v, mask: mask, shape: shape)
    }
    guard shouldRecord(inputs) else { return [output, logSumExp] }
    return record(.attention(scale: scale, causal: causal), inputs: inputs, outputs: [output, logSumExp])
}

/// The `attentionBackward` primitive: the gradients of query, key and value from [q, k, v, (mask),
/// output, log Σ exp, gradient of the output], through the backward kernel. Recorded for traces only
/// (it has no gradient of its own: second-order gradients take the ops path of `attentionVJP`).
func attentionBackwardPrimitive(_ inputs: [Tensor], scale: Double, causal: Bool) -> [Tensor] {
    let cpu = CPUBackend.shared
    let hasMask = inputs.count == 7
    let (q, k, v) = (gemmReady(inputs[0]), gemmReady(inputs[1]), gemmReady(inputs[2])), mask = hasMask ? inputs[3] : nil
    let rest = inputs.suffix(3).map(cpu.dense)
    let shape = attentionShape(q, k, v, scale: scale, causal: causal)
    let result = withNoGrad {
        q.dtype == .float32
            ? cpu.attentionBackward(Float.self, query: q, key: k, value: v, mask: mask, output: rest[0], logSumExp: rest[1],
                                    gradOutput: rest[2], shape: shape)
            : cpu.attentionBackward(Double.self, query: q, key: k, value: v, mask: mask, output: rest[0], logSumExp: rest[1],
                                    gradOutput: rest[2], shape: shape)
    }
    let outputs = [result.query, result.key, result.value]
    return Tracing.isActive ? record(.attentionBackward(scale: scale, causal: causal), inputs: inputs, outputs: outputs) : outputs
}

/// `x` itself when its matrices can go to GEMM as they are, else a dense copy.
private func gemmReady(_ x: Tensor) -> Tensor {
    BatchedMatrices<Float>.servesGEMM(x) ? x : withNoGrad { x.contiguous() }
}

/// The kernels' description of operands at one batch shape.
private func attentionShape(_ q: Tensor, _ k: Tensor, _ v: Tensor, scale: Double, causal: Bool) -> AttentionShape {
    AttentionShape(batchShape: Array(q.shape.dropLast(2)), queries: q.shape[q.rank - 2], keys: k.shape[k.rank - 2],
                   depth: q.shape[q.rank - 1], valueDepth: v.shape[v.rank - 1], scale: scale, causal: causal)
}

/// The attention weights `softmax(query · keyᵀ · scale + mask)` [..., L, S] as ops (the definition the
/// fused kernels match, and the path of traces). Arguments as in `fusedAttention`; a row that sees no
/// key gets zero weights.
public func attentionWeights(query: Tensor, key: Tensor, additiveMask mask: Tensor? = nil, isCausal: Bool = false,
                             scale: Double? = nil) -> Tensor {
    let (l, s, e) = (query.shape[query.rank - 2], key.shape[key.rank - 2], query.shape[query.rank - 1])
    // Scaling the query ([..., L, E]) is cheaper than scaling the scores ([..., L, S]) when E < S.
    var scores = matmul(query * (scale ?? 1 / Double(e).squareRoot()), key.transposed())
    var additive = mask
    if isCausal {
        let rows = Tensor.arange(0, Double(l), dtype: .int64).unsqueezed(axis: 1), columns = Tensor.arange(0, Double(s), dtype: .int64)
        let triangle = booleanToAdditive(rows .>= columns.unsqueezed(axis: 0), keepWhere: true, dtype: query.dtype)
        additive = additive.map { $0 + triangle } ?? triangle
    }
    if let additive { scores = scores + additive }
    return safeSoftmax(scores)
}

/// A boolean mask as an additive one of `dtype`: 0 where the mask equals `keepWhere`, -∞ elsewhere.
public func booleanToAdditive(_ mask: Tensor, keepWhere: Bool, dtype: DType) -> Tensor {
    let zero = Tensor.zeros([], dtype: dtype), minusInfinity = Tensor.full([], value: -.infinity, dtype: dtype)
    return keepWhere ? Tensor.where(mask, zero, minusInfinity) : Tensor.where(mask, minusInfinity, zero)
}

/// The leading shape query, key, value and mask broadcast to, after checking that they fit.
private func attentionBatchShape(query: Tensor, key: Tensor, value: Tensor, mask: Tensor?, file: StaticString, line: UInt) -> [Int] {
    guard query.rank >= 2, key.rank >= 2, value.rank >= 2, query.shape[query.rank - 1] == key.shape[key.rank - 1],
          key.shape[key.rank - 2] == value.shape[value.rank - 2] else {
        shapeFailure("fusedAttention: query \(query.shape), key \(key.shape) and value \(value.shape) do not fit "
                     + "(expected [..., L, E], [..., S, E], [..., S, Ev])", file: file, line: line)
    }
    let floating = query.dtype.isFloatingPoint && key.dtype == query.dtype && value.dtype == query.dtype
    guard floating, mask.map({ $0.dtype == query.dtype }) ?? true else {
        shapeFailure("fusedAttention: query, key, value and the additive mask must share one floating-point dtype, got "
                     + "\([query, key, value].map { "\($0.dtype)" }.joined(separator: ", "))\(mask.map { " and \($0.dtype)" } ?? "")",
                     file: file, line: line)
    }
    let (l, s) = (query.shape[query.rank - 2], key.shape[key.rank - 2])
    var batchShape: [Int]? = Array(query.shape.dropLast(2))
    for x in [key, value] { batchShape = batchShape.flatMap { Broadcast.shape($0, Array(x.shape.dropLast(2))) } }
    if let mask {
        let padded = Array(repeating: 1, count: Swift.max(0, 2 - mask.rank)) + mask.shape
        let trailing = Array(padded.suffix(2))
        batchShape = Broadcast.shape(trailing, [l, s]) == [l, s] ? batchShape.flatMap { Broadcast.shape($0, Array(padded.dropLast(2))) } : nil
    }
    guard let batchShape else {
        shapeFailure("fusedAttention: the leading axes of query \(query.shape), key \(key.shape), value \(value.shape)"
                     + "\(mask.map { " and mask \($0.shape)" } ?? "") do not broadcast, or the mask does not broadcast to [..., \(l), \(s)]",
                     file: file, line: line)
    }
    return batchShape
}

/// VJP of `.attention` (inputs query, key, value and the broadcast mask when there is one; outputs the
/// attention output and log Σ exp per query row): dV = Pᵀ·dO, dS = P ⊙ (dO·Vᵀ - rowsum(dO ⊙ O)),
/// dQ = scale · dS·K, dK = scale · dSᵀ·Q. The fused kernel runs unless the gradients must themselves be
/// differentiable (`createGraph`), where the weights P are recomputed with ops.
func attentionVJP(_ node: Node, scale: Double, causal: Bool, _ grads: [Tensor?]) -> [Tensor?] {
    let (q, k, v) = (node.inputs[0], node.inputs[1], node.inputs[2]), mask = node.inputs.count > 3 ? node.inputs[3] : nil
    let noMaskGradient: [Tensor?] = mask == nil ? [] : [nil]
    guard let g = grads[0] else { return [nil, nil, nil] + noMaskGradient }
    guard !GradMode.isEnabled else {
        let p = attentionWeights(query: q, key: k, additiveMask: mask, isCausal: causal, scale: scale)
        let dP = matmul(g, v.transposed())
        let dS = p * (dP - (dP * p).sum(alongAxes: -1, keepingDims: true)) * scale
        return [matmul(dS, k), matmul(dS.transposed(), q), matmul(p.transposed(), g)] + noMaskGradient
    }
    let gradients = attentionBackwardPrimitive(node.inputs + [node.outputs[0], node.outputs[1], g], scale: scale, causal: causal)
    return gradients + noMaskGradient
}
