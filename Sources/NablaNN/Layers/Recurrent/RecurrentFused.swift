import Nabla

// A fused pointwise kernel for the GRU step (DESIGN.md, point 1: a fused kernel for a composite keeps
// the composite as its gradient and its fallback). The LSTM's is the core primitive
// `lstmCellPointwise`, which also has a fused backward pass and so serves training too.
//
// After the two matrix products, the rest of a GRU step is a chain of ~10 elementwise ops; the fused
// elementwise kernel runs the chain in one pass over the data, with the same kernels in the same
// order, so its values are bitwise those of the composite. It is used only where the composite would
// record nothing: no tensor requires a gradient (inference, `withNoGrad`) and no tracer is watching
// (a trace has to see the primitives). Everywhere else the composite in RecurrentFunctions.swift runs,
// and autograd differentiates it.

/// Whether a step over `tensors` may use a fused kernel: nothing to record on the tape or in a trace.
func canFuseStep(_ tensors: [Tensor]) -> Bool {
    Tracing.observer == nil && !tensors.contains(where: \.requiresGrad)
}

/// The GRU pointwise step on the two projections ([batch, 3·hidden] each) and the hidden state: h'
/// from one fused pass, or nil when the fused kernel cannot serve the inputs.
func fusedGRUPointwise(inputProjection: Tensor, hiddenProjection: Tensor, hidden: Tensor) -> Tensor? {
    guard canFuseStep([inputProjection, hiddenProjection, hidden]) else { return nil }
    let x = inputProjection.chunked(3, axis: -1), h = hiddenProjection.chunked(3, axis: -1)
    // Registers 0-2: x_r, x_z, x_n; 3-5: h_r, h_z, h_n; 6: h.
    let program: [ElementwiseStep] = [
        .binary(.add, 0, 3),      // 7
        .unary(.sigmoid, 7),      // 8: r
        .binary(.add, 1, 4),      // 9
        .unary(.sigmoid, 9),      // 10: z
        .binary(.mul, 8, 5),      // 11: r h_n
        .binary(.add, 2, 11),     // 12
        .unary(.tanh, 12),        // 13: n
        .binary(.sub, 6, 13),     // 14: h - n
        .binary(.mul, 14, 10),    // 15: (h - n) z
        .binary(.add, 15, 13),    // 16: h'
    ]
    return fusedElementwise(program, inputs: x + h + [hidden], outputs: [16], shape: hidden.shape)?[0]
}
