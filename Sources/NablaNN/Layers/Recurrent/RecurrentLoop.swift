import Nabla

/// Which cell a sequence layer runs.
enum RecurrentMode: Equatable {
    case rnn(RNNNonlinearity)
    case lstm
    case gru

    /// The number of gates stacked in the weights: 1, 4 or 3.
    var gates: Int {
        switch self {
        case .rnn: return 1
        case .lstm: return 4
        case .gru: return 3
        }
    }

    /// The name used in messages.
    var name: String {
        switch self {
        case .rnn: return "RNN"
        case .lstm: return "LSTM"
        case .gru: return "GRU"
        }
    }
}

/// What the time loop needs from the layer: its configuration and weights.
struct RecurrentConfiguration {
    let mode: RecurrentMode
    let inputSize: Int
    let hiddenSize: Int
    let numLayers: Int
    let directions: Int
    let batchFirst: Bool
    let dropout: Double
    let training: Bool
    let generator: Generator?
    /// Indexed by layer · directions + direction (0 forward, 1 reverse).
    let weights: [RecurrentWeights]
}

/// The result of the loop: output [T, B, D·H] (or the caller's layout) and final states [L·D, B, H].
struct RecurrentResult {
    var output: Tensor
    var h: Tensor
    var c: Tensor?
}

/// Runs a (multi-layer, possibly bidirectional) recurrent layer over `input` with Nabla ops only,
/// so the whole computation is recorded on the tape and differentiated like any other composite.
///
/// Each layer and direction projects the whole sequence with one GEMM (`x · W_ihᵀ + b_ih`), then loops
/// over time with the cell step; an LSTM or GRU without `lengths` hands the whole loop to the core's
/// `lstmSequence` or `gruSequence` primitive (fused forward and backward kernels, the same loop as ops
/// elsewhere). With `lengths`, a per-step mask [B, 1] (1 where t < length) keeps the
/// state of finished sequences (h = m ⊙ h' + (1 - m) ⊙ h) and zeroes their outputs; the reverse
/// direction starts each sequence at its own last valid step, because the padded steps before it (in
/// reverse order) leave the initial state unchanged. This is what PyTorch's packed sequences compute.
func runRecurrent(_ config: RecurrentConfiguration, input: Tensor, h0: Tensor?, c0: Tensor?, lengths: [Int]?,
                  file: StaticString, line: UInt) -> RecurrentResult {
    let op = config.mode.name
    let isLSTM = config.mode == .lstm
    guard input.rank == 2 || input.rank == 3, input.shape.last == config.inputSize else {
        let layout = config.batchFirst ? "[batch, time, \(config.inputSize)]" : "[time, batch, \(config.inputSize)]"
        fatalError("\(op): expected an input of shape \(layout) or [time, \(config.inputSize)], got \(input.shape)",
                   file: file, line: line)
    }
    let batched = input.rank == 3
    // Time-major [T, B, I] from here on.
    // (Dense, so the input projection below is one GEMM over all steps.)
    var x = batched ? (config.batchFirst ? input.transposed(0, 1).contiguous() : input) : input.unsqueezed(axis: 1)
    // The last layer of a batch-first layer stacks its steps on axis 1: a dense [B, T, …] output.
    let outputsBatchFirst = batched && config.batchFirst
    let steps = x.shape[0], batch = x.shape[1], hidden = config.hiddenSize
    let stateCount = config.numLayers * config.directions
    let stateShape = batched ? [stateCount, batch, hidden] : [stateCount, hidden]

    func initialState(_ state: Tensor?, _ name: String) -> Tensor {
        guard let state else { return Tensor.zeros([stateCount, batch, hidden], dtype: x.dtype, device: x.device) }
        guard state.shape == stateShape else {
            fatalError("\(op): expected \(name) of shape \(stateShape) for an input of shape \(input.shape), got \(state.shape)",
                       file: file, line: line)
        }
        return batched ? state : state.unsqueezed(axis: 1)
    }
    let hInitial = initialState(h0, isLSTM ? "h0" : "hx")
    let cInitial: Tensor? = isLSTM ? initialState(c0, "c0") : nil

    // keep[t] = 1 where t < lengths[b], hold[t] = 1 - keep[t]; nil when every sequence is full length.
    var masks: (keep: [Tensor], hold: [Tensor])?
    if let lengths {
        guard lengths.count == batch, lengths.allSatisfy({ $0 >= 1 && $0 <= steps }) else {
            fatalError("\(op): lengths \(lengths) must have one entry per batch element (\(batch)), each in 1...\(steps)",
                       file: file, line: line)
        }
        if lengths.contains(where: { $0 < steps }) {
            var keep: [Tensor] = [], hold: [Tensor] = []
            for t in 0..<steps {
                let k = Tensor(shape: [batch, 1], scalars: lengths.map { t < $0 ? 1.0 : 0.0 }).cast(to: x.dtype)
                keep.append(k)
                hold.append(Tensor(shape: [batch, 1], scalars: lengths.map { t < $0 ? 0.0 : 1.0 }).cast(to: x.dtype))
            }
            masks = (keep, hold)
        }
    }

    var hFinal: [Tensor] = [], cFinal: [Tensor] = []
    for layer in 0..<config.numLayers {
        var directionOutputs: [Tensor] = []
        for direction in 0..<config.directions {
            let index = layer * config.directions + direction
            let w = config.weights[index]
            // RNN and LSTM steps add both biases to the same sum, so they are added once, to the whole
            // sequence's projection: one bias add and one bias-gradient reduction per layer instead of
            // one per step. (The GRU multiplies W_hn·h + b_hn by its reset gate: b_hh stays in the step.)
            let foldsHiddenBias = config.mode != .gru
            var inputBias = w.biasIH?.value
            if foldsHiddenBias, let biasHH = w.biasHH?.value { inputBias = inputBias.map { $0 + biasHH } ?? biasHH }
            let projection = linear(x, weight: w.weightIH.value, bias: inputBias)   // [T, B, G·H]
            let weightHH = w.weightHH.value, biasHH = foldsHiddenBias ? nil : w.biasHH?.value
            var h = hInitial.slice(axis: 0, start: index, end: index + 1).squeezed(axis: 0)
            var c = cInitial?.slice(axis: 0, start: index, end: index + 1).squeezed(axis: 0)
            let timeAxis = outputsBatchFirst && layer == config.numLayers - 1 ? 1 : 0
            // An LSTM over full-length sequences runs as one primitive (the whole loop fused, forward and backward).
            if isLSTM, masks == nil, let cStart = c {
                let (sequence, cLast) = lstmSequence(projection: projection, h0: h, c0: cStart, weightHH: weightHH,
                                                     reverse: direction == 1)
                let last = direction == 0 ? steps - 1 : 0
                hFinal.append(sequence.slice(axis: 0, start: last, end: last + 1).squeezed(axis: 0))
                cFinal.append(cLast)
                directionOutputs.append(timeAxis == 1 ? sequence.transposed(0, 1).contiguous() : sequence)
                continue
            }
            // So does a GRU.
            if config.mode == .gru, masks == nil {
                let sequence = gruSequence(projection: projection, h0: h, weightHH: weightHH, biasHH: biasHH, reverse: direction == 1)
                let last = direction == 0 ? steps - 1 : 0
                hFinal.append(sequence.slice(axis: 0, start: last, end: last + 1).squeezed(axis: 0))
                directionOutputs.append(timeAxis == 1 ? sequence.transposed(0, 1).contiguous() : sequence)
                continue
            }
            var outputs = [Tensor?](repeating: nil, count: steps)
            let order: [Int] = direction == 0 ? Array(0..<steps) : Array((0..<steps).reversed())
            for t in order {
                let p = projection.slice(axis: 0, start: t, end: t + 1).squeezed(axis: 0)
                var hNext: Tensor, cNext: Tensor?
                switch config.mode {
                case .rnn(let nonlinearity):
                    hNext = rnnStep(p, hidden: h, weightHH: weightHH, biasHH: biasHH, nonlinearity: nonlinearity)
                case .lstm:
                    (hNext, cNext) = lstmStep(p, hidden: h, cell: c!, weightHH: weightHH, biasHH: biasHH)
                case .gru:
                    hNext = gruStep(p, hidden: h, weightHH: weightHH, biasHH: biasHH)
                }
                if let masks {
                    let keep = masks.keep[t], hold = masks.hold[t]
                    outputs[t] = hNext * keep
                    h = hNext * keep + h * hold
                    if let cNext, let cPrevious = c { c = cNext * keep + cPrevious * hold }
                } else {
                    outputs[t] = hNext
                    h = hNext
                    if let cNext { c = cNext }
                }
            }
            directionOutputs.append(stack(outputs.map { $0! }, axis: timeAxis))
            hFinal.append(h)
            if let c { cFinal.append(c) }
        }
        x = directionOutputs.count == 1 ? directionOutputs[0] : concat(directionOutputs, axis: 2)
        if layer < config.numLayers - 1, config.dropout > 0, config.training {
            x = NablaNN.dropout(x, p: config.dropout, training: true, generator: config.generator)
        }
    }

    var output = x, h = stack(hFinal, axis: 0), c = cFinal.isEmpty ? nil : stack(cFinal, axis: 0)
    // A batched output is already in the caller's layout (see outputsBatchFirst).
    if !batched {
        output = output.squeezed(axis: 1)
        h = h.squeezed(axis: 1)
        c = c?.squeezed(axis: 1)
    }
    return RecurrentResult(output: output, h: h, c: c)
}
