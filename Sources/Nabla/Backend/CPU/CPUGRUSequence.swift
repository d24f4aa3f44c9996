// The CPU kernels of the `gruSequence` primitive (see `Primitives/GRUSequencePrimitive.swift`): a whole
// GRU layer direction, forward and backward, as one loop over time each way, on the schedule of the
// LSTM's kernels (`CPULSTMSequence.swift`).
//
// Forward, per step: one product h_{t-1}·W_hhᵀ ([B, 3H], float32 through a packed oneDNN matmul),
// then one pass: r, z = σ(p + hh + b_hh), hn = hh_n + b_hn, n = tanh(p_n + r ⊙ hn),
// h = (h_{t-1} - n) ⊙ z + n, keeping r, z, n and hn for backward. Backward, per step: one pass from dh
// to the gradients of the projection and of the hidden product (they differ only in the n part,
// which the reset gate scales), then one GEMM dh_{t-1} += dhh_t·W_hh; the W_hh gradient is one GEMM
// over all steps at the end.

/// What the GRU forward pass keeps for backward, by time index: the gate activations r, z, n
/// [T, B, 3H] and the hidden product's n part with its bias, W_hn·h + b_hn [T, B, H].
struct GRUSequenceSaved {
    let gates: Tensor
    let hiddenN: Tensor
}

extension CPUBackend {
    /// Runs one GRU direction over a dense `projection` [T, B, 3H] (x·W_ihᵀ + b_ih) from dense `h0`
    /// [B, H] with dense `weightHH` [3H, H] and `biasHH` [3H]; returns the hidden states [T, B, H] by
    /// time index and what backward needs.
    func gruSequenceForward<T: SequenceKernelScalar>(_: T.Type, projection: Tensor, h0: Tensor, weightHH: Tensor, biasHH: Tensor,
                                                      shape: RecurrentSequenceShape) -> (output: Tensor, saved: GRUSequenceSaved) {
        let (steps, batch, hidden) = (shape.steps, shape.batch, shape.hidden)
        let dtype = projection.dtype
        let output = Tensor(uninitializedShape: [steps, batch, hidden], dtype: dtype)
        let gates = Tensor(uninitializedShape: [steps, batch, 3 * hidden], dtype: dtype)
        let hiddenN = Tensor(uninitializedShape: [steps, batch, hidden], dtype: dtype)
        let hiddenProduct = Tensor(uninitializedShape: [batch, 3 * hidden], dtype: dtype)
        let product = T.recurrentProduct(batch: batch, hidden: hidden, gates: 3, weightHH: weightHH, addsProjection: false)
        let p = UnsafePointer(projection.elementPointer(T.self)), b = UnsafePointer(biasHH.elementPointer(T.self))
        let g = gates.elementPointer(T.self), hn = hiddenN.elementPointer(T.self), h = output.elementPointer(T.self)
        let hh = hiddenProduct.elementPointer(T.self)
        var hPrevious = UnsafePointer(h0.elementPointer(T.self))
        for s in 0..<steps {
            let t = shape.time(s)
            product(hPrevious, nil, hh)
            let box = UncheckedSendable((p + t * shape.gateStride, g + t * shape.gateStride, hn + t * shape.stateStride,
                                         h + t * shape.stateStride, hPrevious))
            Parallel.forChunks(count: batch, grain: shape.rowGrain) { rows in
                let (pt, gt, hnt, ht, hp) = box.value
                for row in rows {
                    let pr = pt + row * 3 * hidden, gr = gt + row * 3 * hidden, hhr = UnsafePointer(hh + row * 3 * hidden)
                    let hnr = hnt + row * hidden, hr = ht + row * hidden, hpr = hp + row * hidden
                    forEachVector(2 * hidden) { j, n in store(load(pr, j, n) + load(hhr, j, n) + load(b, j, n), gr, j, n) }
                    T.sigmoidInPlace(gr, count: 2 * hidden)                                  // r, z
                    forEachVector(hidden) { j, n in
                        let hiddenPart = load(hhr + 2 * hidden, j, n) + load(b + 2 * hidden, j, n)
                        store(hiddenPart, hnr, j, n)
                        store(load(pr + 2 * hidden, j, n) + load(gr, j, n) * hiddenPart, gr + 2 * hidden, j, n)
                    }
                    T.tanh(UnsafePointer(gr + 2 * hidden), gr + 2 * hidden, count: hidden)  // n
                    forEachVector(hidden) { j, n in
                        let newGate = load(gr + 2 * hidden, j, n)
                        store((load(hpr, j, n) - newGate) * load(gr + hidden, j, n) + newGate, hr, j, n)
                    }
                }
            }
            hPrevious = UnsafePointer(h + t * shape.stateStride)
        }
        return (output, GRUSequenceSaved(gates: gates, hiddenN: hiddenN))
    }

    /// The gradients of one GRU direction: of the projection [T, B, 3H], `h0` [B, H] and `weightHH`
    /// [3H, H], plus the gradient of the hidden product [T, B, 3H] (whose column sums are the `biasHH`
    /// gradient), from the outputs' gradient [T, B, H]. Every tensor is dense; `output` and `saved` are
    /// what `gruSequenceForward` returned.
    func gruSequenceBackward<T: SequenceKernelScalar>(_: T.Type, output: Tensor, saved: GRUSequenceSaved, h0: Tensor, weightHH: Tensor,
                                                       gradOutput: Tensor, shape: RecurrentSequenceShape)
        -> (projection: Tensor, h0: Tensor, weightHH: Tensor, hiddenProduct: Tensor) {
        let (steps, batch, hidden) = (shape.steps, shape.batch, shape.hidden)
        let dtype = output.dtype
        let gradProjection = Tensor(uninitializedShape: [steps, batch, 3 * hidden], dtype: dtype)
        let gradProduct = Tensor(uninitializedShape: [steps, batch, 3 * hidden], dtype: dtype)
        let gradH = Tensor.zeros([batch, hidden], dtype: dtype)
        let g = UnsafePointer(saved.gates.elementPointer(T.self)), hn = UnsafePointer(saved.hiddenN.elementPointer(T.self))
        let h = UnsafePointer(output.elementPointer(T.self)), h0p = UnsafePointer(h0.elementPointer(T.self))
        let dOut = UnsafePointer(gradOutput.elementPointer(T.self))
        let dp = gradProjection.elementPointer(T.self), dhh = gradProduct.elementPointer(T.self), dh = gradH.elementPointer(T.self)
        let w = UnsafePointer(weightHH.elementPointer(T.self))
        for s in stride(from: steps - 1, through: 0, by: -1) {
            let t = shape.time(s)
            let hPrevious = s == 0 ? h0p : h + shape.time(s - 1) * shape.stateStride
            let box = UncheckedSendable((g + t * shape.gateStride, hn + t * shape.stateStride, dOut + t * shape.stateStride, hPrevious,
                                         dp + t * shape.gateStride, dhh + t * shape.gateStride))
            Parallel.forChunks(count: batch, grain: shape.rowGrain) { rows in
                let (gt, hnt, dOutT, hp, dpt, dhht) = box.value
                for row in rows {
                    let gr = gt + row * 3 * hidden, hnr = hnt + row * hidden, dOutR = dOutT + row * hidden, hpr = hp + row * hidden
                    let dpr = dpt + row * 3 * hidden, dhhr = dhht + row * 3 * hidden, dhr = dh + row * hidden
                    forEachVector(hidden) { j, n in
                        let r = load(gr, j, n), z = load(gr + hidden, j, n), newGate = load(gr + 2 * hidden, j, n)
                        let total = load(dhr, j, n) + load(dOutR, j, n)
                        let dNew = total * (1 - z) * (1 - newGate * newGate)
                        let dUpdate = total * (load(hpr, j, n) - newGate) * (z * (1 - z))
                        let dReset = dNew * load(hnr, j, n) * (r * (1 - r))
                        store(dReset, dpr, j, n)
                        store(dUpdate, dpr + hidden, j, n)
                        store(dNew, dpr + 2 * hidden, j, n)
                        store(dReset, dhhr, j, n)
                        store(dUpdate, dhhr + hidden, j, n)
                        store(dNew * r, dhhr + 2 * hidden, j, n)
                        store(total * z, dhr, j, n)
                    }
                }
            }
            // dh_{t-1} = dh ⊙ z (written above) + dhh_t · W_hh.
            T.gemm(transposeA: false, transposeB: false, m: batch, n: hidden, k: 3 * hidden, a: dhh + t * shape.gateStride,
                   lda: 3 * hidden, b: w, ldb: hidden, beta: 1, c: dh, ldc: hidden)
        }
        let gradW = recurrentWeightGradient(T.self, gateGradients: UnsafePointer(dhh), output: h, h0: h0p, shape: shape)
        return (gradProjection, gradH, gradW, gradProduct)
    }
}
