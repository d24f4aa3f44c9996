/// The exact (erf) GELU as one primitive: a fused forward pass and a fused backward pass.
///
/// Written as ops, `x · 0.5 · (1 + erf(x/√2))` is five passes over the data forward and about a dozen
/// backward; in a transformer's feed-forward block, on [tokens, 4·d] activations, that is one of the
/// largest elementwise costs of a training step. As one primitive the float32 forward is one pass of
/// the fused elementwise kernel (bitwise the composite's values, same kernels in the same order) and
/// the backward another. Traces, other dtypes and second-order gradients use the composite.

/// x · Φ(x), Φ the standard normal CDF, through the `gelu` primitive (see `gelu(_:approximate:)`).
func geluExact(_ x: Tensor) -> Tensor {
    if Tracing.observer != nil || !x.dtype.isFloatingPoint { return geluComposite(x) }
    let recording = shouldRecord(x)
    // When recorded, the fused pass also keeps 1 + erf(x/√2) for backward (as a second output of the
    // node), which then needs no erf of its own: erf was the largest elementwise cost of a transformer step.
    let outputs = withNoGrad { geluFused(x, keepingCDF: recording) ?? [geluComposite(x)] }
    return recording ? record(.gelu, inputs: [x], outputs: outputs)[0] : outputs[0]
}

/// The exact GELU as separate ops: the reference, and the path of traces and other dtypes.
func geluComposite(_ x: Tensor) -> Tensor {
    x * 0.5 * (1 + (x * (1 / 2.0.squareRoot())).erf())
}

/// Constants of the fused programs, as one-element tensors of `x`'s dtype.
private func constants(_ values: [Double], like x: Tensor) -> [Tensor] {
    values.map { Tensor.full([], value: $0, dtype: x.dtype, device: x.device) }
}

/// The forward pass in one pass of the fused kernel: [y] or, `keepingCDF`, [y, 1 + erf(x/√2)]; nil
/// where the kernel does not serve `x`.
private func geluFused(_ x: Tensor, keepingCDF: Bool) -> [Tensor]? {
    // Registers 0: x; 1: 0.5; 2: 1/√2; 3: 1. The order of the composite: (x · 0.5) · (1 + erf(x · 1/√2)).
    let program: [ElementwiseStep] = [
        .binary(.mul, 0, 1),      // 4: x · 0.5
        .binary(.mul, 0, 2),      // 5: x / √2
        .unary(.erf, 5),          // 6
        .binary(.add, 3, 6),      // 7: 1 + erf
        .binary(.mul, 4, 7),      // 8: y
    ]
    return fusedElementwise(program, inputs: [x] + constants([0.5, 1 / 2.0.squareRoot(), 1], like: x),
                            outputs: keepingCDF ? [8, 7] : [8], shape: x.shape)
}

/// VJP of `.gelu`: g · (Φ(x) + x · φ(x)), φ the standard normal density.
func geluVJP(_ node: Node, _ g: Tensor) -> [Tensor?] {
    let x = node.inputs[0]
    if !GradMode.isEnabled, let fused = geluBackwardFused(x, g, onePlusErf: node.outputs.count > 1 ? node.outputs[1] : nil) {
        return [fused]
    }
    let cdf = (1 + (x * (1 / 2.0.squareRoot())).erf()) * 0.5
    let density = (x * x * -0.5).exp() * (1 / (2 * Double.pi).squareRoot())
    return [g * (cdf + x * density)]
}

/// The backward pass in one pass of the fused kernel, or nil where it does not serve. With the forward's
/// saved 1 + erf(x/√2) it skips the erf; the values are the same either way.
private func geluBackwardFused(_ x: Tensor, _ g: Tensor, onePlusErf: Tensor?) -> Tensor? {
    guard g.shape == x.shape else { return nil }
    if let onePlusErf {
        // Registers 0: x; 1: g; 2: 1 + erf(x/√2); 3: 0.5; 4: -0.5; 5: 1/√(2π).
        let program: [ElementwiseStep] = [
            .binary(.mul, 2, 3),      // 6: Φ(x)
            .binary(.mul, 0, 0),      // 7: x²
            .binary(.mul, 7, 4),      // 8: -x²/2
            .unary(.exp, 8),          // 9
            .binary(.mul, 9, 5),      // 10: φ(x)
            .binary(.mul, 0, 10),     // 11: x φ(x)
            .binary(.add, 6, 11),     // 12
            .binary(.mul, 1, 12),     // 13: dx
        ]
        let inputs = [x, g, onePlusErf] + constants([0.5, -0.5, 1 / (2 * Double.pi).squareRoot()], like: x)
        return fusedElementwise(program, inputs: inputs, outputs: [13], shape: x.shape)?[0]
    }
    // Registers 0: x; 1: g; 2: 1/√2; 3: 1; 4: 0.5; 5: -0.5; 6: 1/√(2π).
    let program: [ElementwiseStep] = [
        .binary(.mul, 0, 2),      // 7: x / √2
        .unary(.erf, 7),          // 8
        .binary(.add, 3, 8),      // 9
        .binary(.mul, 9, 4),      // 10: Φ(x)
        .binary(.mul, 0, 0),      // 11: x²
        .binary(.mul, 11, 5),     // 12: -x²/2
        .unary(.exp, 12),         // 13
        .binary(.mul, 13, 6),     // 14: φ(x)
        .binary(.mul, 0, 14),     // 15: x φ(x)
        .binary(.add, 10, 15),    // 16
        .binary(.mul, 1, 16),     // 17: dx
    ]
    let inputs = [x, g] + constants([1 / 2.0.squareRoot(), 1, 0.5, -0.5, 1 / (2 * Double.pi).squareRoot()], like: x)
    return fusedElementwise(program, inputs: inputs, outputs: [17], shape: x.shape)?[0]
}
