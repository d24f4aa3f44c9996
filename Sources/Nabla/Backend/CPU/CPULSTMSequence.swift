// The CPU kernels of the `lstmSequence` primitive (see `Primitives/LSTMSequencePrimitive.swift`): a
// whole LSTM layer direction, forward and backward, as one loop over time each way.
//
// Forward, per step: one product writes the step's input projection plus h_{t-1}·W_hhᵀ into the gates
// buffer (float32: oneDNN's matmul primitive with W_hhᵀ packed once per call), then one pass turns the pre-activations into the activations
// i, f, g, o in place (kept for backward) and writes c_t and h_t. Backward, per step: one pass from
// (dh_t, dc_t) to the four gate gradients and dc_{t-1}, then one GEMM dh_{t-1} = dgates_t·W_hh. The
// weight gradient is one GEMM over all steps at the end (Σ_t dgatesᵀ_t·h_{t-1}, K = steps·batch)
// instead of a thin GEMM and an accumulation per step; the gate gradients double as the gradient of
// the input projection, so the input weights get theirs from one GEMM too (through the ops that made
// the projection). This is the schedule of oneDNN's and cuDNN's RNN primitives.

/// What the forward pass keeps for backward: the gate activations i, f, g, o [T, B, 4H] and the cell
/// states c_t [T, B, H], both by time index.
struct LSTMSequenceSaved {
    let gates: Tensor
    let cells: Tensor
}

extension CPUBackend {
    /// Runs one LSTM direction over a dense `projection` [T, B, 4H] (x·W_ihᵀ + both biases) from dense
    /// `h0`, `c0` [B, H] with dense `weightHH` [4H, H]; returns the hidden states [T, B, H] by time
    /// index, the last cell state [B, H] and what backward needs.
    func lstmSequenceForward<T: SequenceKernelScalar>(_: T.Type, projection: Tensor, h0: Tensor, c0: Tensor, weightHH: Tensor,
                                                  shape: RecurrentSequenceShape) -> (output: Tensor, cell: Tensor, saved: LSTMSequenceSaved) {
        let (steps, batch, hidden) = (shape.steps, shape.batch, shape.hidden)
        let dtype = projection.dtype
        let output = Tensor(uninitializedShape: [steps, batch, hidden], dtype: dtype)
        let gates = Tensor(uninitializedShape: [steps, batch, 4 * hidden], dtype: dtype)
        let cells = Tensor(uninitializedShape: [steps, batch, hidden], dtype: dtype)
        let g = gates.elementPointer(T.self), c = cells.elementPointer(T.self), h = output.elementPointer(T.self)
        let product = T.recurrentProduct(batch: batch, hidden: hidden, gates: 4, weightHH: weightHH, addsProjection: true)
        let p = UnsafePointer(projection.elementPointer(T.self))
        var hPrevious = UnsafePointer(h0.elementPointer(T.self)), cPrevious = UnsafePointer(c0.elementPointer(T.self))
        for s in 0..<steps {
            let t = shape.time(s)
            let gt = g + t * shape.gateStride, ct = c + t * shape.stateStride, ht = h + t * shape.stateStride
            product(hPrevious, p + t * shape.gateStride, gt)
            let box = UncheckedSendable((gt, ct, ht, cPrevious))
            Parallel.forChunks(count: batch, grain: shape.rowGrain) { rows in
                let (gt, ct, ht, cPrevious) = box.value
                for row in rows {
                    let gr = gt + row * 4 * hidden, cr = ct + row * hidden, hr = ht + row * hidden, cp = cPrevious + row * hidden
                    T.sigmoidInPlace(gr, count: 2 * hidden)                     // i, f
                    T.tanh(UnsafePointer(gr + 2 * hidden), gr + 2 * hidden, count: hidden)   // g
                    T.sigmoidInPlace(gr + 3 * hidden, count: hidden)            // o
                    forEachVector(hidden) { j, n in
                        let c = load(gr + hidden, j, n) * load(cp, j, n) + load(gr, j, n) * load(gr + 2 * hidden, j, n)
                        store(c, cr, j, n)
                    }
                    T.tanh(UnsafePointer(cr), hr, count: hidden)
                    forEachVector(hidden) { j, n in store(load(gr + 3 * hidden, j, n) * load(hr, j, n), hr, j, n) }
                }
            }
            hPrevious = UnsafePointer(ht)
            cPrevious = UnsafePointer(ct)
        }
        let last = Tensor(uninitializedShape: [batch, hidden], dtype: dtype)
        last.elementPointer(T.self).update(from: cPrevious, count: shape.stateStride)
        return (output, last, LSTMSequenceSaved(gates: gates, cells: cells))
    }

    /// The gradients of one LSTM direction: of the projection [T, B, 4H], `h0`, `c0` [B, H] and
    /// `weightHH` [4H, H], from those of the outputs [T, B, H] and the last cell state [B, H] (nil: zero).
    /// Every tensor is dense (the gradients too); `output` and `saved` are what `lstmSequenceForward` returned.
    func lstmSequenceBackward<T: SequenceKernelScalar>(_: T.Type, output: Tensor, saved: LSTMSequenceSaved, h0: Tensor, c0: Tensor,
                                                   weightHH: Tensor, gradOutput: Tensor?, gradCell: Tensor?,
                                                   shape: RecurrentSequenceShape) -> (projection: Tensor, h0: Tensor, c0: Tensor, weightHH: Tensor) {
        let (steps, batch, hidden) = (shape.steps, shape.batch, shape.hidden)
        let dtype = output.dtype
        let gradGates = Tensor(uninitializedShape: [steps, batch, 4 * hidden], dtype: dtype)
        let gradH = Tensor.zeros([batch, hidden], dtype: dtype)
        let gradC = Tensor.zeros([batch, hidden], dtype: dtype)
        if let gradCell { gradC.elementPointer(T.self).update(from: gradCell.elementPointer(T.self), count: shape.stateStride) }
        let tanhScratch = Tensor(uninitializedShape: [batch, hidden], dtype: dtype)
        let g = UnsafePointer(saved.gates.elementPointer(T.self)), c = UnsafePointer(saved.cells.elementPointer(T.self))
        let dg = gradGates.elementPointer(T.self), dh = gradH.elementPointer(T.self), dc = gradC.elementPointer(T.self)
        let tc = tanhScratch.elementPointer(T.self)
        let dOut = gradOutput.map { UnsafePointer($0.elementPointer(T.self)) }
        let recurrentGradient = T.recurrentGradientProduct(batch: batch, hidden: hidden, gates: 4, weightHH: weightHH)
        let c0p = UnsafePointer(c0.elementPointer(T.self))
        for s in stride(from: steps - 1, through: 0, by: -1) {
            let t = shape.time(s)
            let cPrevious = s == 0 ? c0p : c + shape.time(s - 1) * shape.stateStride
            let box = UncheckedSendable((g + t * shape.gateStride, c + t * shape.stateStride, cPrevious,
                                         dOut.map { $0 + t * shape.stateStride }, dg + t * shape.gateStride))
            Parallel.forChunks(count: batch, grain: shape.rowGrain) { rows in
                let (gt, ct, cp, dOutT, dgt) = box.value
                for row in rows {
                    let gr = gt + row * 4 * hidden, cr = ct + row * hidden, cpr = cp + row * hidden
                    let dhr = dh + row * hidden, dcr = dc + row * hidden, tcr = tc + row * hidden, dgr = dgt + row * 4 * hidden
                    let dOutRow = dOutT.map { $0 + row * hidden }
                    T.tanh(cr, tcr, count: hidden)
                    forEachVector(hidden) { j, n in
                        let i = load(gr, j, n), f = load(gr + hidden, j, n), gg = load(gr + 2 * hidden, j, n)
                        let o = load(gr + 3 * hidden, j, n), tanhC = load(tcr, j, n)
                        let gradHidden = dOutRow.map { load(dhr, j, n) + load($0, j, n) } ?? load(dhr, j, n)
                        let total = load(dcr, j, n) + gradHidden * o * (1 - tanhC * tanhC)
                        store(total * gg * (i * (1 - i)), dgr, j, n)
                        store(total * load(cpr, j, n) * (f * (1 - f)), dgr + hidden, j, n)
                        store(total * i * (1 - gg * gg), dgr + 2 * hidden, j, n)
                        store(gradHidden * tanhC * (o * (1 - o)), dgr + 3 * hidden, j, n)
                        store(total * f, dcr, j, n)
                    }
                }
            }
            // dh_{t-1} = dgates_t · W_hh (overwrites dh, whose step-t value the pass above consumed).
            recurrentGradient(dg + t * shape.gateStride, dh)
        }
        let gradW = recurrentWeightGradient(T.self, gateGradients: UnsafePointer(dg), output: UnsafePointer(output.elementPointer(T.self)),
                                            h0: UnsafePointer(h0.elementPointer(T.self)), shape: shape)
        return (gradGates, gradH, gradC, gradW)
    }
}
