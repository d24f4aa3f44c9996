import Nabla

/// What `RNN`, `LSTM` and `GRU` share: the configuration, the weights of every layer and direction
/// under PyTorch's names, and the time loop (`runRecurrent`, Nabla ops only, so autograd works).
///
/// Parameters are named exactly as in PyTorch: `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`,
/// `bias_hh_l0`, then `…_l0_reverse` for the reverse direction, then `…_l1`, and so on; layer 0's
/// `weight_ih` is [gates·hidden, input], later layers' [gates·hidden, directions·hidden]. Every tensor
/// is initialised from U(-1/√hidden, 1/√hidden).
public class RecurrentLayer: Module {
    /// The number of input features.
    public let inputSize: Int
    /// The number of features of the hidden state.
    public let hiddenSize: Int
    /// The number of stacked layers.
    public let numLayers: Int
    /// Whether the layers have biases.
    public let bias: Bool
    /// Whether inputs and outputs are [batch, time, features] (else [time, batch, features]).
    public let batchFirst: Bool
    /// The dropout probability applied to the outputs of every layer but the last, in training mode.
    public let dropout: Double
    /// Whether each layer also runs over the reversed sequence (outputs concatenated on the last axis).
    public let bidirectional: Bool
    /// The source of the dropout masks (`Generator.default` when nil).
    public let generator: Generator?
    /// The weights, indexed by layer · directions + direction (0 forward, 1 reverse).
    public let allWeights: [RecurrentWeights]
    let mode: RecurrentMode

    init(mode: RecurrentMode, inputSize: Int, hiddenSize: Int, numLayers: Int, bias: Bool, batchFirst: Bool,
         dropout: Double, bidirectional: Bool, dtype: DType, generator: Generator?) {
        let name = mode.name
        precondition(inputSize >= 0 && hiddenSize > 0, "\(name): sizes must be positive, got input \(inputSize), hidden \(hiddenSize)")
        precondition(numLayers >= 1, "\(name): numLayers must be at least 1, got \(numLayers)")
        precondition(dropout >= 0 && dropout <= 1, "\(name): dropout has to be between 0 and 1, but got \(dropout)")
        (self.mode, self.inputSize, self.hiddenSize, self.numLayers) = (mode, inputSize, hiddenSize, numLayers)
        (self.bias, self.batchFirst, self.dropout, self.bidirectional) = (bias, batchFirst, dropout, bidirectional)
        self.generator = generator
        let directions = bidirectional ? 2 : 1
        var weights: [RecurrentWeights] = []
        for layer in 0..<numLayers {
            for _ in 0..<directions {
                weights.append(RecurrentWeights(gates: mode.gates, inputSize: layer == 0 ? inputSize : directions * hiddenSize,
                                                hiddenSize: hiddenSize, bias: bias, dtype: dtype))
            }
        }
        allWeights = weights
        super.init()
        resetParameters()
    }

    /// 2 when bidirectional, else 1.
    public var directions: Int { bidirectional ? 2 : 1 }

    /// The weights of `layer` (0-based) in the forward or reverse direction.
    public func weights(layer: Int, reverse: Bool = false) -> RecurrentWeights {
        precondition(layer >= 0 && layer < numLayers && (!reverse || bidirectional),
                     "\(mode.name): no weights for layer \(layer)\(reverse ? " (reverse)" : "") in a \(numLayers)-layer "
                     + "\(bidirectional ? "bidirectional" : "unidirectional") layer")
        return allWeights[layer * directions + (reverse ? 1 : 0)]
    }

    /// Draws new values from U(-1/√hidden, 1/√hidden) (PyTorch's default).
    public func resetParameters() {
        for w in allWeights { w.reset(hiddenSize: hiddenSize) }
    }

    /// PyTorch's names: `weight_ih_l{k}[_reverse]`, `weight_hh_l{k}[_reverse]`, `bias_ih_l{k}[_reverse]`,
    /// `bias_hh_l{k}[_reverse]`, layer by layer, forward before reverse.
    public override func namedDirectParameters() -> [(String, Parameter)] {
        allWeights.enumerated().flatMap { index, w in
            w.named(suffix: "_l\(index / directions)" + (index % directions == 1 ? "_reverse" : ""))
        }
    }

    /// Runs the loop with this layer's configuration.
    func run(_ input: Tensor, h0: Tensor?, c0: Tensor?, lengths: [Int]?, file: StaticString, line: UInt) -> RecurrentResult {
        let config = RecurrentConfiguration(mode: mode, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers,
                                            directions: directions, batchFirst: batchFirst, dropout: dropout,
                                            training: isTraining, generator: generator, weights: allWeights)
        let result = runRecurrent(config, input: input, h0: h0, c0: c0, lengths: lengths, file: file, line: line)
        return RecurrentResult(output: reportOutput(result.output), h: result.h, c: result.c)
    }
}

/// A multi-layer Elman RNN, `h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)` (or relu), PyTorch's `nn.RNN`.
///
/// The input is [time, batch, input] (or [batch, time, input] with `batchFirst`, or unbatched [time,
/// input]); the initial state `h0` is [numLayers·directions, batch, hidden] (zeros when nil). It returns
/// the last layer's outputs [time, batch, directions·hidden] and the final states `hN`
/// [numLayers·directions, batch, hidden]. `lengths` gives each batch entry's number of valid steps
/// (sorted or not), as `pack_padded_sequence` does in PyTorch: padded steps do not change the state and
/// their outputs are zero; the output keeps the input's length (`pad_packed_sequence(total_length: T)`).
///
/// ```swift
/// let rnn = RNN(10, 20, numLayers: 2)
/// let (output, hN) = rnn(Tensor.randn([5, 3, 10]))      // [5, 3, 20], [2, 3, 20]
/// let packed = rnn(Tensor.randn([5, 3, 10]), lengths: [5, 2, 3])
/// ```
public final class RNN: RecurrentLayer {
    /// tanh (the default) or relu.
    public let nonlinearity: RNNNonlinearity

    /// An RNN from `inputSize` features to `hiddenSize`, with PyTorch's options.
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, nonlinearity: RNNNonlinearity = .tanh,
                bias: Bool = true, batchFirst: Bool = false, dropout: Double = 0, bidirectional: Bool = false,
                dtype: DType = .float32, generator: Generator? = nil) {
        self.nonlinearity = nonlinearity
        super.init(mode: .rnn(nonlinearity), inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                   batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, dtype: dtype, generator: generator)
    }

    /// The outputs of the last layer and the final hidden state of every layer and direction.
    public func callAsFunction(_ input: Tensor, _ h0: Tensor? = nil, lengths: [Int]? = nil,
                               file: StaticString = #fileID, line: UInt = #line) -> (output: Tensor, hN: Tensor) {
        let result = run(input, h0: h0, c0: nil, lengths: lengths, file: file, line: line)
        return (result.output, result.h)
    }
}

/// A multi-layer long short-term memory network (PyTorch's `nn.LSTM`), gates in PyTorch's order i, f, g, o.
///
/// Shapes and options as in `RNN`; the state is the pair (h, c), each [numLayers·directions, batch,
/// hidden] (zeros when nil), and the result adds the final cell states `cN`. With `lengths` it matches
/// PyTorch on `pack_padded_sequence` input (see `RNN`).
///
/// ```swift
/// let lstm = LSTM(10, 20, numLayers: 2, batchFirst: true, bidirectional: true)
/// let x = Tensor.randn([3, 5, 10])
/// let (output, hN, cN) = lstm(x)                        // [3, 5, 40], [4, 3, 20], [4, 3, 20]
/// let next = lstm(x, (h: hN, c: cN), lengths: [5, 1, 3])
/// ```
public final class LSTM: RecurrentLayer {
    /// An LSTM from `inputSize` features to `hiddenSize`, with PyTorch's options.
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Double = 0, bidirectional: Bool = false, dtype: DType = .float32, generator: Generator? = nil) {
        super.init(mode: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                   batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, dtype: dtype, generator: generator)
    }

    /// The outputs of the last layer and the final hidden and cell states of every layer and direction.
    public func callAsFunction(_ input: Tensor, _ state: (h: Tensor, c: Tensor)? = nil, lengths: [Int]? = nil,
                               file: StaticString = #fileID, line: UInt = #line) -> (output: Tensor, hN: Tensor, cN: Tensor) {
        let result = run(input, h0: state?.h, c0: state?.c, lengths: lengths, file: file, line: line)
        return (result.output, result.h, result.c!)
    }
}

/// A multi-layer gated recurrent unit network (PyTorch's `nn.GRU`), gates in PyTorch's order r, z, n
/// with `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`.
///
/// Shapes, options and `lengths` as in `RNN`.
///
/// ```swift
/// let gru = GRU(10, 20, numLayers: 2, dropout: 0.1)
/// let (output, hN) = gru(Tensor.randn([5, 3, 10]), Tensor.zeros([2, 3, 20]))
/// ```
public final class GRU: RecurrentLayer {
    /// A GRU from `inputSize` features to `hiddenSize`, with PyTorch's options.
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Double = 0, bidirectional: Bool = false, dtype: DType = .float32, generator: Generator? = nil) {
        super.init(mode: .gru, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                   batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, dtype: dtype, generator: generator)
    }

    /// The outputs of the last layer and the final hidden state of every layer and direction.
    public func callAsFunction(_ input: Tensor, _ h0: Tensor? = nil, lengths: [Int]? = nil,
                               file: StaticString = #fileID, line: UInt = #line) -> (output: Tensor, hN: Tensor) {
        let result = run(input, h0: h0, c0: nil, lengths: lengths, file: file, line: line)
        return (result.output, result.h)
    }
}
