/// Layer normalisation as one primitive: one pass per row forward (mean, reciprocal standard deviation,
/// weight and bias) and one backward (dx, with dweight and dbias summed on the way).
///
/// Written as ops it is about eight passes forward (mean, subtract, square, mean, add, rsqrt, multiply,
/// weight, bias) and some fifteen backward, on every [tokens, d] activation of a transformer block.
/// The primitive normalises the last axis of its input; trailing axes beyond one are flattened into
/// it first. Float32 on the CPU runs the row kernels (`Backend/CPU/CPULayerNorm.swift`); other
/// floating-point dtypes compute the composite's ops inside the primitive, and its VJP is written with
/// Nabla ops wherever gradients are recorded (second order). Traces record `layerNorm` and, for the
/// backward row kernel, `layerNormBackward`, so compiled steps run the kernels eager runs; the ONNX
/// exporter writes `layerNorm` as LayerNormalization (opset 17+) or its ops.

/// Layer normalisation of `x` over its last `normalizedAxes` axes (PyTorch's `F.layer_norm`):
/// `(x - mean) / √(var + eps) · weight + bias` with the biased variance, through the `layerNorm`
/// primitive. `weight` and `bias`, when given, have the shape of those axes.
///
/// ```swift
/// let y = layerNorm(x, normalizedAxes: 1, weight: gamma, bias: beta)   // x [16, 128, 256], gamma and beta [256]
/// ```
public func layerNorm(_ x: Tensor, normalizedAxes: Int, weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5,
                      file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    let axisShape = Array(x.shape.suffix(max(normalizedAxes, 0)))
    guard normalizedAxes >= 1, normalizedAxes <= x.rank,
          weight.map({ $0.shape == axisShape }) ?? true, bias.map({ $0.shape == axisShape }) ?? true else {
        let given = "weight \(weight.map { "\($0.shape)" } ?? "none") and bias \(bias.map { "\($0.shape)" } ?? "none")"
        shapeFailure("layerNorm: input \(x.shape) cannot be normalized over its last \(normalizedAxes) axes with \(given)"
                     + " (expected 1...\(x.rank) axes, and a weight and bias of the axes' shape)", file: file, line: line)
    }
    let width = axisShape.reduce(1, *)
    let parameters = [weight, bias].compactMap { $0 }
    guard x.dtype.isFloatingPoint, width > 0,
          parameters.allSatisfy({ $0.dtype == x.dtype && $0.device == x.device }) else {
        return layerNormComposite(x, normalizedAxes: normalizedAxes, weight: weight, bias: bias, eps: eps)
    }
    let rows = normalizedAxes == 1 ? x : x.reshaped(Array(x.shape.dropLast(normalizedAxes)) + [width])
    let scale = weight?.reshaped([width]) ?? Tensor.ones([width], dtype: x.dtype, device: x.device)
    let shift = bias?.reshaped([width]) ?? Tensor.zeros([width], dtype: x.dtype, device: x.device)
    let y = withNoGrad {
        layerNormFused(rows, weight: scale, bias: shift, eps: eps)
            ?? layerNormComposite(rows, normalizedAxes: 1, weight: scale, bias: shift, eps: eps)
    }
    let recorded = shouldRecord([rows, scale, shift]) ? record(.layerNorm(eps: eps), inputs: [rows, scale, shift], output: y) : y
    return normalizedAxes == 1 ? recorded : recorded.reshaped(x.shape)
}

/// Layer normalisation as separate ops: the reference, and the path of traces.
func layerNormComposite(_ x: Tensor, normalizedAxes: Int, weight: Tensor?, bias: Tensor?, eps: Double) -> Tensor {
    let axes = Array((x.rank - normalizedAxes)..<x.rank)
    let centered = x - x.mean(alongAxes: axes, keepingDims: true)
    let variance = (centered * centered).mean(alongAxes: axes, keepingDims: true)
    var y = centered * (variance + eps).rsqrt()
    if let weight { y = y * weight }
    if let bias { y = y + bias }
    return y
}

/// The forward pass on the float32 CPU row kernel, or nil where it does not serve.
private func layerNormFused(_ x: Tensor, weight: Tensor, bias: Tensor, eps: Double) -> Tensor? {
    guard x.dtype == .float32, x.device == .cpu else { return nil }
    return CPUBackend.shared.layerNormRows(x.contiguous(), weight: weight.contiguous(), bias: bias.contiguous(), eps: eps)
}

/// VJP of `.layerNorm` (inputs x [..., d], weight [d], bias [d]): with x̂ = (x - mean) · rstd and
/// ĝ = g · weight, dx = rstd · (ĝ - mean(ĝ) - x̂ · mean(ĝ · x̂)) over the last axis,
/// dweight = Σ g · x̂ and dbias = Σ g over the leading axes.
func layerNormVJP(_ node: Node, _ g: Tensor) -> [Tensor?] {
    guard case let .layerNorm(eps) = node.primitive else { preconditionFailure("layerNormVJP: \(node.primitive)") }
    let x = node.inputs[0], weight = node.inputs[1]
    let parameterGradients = node.needsInputGrad[1] || node.needsInputGrad[2]
    if !GradMode.isEnabled, g.dtype == .float32, x.dtype == .float32, x.device == .cpu, g.shape == x.shape {
        let gradients = layerNormBackwardPrimitive([x, weight, g], eps: eps, parameterGradients: parameterGradients || Tracing.isActive)
        return [gradients[0], gradients.count > 1 ? gradients[1] : nil, gradients.count > 2 ? gradients[2] : nil]
    }
    let centered = x - x.mean(alongAxes: -1, keepingDims: true)
    let rstd = ((centered * centered).mean(alongAxes: -1, keepingDims: true) + eps).rsqrt()
    let normalized = centered * rstd
    let scaled = g * weight
    let dx = rstd * (scaled - scaled.mean(alongAxes: -1, keepingDims: true)
                     - normalized * (scaled * normalized).mean(alongAxes: -1, keepingDims: true))
    guard parameterGradients else { return [dx, nil, nil] }
    let leadingAxes = Array(0..<(x.rank - 1))
    func summedOverRows(_ t: Tensor) -> Tensor { leadingAxes.isEmpty ? t : t.sum(alongAxes: leadingAxes) }
    return [dx, summedOverRows(g * normalized), summedOverRows(g)]
}

/// The `layerNormBackward` primitive: dx, and dweight and dbias when `parameterGradients`, from
/// [x, weight, gradient] (float32 on the CPU) through the backward row kernel. Recorded for traces only,
/// always with all three outputs (it has no gradient of its own: second order takes `layerNormVJP`'s ops).
func layerNormBackwardPrimitive(_ inputs: [Tensor], eps: Double, parameterGradients: Bool) -> [Tensor] {
    let dense = CPUBackend.shared.dense
    let result = withNoGrad {
        CPUBackend.shared.layerNormBackwardRows(input: dense(inputs[0]), weight: dense(inputs[1]), gradient: dense(inputs[2]),
                                                eps: eps, parameterGradients: parameterGradients)
    }
    let outputs = [result.input] + [result.weight, result.bias].compactMap { $0 }
    return Tracing.isActive && outputs.count == 3 ? record(.layerNormBackward(eps: eps), inputs: inputs, outputs: outputs) : outputs
}
