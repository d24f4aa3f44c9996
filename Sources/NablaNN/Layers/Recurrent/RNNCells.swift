import Nabla

/// The four tensors of one recurrent cell, with PyTorch's shapes: `weightIH` [gates·hidden, input],
/// `weightHH` [gates·hidden, hidden], `biasIH` and `biasHH` [gates·hidden] (nil without bias), where
/// gates is 1 (RNN), 4 (LSTM: i, f, g, o) or 3 (GRU: r, z, n).
public struct RecurrentWeights {
    /// The input-to-hidden weight, [gates·hidden, input].
    public let weightIH: Parameter
    /// The hidden-to-hidden weight, [gates·hidden, hidden].
    public let weightHH: Parameter
    /// The input-to-hidden bias, [gates·hidden], or nil.
    public let biasIH: Parameter?
    /// The hidden-to-hidden bias, [gates·hidden], or nil.
    public let biasHH: Parameter?

    /// Zero-filled weights (the owner initialises them).
    init(gates: Int, inputSize: Int, hiddenSize: Int, bias: Bool, dtype: DType) {
        weightIH = Parameter(Tensor.zeros([gates * hiddenSize, inputSize], dtype: dtype))
        weightHH = Parameter(Tensor.zeros([gates * hiddenSize, hiddenSize], dtype: dtype))
        biasIH = bias ? Parameter(Tensor.zeros([gates * hiddenSize], dtype: dtype)) : nil
        biasHH = bias ? Parameter(Tensor.zeros([gates * hiddenSize], dtype: dtype)) : nil
    }

    /// The parameters with PyTorch's names, `weight_ih{suffix}`, `weight_hh{suffix}`, `bias_ih{suffix}`,
    /// `bias_hh{suffix}`, in that order.
    func named(suffix: String = "") -> [(String, Parameter)] {
        var result = [("weight_ih\(suffix)", weightIH), ("weight_hh\(suffix)", weightHH)]
        if let biasIH { result.append(("bias_ih\(suffix)", biasIH)) }
        if let biasHH { result.append(("bias_hh\(suffix)", biasHH)) }
        return result
    }

    /// PyTorch's default initialisation: every tensor from U(-1/√hidden, 1/√hidden).
    func reset(hiddenSize: Int, generator: Generator? = nil) {
        let bound = hiddenSize > 0 ? 1 / Double(hiddenSize).squareRoot() : 0
        for (_, p) in named() { Init.uniform(p, low: -bound, high: bound, generator: generator) }
    }
}

/// What the three cells share: sizes, the four weights with PyTorch's names, PyTorch's default
/// initialisation, and the batching of an input and a state.
open class RecurrentCell: Module {
    /// The number of input features.
    public let inputSize: Int
    /// The number of features of the hidden state.
    public let hiddenSize: Int
    /// The weights (`weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`).
    public let weights: RecurrentWeights

    /// A cell with `gates` blocks of weights; `name` appears in size errors.
    init(_ name: String, gates: Int, inputSize: Int, hiddenSize: Int, bias: Bool, dtype: DType) {
        precondition(inputSize >= 0 && hiddenSize > 0, "\(name): sizes must be positive, got \(inputSize) and \(hiddenSize)")
        (self.inputSize, self.hiddenSize) = (inputSize, hiddenSize)
        weights = RecurrentWeights(gates: gates, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, dtype: dtype)
        super.init()
        resetParameters()
    }

    /// Draws new values from U(-1/√hidden, 1/√hidden) (PyTorch's default).
    public func resetParameters() { weights.reset(hiddenSize: hiddenSize) }

    /// `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`.
    public override func namedDirectParameters() -> [(String, Parameter)] { weights.named() }

    /// `input` as [batch, input] and `state` as [batch, hidden] (zeros when nil), and whether the
    /// input was already batched (results of an unbatched call are squeezed back).
    func batched(_ input: Tensor, _ state: Tensor?) -> (x: Tensor, state: Tensor, wasBatched: Bool) {
        let wasBatched = input.rank == 2
        let x = wasBatched ? input : input.unsqueezed(axis: 0)
        let h = state.map { wasBatched ? $0 : $0.unsqueezed(axis: 0) } ?? Tensor.zeros([x.shape[0], hiddenSize], dtype: x.dtype)
        return (x, h, wasBatched)
    }
}

/// An Elman RNN cell, `h' = tanh(W_ih x + b_ih + W_hh h + b_hh)` (or relu), PyTorch's `nn.RNNCell`.
///
/// Parameters carry PyTorch's names `weight_ih` [hidden, input], `weight_hh` [hidden, hidden],
/// `bias_ih` and `bias_hh` [hidden], all initialised from U(-1/√hidden, 1/√hidden). The input is
/// [batch, input] or unbatched [input]; the hidden state defaults to zeros.
///
/// ```swift
/// let cell = RNNCell(10, 20)
/// var h = Tensor.zeros([3, 20])
/// for x in Tensor.randn([6, 3, 10]).split(size: 1) { h = cell(x.squeezed(axis: 0), h) }
/// ```
public final class RNNCell: RecurrentCell {
    /// tanh (the default) or relu.
    public let nonlinearity: RNNNonlinearity

    /// A cell from `inputSize` features to `hiddenSize`, with biases unless `bias` is false.
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, nonlinearity: RNNNonlinearity = .tanh,
                dtype: DType = .float32) {
        self.nonlinearity = nonlinearity
        super.init("RNNCell", gates: 1, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, dtype: dtype)
    }

    /// The next hidden state, [batch, hidden] (or [hidden] for an unbatched input).
    public func callAsFunction(_ input: Tensor, _ hidden: Tensor? = nil,
                               file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        checkCellShapes("RNNCell", input: input, inputSize: inputSize, state: hidden, stateName: "hidden",
                        hiddenSize: hiddenSize, file: file, line: line)
        let (x, h, batched) = self.batched(input, hidden)
        let next = rnnCell(x, hidden: h, weightIH: weights.weightIH.value, weightHH: weights.weightHH.value,
                           biasIH: weights.biasIH?.value, biasHH: weights.biasHH?.value, nonlinearity: nonlinearity)
        return reportOutput(batched ? next : next.squeezed(axis: 0))
    }
}

/// A long short-term memory cell (PyTorch's `nn.LSTMCell`), gates in PyTorch's order i, f, g, o:
/// `c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)`, `h' = σ(o) ⊙ tanh(c')`.
///
/// Parameters carry PyTorch's names `weight_ih` [4·hidden, input], `weight_hh` [4·hidden, hidden],
/// `bias_ih` and `bias_hh` [4·hidden], all initialised from U(-1/√hidden, 1/√hidden). The input is
/// [batch, input] or unbatched [input]; the state (h, c) defaults to zeros.
///
/// ```swift
/// let cell = LSTMCell(10, 20)
/// var state = (h: Tensor.zeros([3, 20]), c: Tensor.zeros([3, 20]))
/// for x in Tensor.randn([6, 3, 10]).split(size: 1) { state = cell(x.squeezed(axis: 0), state) }
/// ```
public final class LSTMCell: RecurrentCell {
    /// A cell from `inputSize` features to `hiddenSize`, with biases unless `bias` is false.
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, dtype: DType = .float32) {
        super.init("LSTMCell", gates: 4, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, dtype: dtype)
    }

    /// The next state (h', c'), each [batch, hidden] (or [hidden] for an unbatched input).
    public func callAsFunction(_ input: Tensor, _ state: (h: Tensor, c: Tensor)? = nil,
                               file: StaticString = #fileID, line: UInt = #line) -> (h: Tensor, c: Tensor) {
        checkCellShapes("LSTMCell", input: input, inputSize: inputSize, state: state?.h, stateName: "h",
                        hiddenSize: hiddenSize, file: file, line: line)
        checkCellShapes("LSTMCell", input: input, inputSize: inputSize, state: state?.c, stateName: "c",
                        hiddenSize: hiddenSize, file: file, line: line)
        let (x, h, batched) = self.batched(input, state?.h)
        let c = self.batched(input, state?.c).state
        let next = lstmCell(x, hidden: h, cell: c, weightIH: weights.weightIH.value, weightHH: weights.weightHH.value,
                            biasIH: weights.biasIH?.value, biasHH: weights.biasHH?.value)
        return batched ? (reportOutput(next.h), next.c) : (reportOutput(next.h.squeezed(axis: 0)), next.c.squeezed(axis: 0))
    }
}

/// A gated recurrent unit cell (PyTorch's `nn.GRUCell`), gates in PyTorch's order r, z, n:
/// `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`, `h' = (1 - z) ⊙ n + z ⊙ h`.
///
/// Parameters carry PyTorch's names `weight_ih` [3·hidden, input], `weight_hh` [3·hidden, hidden],
/// `bias_ih` and `bias_hh` [3·hidden], all initialised from U(-1/√hidden, 1/√hidden). The input is
/// [batch, input] or unbatched [input]; the hidden state defaults to zeros.
///
/// ```swift
/// let cell = GRUCell(10, 20)
/// let h1 = cell(Tensor.randn([3, 10]))          // from h0 = 0
/// let h2 = cell(Tensor.randn([3, 10]), h1)
/// ```
public final class GRUCell: RecurrentCell {
    /// A cell from `inputSize` features to `hiddenSize`, with biases unless `bias` is false.
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, dtype: DType = .float32) {
        super.init("GRUCell", gates: 3, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, dtype: dtype)
    }

    /// The next hidden state, [batch, hidden] (or [hidden] for an unbatched input).
    public func callAsFunction(_ input: Tensor, _ hidden: Tensor? = nil,
                               file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        checkCellShapes("GRUCell", input: input, inputSize: inputSize, state: hidden, stateName: "hidden",
                        hiddenSize: hiddenSize, file: file, line: line)
        let (x, h, batched) = self.batched(input, hidden)
        let next = gruCell(x, hidden: h, weightIH: weights.weightIH.value, weightHH: weights.weightHH.value,
                           biasIH: weights.biasIH?.value, biasHH: weights.biasHH?.value)
        return reportOutput(batched ? next : next.squeezed(axis: 0))
    }
}
