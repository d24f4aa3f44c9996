import Nabla

/// The nonlinearity of a plain (Elman) recurrent cell: `RNNCell` and `RNN`.
public enum RNNNonlinearity: String, Sendable {
    /// h' = tanh(W_ih x + b_ih + W_hh h + b_hh), the default.
    case tanh
    /// h' = relu(W_ih x + b_ih + W_hh h + b_hh).
    case relu
}

// The cell functions below are composites of Nabla ops (linear, sigmoid, tanh, elementwise
// arithmetic), so autograd, tracing and fusion see them like any other op. Each comes in two forms:
// the public one takes the input, and an internal `…Step` takes the input projection
// `x · W_ihᵀ + b_ih` already computed, which is how the sequence layers run: they project the
// whole sequence with one GEMM and then loop over time. Where nothing is recorded (inference in
// float32 on the CPU), the LSTM and GRU steps run their pointwise part as one fused kernel with
// bitwise the same values (RecurrentFused.swift); the composite stays the gradient and the fallback.

/// One step of an Elman RNN (PyTorch's `rnn_tanh_cell` / `rnn_relu_cell`):
/// `h' = act(x · weightIHᵀ + biasIH + h · weightHHᵀ + biasHH)`.
///
/// `input` is [batch, inputSize], `hidden` [batch, hiddenSize], `weightIH` [hiddenSize, inputSize],
/// `weightHH` [hiddenSize, hiddenSize], the biases [hiddenSize] (or nil).
///
/// ```swift
/// let h1 = rnnCell(x, hidden: h0, weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh)
/// ```
public func rnnCell(_ input: Tensor, hidden: Tensor, weightIH: Tensor, weightHH: Tensor, biasIH: Tensor? = nil,
                    biasHH: Tensor? = nil, nonlinearity: RNNNonlinearity = .tanh) -> Tensor {
    rnnStep(linear(input, weight: weightIH, bias: biasIH), hidden: hidden, weightHH: weightHH, biasHH: biasHH,
            nonlinearity: nonlinearity)
}

/// One step of an LSTM (PyTorch's `lstm_cell`), gates in PyTorch's order input, forget, cell, output:
///
///     i, f, g, o = split(x · weightIHᵀ + biasIH + h · weightHHᵀ + biasHH, 4)
///     c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)
///     h' = σ(o) ⊙ tanh(c')
///
/// `input` is [batch, inputSize], `hidden` and `cell` [batch, hiddenSize], `weightIH`
/// [4·hiddenSize, inputSize], `weightHH` [4·hiddenSize, hiddenSize], the biases [4·hiddenSize] (or nil).
///
/// ```swift
/// let (h1, c1) = lstmCell(x, hidden: h0, cell: c0, weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh)
/// ```
public func lstmCell(_ input: Tensor, hidden: Tensor, cell: Tensor, weightIH: Tensor, weightHH: Tensor,
                     biasIH: Tensor? = nil, biasHH: Tensor? = nil) -> (h: Tensor, c: Tensor) {
    lstmStep(linear(input, weight: weightIH, bias: biasIH), hidden: hidden, cell: cell, weightHH: weightHH, biasHH: biasHH)
}

/// One step of a GRU (PyTorch's `gru_cell`), gates in PyTorch's order reset, update, new:
///
///     r = σ(W_ir x + b_ir + W_hr h + b_hr)
///     z = σ(W_iz x + b_iz + W_hz h + b_hz)
///     n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
///     h' = (1 - z) ⊙ n + z ⊙ h
///
/// `input` is [batch, inputSize], `hidden` [batch, hiddenSize], `weightIH` [3·hiddenSize, inputSize],
/// `weightHH` [3·hiddenSize, hiddenSize], the biases [3·hiddenSize] (or nil).
///
/// ```swift
/// let h1 = gruCell(x, hidden: h0, weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh)
/// ```
public func gruCell(_ input: Tensor, hidden: Tensor, weightIH: Tensor, weightHH: Tensor, biasIH: Tensor? = nil,
                    biasHH: Tensor? = nil) -> Tensor {
    gruStep(linear(input, weight: weightIH, bias: biasIH), hidden: hidden, weightHH: weightHH, biasHH: biasHH)
}

// MARK: - Steps on a precomputed input projection

/// `act(projection + h · weightHHᵀ + biasHH)`; `projection` is `x · weightIHᵀ + biasIH`, [batch, hiddenSize].
func rnnStep(_ projection: Tensor, hidden: Tensor, weightHH: Tensor, biasHH: Tensor?,
             nonlinearity: RNNNonlinearity) -> Tensor {
    let preactivation = projection + linear(hidden, weight: weightHH, bias: biasHH)
    switch nonlinearity {
    case .tanh: return preactivation.tanh()
    case .relu: return relu(preactivation)
    }
}

/// The LSTM step on `projection` = `x · weightIHᵀ + biasIH`, [batch, 4·hiddenSize].
func lstmStep(_ projection: Tensor, hidden: Tensor, cell: Tensor, weightHH: Tensor, biasHH: Tensor?) -> (h: Tensor, c: Tensor) {
    let preactivations = projection + linear(hidden, weight: weightHH, bias: biasHH)
    return lstmCellPointwise(gates: preactivations, cell: cell)
}

/// The GRU step on `projection` = `x · weightIHᵀ + biasIH`, [batch, 3·hiddenSize].
func gruStep(_ projection: Tensor, hidden: Tensor, weightHH: Tensor, biasHH: Tensor?) -> Tensor {
    let hiddenProjection = linear(hidden, weight: weightHH, bias: biasHH)
    if let fused = fusedGRUPointwise(inputProjection: projection, hiddenProjection: hiddenProjection, hidden: hidden) {
        return fused
    }
    let x = projection.chunked(3, axis: -1), h = hiddenProjection.chunked(3, axis: -1)
    let resetGate = (x[0] + h[0]).sigmoid()
    let updateGate = (x[1] + h[1]).sigmoid()
    let newGate = (x[2] + resetGate * h[2]).tanh()
    // (1 - z) ⊙ n + z ⊙ h, written as PyTorch's kernel computes it.
    return (hidden - newGate) * updateGate + newGate
}

// MARK: - Shape checks shared by the cells

/// Traps with a message naming `op` unless `input` is [batch, inputSize] or [inputSize] and `state`
/// (when given) matches [batch, hiddenSize] or [hiddenSize].
func checkCellShapes(_ op: String, input: Tensor, inputSize: Int, state: Tensor?, stateName: String, hiddenSize: Int,
                     file: StaticString, line: UInt) {
    guard (input.rank == 1 || input.rank == 2), input.shape.last == inputSize else {
        fatalError("\(op): expected an input of shape [batch, \(inputSize)] or [\(inputSize)], got \(input.shape)",
                   file: file, line: line)
    }
    guard let state else { return }
    let expected = input.rank == 2 ? [input.shape[0], hiddenSize] : [hiddenSize]
    guard state.shape == expected else {
        fatalError("\(op): expected \(stateName) of shape \(expected) for an input of shape \(input.shape), got \(state.shape)",
                   file: file, line: line)
    }
}
