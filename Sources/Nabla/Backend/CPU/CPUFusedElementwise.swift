/// The fused elementwise kernel: a straight-line program of float32 unary and binary ops run tile
/// by tile, so intermediate values stay in L1 instead of making a round trip to memory per op.
extension CPUBackend {
    /// Elements per tile: 1 KiB of float32 per register, so a program of a dozen registers stays in L1.
    static let fusedTile = 256

    /// Runs `steps` over dense float32 `inputs` (each of `count` elements, or a single broadcast
    /// element), returning the registers in `outputs` as new tensors of `shape`.
    func fusedElementwise(_ steps: [ElementwiseStep], inputs: [Tensor], outputs: [Int], shape: [Int]) -> [Tensor] {
        let count = shape.reduce(1, *)
        let registerCount = inputs.count + steps.count
        let results = outputs.map { _ in Tensor(uninitializedShape: shape, dtype: .float32) }
        // Where each register lives: an input tensor, an output tensor, or per-thread scratch.
        var outputOf = [Int?](repeating: nil, count: registerCount)
        for (index, register) in outputs.enumerated() where register >= inputs.count && outputOf[register] == nil {
            outputOf[register] = index
        }
        let inputPointers = UncheckedSendable(inputs.map { UnsafePointer($0.elementPointer(Float.self)) })
        let isScalar = inputs.map { $0.count == 1 && count != 1 }
        let outputPointers = UncheckedSendable(results.map { $0.elementPointer(Float.self) })
        let scratchSlots = steps.indices.filter { outputOf[inputs.count + $0] == nil }
        var scratchIndex = [Int](repeating: -1, count: registerCount)
        for (slot, step) in scratchSlots.enumerated() { scratchIndex[inputs.count + step] = slot }
        let plan = UncheckedSendable((steps, isScalar, outputOf, scratchIndex, inputs.count))

        Parallel.forChunks(count: count, grain: Parallel.elementwiseGrain / 2) { range in
            let (steps, isScalar, outputOf, scratchIndex, inputCount) = plan.value
            let tile = CPUBackend.fusedTile
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(1, scratchSlots.count) * tile)
            defer { scratch.deallocate() }
            var start = range.lowerBound
            while start < range.upperBound {
                let length = min(tile, range.upperBound - start)
                /// The register's data for this tile, and whether it is a broadcast scalar.
                func operand(_ register: Int) -> (UnsafePointer<Float>, Bool) {
                    if register < inputCount {
                        let base = inputPointers.value[register]
                        return isScalar[register] ? (base, true) : (base + start, false)
                    }
                    if let index = outputOf[register] { return (UnsafePointer(outputPointers.value[index] + start), false) }
                    return (UnsafePointer(scratch + scratchIndex[register] * tile), false)
                }
                for (k, step) in steps.enumerated() {
                    let register = inputCount + k
                    let destination = outputOf[register].map { outputPointers.value[$0] + start } ?? (scratch + scratchIndex[register] * tile)
                    switch step {
                    case let .unary(op, a):
                        let (source, scalar) = operand(a)
                        if scalar {
                            let input = [source.pointee]
                            var output: [Float] = [0]
                            input.withUnsafeBufferPointer { s in
                                output.withUnsafeMutableBufferPointer { d in CPUBackend.shared.fusedUnary(op, s.baseAddress!, d.baseAddress!, 1) }
                            }
                            destination.update(repeating: output[0], count: length)
                        } else {
                            CPUBackend.shared.fusedUnary(op, source, destination, length)
                        }
                    case let .binary(op, a, b):
                        let (x, xScalar) = operand(a), (y, yScalar) = operand(b)
                        CPUBackend.fusedBinary(op, x, xScalar, y, yScalar, destination, length)
                    }
                }
                start += length
            }
        }
        // An output register that is an input (or listed twice) is copied into place.
        for (index, register) in outputs.enumerated() where outputOf[register] != index {
            if register < inputs.count {
                let source = inputs[register]
                let target = results[index].elementPointer(Float.self)
                if isScalar[register] { target.update(repeating: source.elementPointer(Float.self).pointee, count: count) }
                else { target.update(from: source.elementPointer(Float.self), count: count) }
            } else if let first = outputOf[register] {
                results[index].elementPointer(Float.self).update(from: results[first].elementPointer(Float.self), count: count)
            }
        }
        return results
    }

    /// `destination[i] = op(source[i])` for `count` elements, by the same kernels as eager code.
    func fusedUnary(_ op: UnaryOp, _ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, _ count: Int) {
        if let vectorized = vectorizedFloatUnary(op) { return vectorized(source, destination, count) }
        func apply<K: UnaryKernel>(_: K.Type) where K.Input == Float, K.Output == Float {
            for i in 0..<count { destination[i] = K.apply(source[i]) }
        }
        switch op {
        case .neg: apply(Kernels.Neg<Float>.self)
        case .abs: apply(Kernels.Abs<Float>.self)
        case .sign: apply(Kernels.Sign<Float>.self)
        case .relu: apply(Kernels.Relu<Float>.self)
        case .floor: apply(Kernels.Floor<Float>.self)
        case .ceil: apply(Kernels.Ceil<Float>.self)
        case .round: apply(Kernels.Round<Float>.self)
        case .exp: apply(Kernels.Exp<Float>.self)
        case .log: apply(Kernels.Log<Float>.self)
        case .log1p: apply(Kernels.Log1p<Float>.self)
        case .expm1: apply(Kernels.Expm1<Float>.self)
        case .sqrt: apply(Kernels.Sqrt<Float>.self)
        case .rsqrt: apply(Kernels.Rsqrt<Float>.self)
        case .sin: apply(Kernels.Sin<Float>.self)
        case .cos: apply(Kernels.Cos<Float>.self)
        case .tanh: apply(Kernels.Tanh<Float>.self)
        case .sigmoid: apply(Kernels.Sigmoid<Float>.self)
        case .erf: apply(Kernels.Erf<Float>.self)
        case .isnan, .isfinite, .logicalNot: preconditionFailure("fusedElementwise: \(op) has a bool result")
        }
    }

    /// `destination[i] = op(a[i], b[i])`, either operand possibly a broadcast scalar.
    static func fusedBinary(_ op: BinaryOp, _ a: UnsafePointer<Float>, _ aScalar: Bool, _ b: UnsafePointer<Float>, _ bScalar: Bool,
                            _ destination: UnsafeMutablePointer<Float>, _ count: Int) {
        @inline(__always)
        func apply<K: BinaryKernel>(_: K.Type) where K.Input == Float, K.Output == Float {
            switch (aScalar, bScalar) {
            case (false, false): for i in 0..<count { destination[i] = K.apply(a[i], b[i]) }
            case (false, true): let s = b.pointee; for i in 0..<count { destination[i] = K.apply(a[i], s) }
            case (true, false): let s = a.pointee; for i in 0..<count { destination[i] = K.apply(s, b[i]) }
            case (true, true): let v = K.apply(a.pointee, b.pointee); destination.update(repeating: v, count: count)
            }
        }
        switch op {
        case .add: apply(Kernels.Add<Float>.self)
        case .sub: apply(Kernels.Sub<Float>.self)
        case .mul: apply(Kernels.Mul<Float>.self)
        case .div: apply(Kernels.Div<Float>.self)
        case .pow: apply(Kernels.Pow<Float>.self)
        case .minimum: apply(Kernels.Minimum<Float>.self)
        case .maximum: apply(Kernels.Maximum<Float>.self)
        case .reluGrad: apply(Kernels.ReluGrad<Float>.self)
        default: preconditionFailure("fusedElementwise: \(op) has a bool result")
        }
    }
}
