/// The fused elementwise kernel: a straight-line program of float32 unary and binary ops run tile
/// by tile, so intermediate values stay in L1 instead of making a round trip to memory per op.
extension CPUBackend {
    /// Elements per tile: 1 KiB of float32 per register, so a program of a dozen registers stays in L1.
    static let fusedTile = 256

    /// Runs `steps` over dense float32 `inputs`, returning the registers in `outputs` as tensors of `shape`.
    ///
    /// Input `r` is broadcast as `layouts[r]` says: element `i` reads `inputs[r][(i / repeat) % period]`
    /// (a same-shape input: repeat 1, period the count; a scalar: 1, 1; a row broadcast: 1, the row
    /// length; a column broadcast such as `[B, 1]` over `[B, N]`: N, B).
    /// Output `i` is written into `destinations[i]` when given (a dense float32 buffer of the full count,
    /// possibly one of the inputs: the program then runs in place), else into a new tensor.
    func fusedElementwise(_ steps: [ElementwiseStep], inputs: [Tensor], layouts: [FusedOperandLayout], outputs: [Int], shape: [Int],
                          destinations: [Tensor?] = []) -> [Tensor] {
        let periods = layouts.map(\.period), repeats = layouts.map(\.repeatCount)
        let count = shape.reduce(1, *)
        let inputCount = inputs.count
        let registerCount = inputCount + steps.count
        let inputPointers = inputs.map { UnsafePointer($0.elementPointer(Float.self)) }

        // The last step reading each register (-1: none), to know when an input may be overwritten.
        var lastRead = [Int](repeating: -1, count: registerCount)
        for (k, step) in steps.enumerated() {
            switch step {
            case let .unary(_, a): lastRead[a] = k
            case let .binary(_, a, b): lastRead[a] = k; lastRead[b] = k
            }
        }

        // Where each output goes: a destination (checked for aliasing) or a new tensor.
        var results: [Tensor] = []
        var deferred = [Bool](repeating: false, count: outputs.count)
        var taken: [UnsafeMutablePointer<Float>] = []
        for (index, register) in outputs.enumerated() {
            if index < destinations.count, let destination = destinations[index], register >= inputCount,
               outputs.firstIndex(of: register) == index,
               let placement = placeInto(destination, register: register, count: count, inputs: inputPointers, layouts: layouts,
                                         lastRead: lastRead, inputCount: inputCount, outputs: outputs, taken: taken) {
                taken.append(destination.elementPointer(Float.self))
                deferred[index] = placement
                results.append(destination.viewing(Layout(shape: shape)))
            } else {
                results.append(Tensor(uninitializedShape: shape, dtype: .float32))
            }
        }

        // Where each register lives: an input, an output tensor, or per-thread scratch.
        var outputOf = [Int?](repeating: nil, count: registerCount)
        for (index, register) in outputs.enumerated()
        where register >= inputCount && outputs.firstIndex(of: register) == index && !deferred[index] {
            outputOf[register] = index
        }
        var scratchIndex = [Int](repeating: -1, count: registerCount)
        var scratchCount = 0
        for register in inputCount..<registerCount where outputOf[register] == nil {
            scratchIndex[register] = scratchCount
            scratchCount += 1
        }
        // Broadcast inputs whose tile is not one stretch of the input (a row broadcast wrapping around a
        // row, a column broadcast changing value) are gathered into scratch.
        for register in 0..<inputCount where repeats[register] > 1 || (periods[register] > 1 && periods[register] < count) {
            scratchIndex[register] = scratchCount
            scratchCount += 1
        }
        // Deferred outputs: computed in scratch, copied to their destination at the end of each tile.
        let copies = outputs.indices.filter { deferred[$0] }.map { (register: outputs[$0], output: $0) }
        let outputPointers = results.map { $0.elementPointer(Float.self) }
        let plan = UncheckedSendable((steps, periods, repeats, outputOf, scratchIndex, inputPointers, outputPointers, copies))

        Parallel.forChunks(count: count, grain: Parallel.elementwiseGrain / 2) { range in
            let (steps, periods, repeats, outputOf, scratchIndex, inputPointers, outputPointers, copies) = plan.value
            let tile = CPUBackend.fusedTile
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(1, scratchCount) * tile)
            defer { scratch.deallocate() }
            var start = range.lowerBound
            while start < range.upperBound {
                let length = min(tile, range.upperBound - start)
                // Broadcasts that are not one stretch of their input in this tile: gather the tile's elements.
                for register in 0..<inputCount where scratchIndex[register] >= 0 {
                    let target = scratch + scratchIndex[register] * tile, source = inputPointers[register]
                    CPUBackend.gatherBroadcast(source, repeatCount: repeats[register], period: periods[register],
                                               start: start, length: length, into: target, onlyIfNeeded: true)
                }
                /// The register's data for this tile, and whether it is a broadcast scalar.
                func operand(_ register: Int) -> (UnsafePointer<Float>, Bool) {
                    if register < inputCount {
                        let base = inputPointers[register], period = periods[register], repeatCount = repeats[register]
                        if period == count { return (base + start, false) }
                        if period == 1 { return (base, true) }
                        if repeatCount == 1 {
                            let offset = start % period
                            if offset + length <= period { return (base + offset, false) }
                        } else if start % repeatCount + length <= repeatCount {
                            return (base + (start / repeatCount) % period, true)       // one value for the whole tile
                        }
                        return (UnsafePointer(scratch + scratchIndex[register] * tile), false)
                    }
                    if let index = outputOf[register] { return (UnsafePointer(outputPointers[index] + start), false) }
                    return (UnsafePointer(scratch + scratchIndex[register] * tile), false)
                }
                for (k, step) in steps.enumerated() {
                    let register = inputCount + k
                    let destination = outputOf[register].map { outputPointers[$0] + start } ?? (scratch + scratchIndex[register] * tile)
                    switch step {
                    case let .unary(op, a):
                        let (source, scalar) = operand(a)
                        if scalar {
                            var input = source.pointee, output: Float = 0
                            CPUBackend.shared.fusedUnary(op, &input, &output, 1)
                            destination.update(repeating: output, count: length)
                        } else {
                            CPUBackend.shared.fusedUnary(op, source, destination, length)
                        }
                    case let .binary(op, a, b):
                        let (x, xScalar) = operand(a), (y, yScalar) = operand(b)
                        CPUBackend.fusedBinary(op, x, xScalar, y, yScalar, destination, length)
                    }
                }
                for copy in copies {
                    (outputPointers[copy.output] + start).update(from: scratch + scratchIndex[copy.register] * tile, count: length)
                }
                start += length
            }
        }
        // An output register that is an input (or listed twice) is copied into place.
        for (index, register) in outputs.enumerated() where register < inputCount || outputs.firstIndex(of: register) != index {
            let target = results[index].elementPointer(Float.self)
            if register < inputCount {
                CPUBackend.gatherBroadcast(inputPointers[register], repeatCount: repeats[register], period: periods[register],
                                           start: 0, length: count, into: target, onlyIfNeeded: false)
            } else {
                target.update(from: results[outputs.firstIndex(of: register)!].elementPointer(Float.self), count: count)
            }
        }
        return results
    }

    /// Whether output `register` can be written into `destination`: nil when it cannot (the buffer
    /// overlaps memory the program still needs in a way a tile cannot order), false when it can be
    /// written directly, true when it must be computed in scratch and copied after each tile (an input
    /// it overwrites is read again by a later step).
    private func placeInto(_ destination: Tensor, register: Int, count: Int, inputs: [UnsafePointer<Float>], layouts: [FusedOperandLayout],
                           lastRead: [Int], inputCount: Int, outputs: [Int], taken: [UnsafeMutablePointer<Float>]) -> Bool? {
        guard destination.dtype == .float32, destination.device == .cpu, destination.isContiguous, destination.count == count else {
            return nil
        }
        let start = UnsafePointer(destination.elementPointer(Float.self)), end = start + count
        if taken.contains(where: { UnsafePointer($0) < end && start < UnsafePointer($0) + count }) { return nil }
        var mustDefer = false
        for (index, base) in inputs.enumerated() where base < end && start < base + layouts[index].period {
            // Only an exact, full-size alias can be ordered tile by tile; an input that is also returned as is
            // must keep its values until the copies at the end.
            guard base == start, layouts[index].period == count, layouts[index].repeatCount == 1, !outputs.contains(index) else { return nil }
            if lastRead[index] > register - inputCount { mustDefer = true }
        }
        return mustDefer
    }

    /// Writes elements `start..<start + length` of a broadcast operand (element `i` is
    /// `source[(i / repeatCount) % period]`) to `target`. With `onlyIfNeeded`, does nothing when the
    /// fused kernel reads those elements straight from `source` (one stretch of it, or one value).
    static func gatherBroadcast(_ source: UnsafePointer<Float>, repeatCount: Int, period: Int, start: Int, length: Int,
                                into target: UnsafeMutablePointer<Float>, onlyIfNeeded: Bool) {
        if repeatCount == 1 {
            var position = start % period
            if onlyIfNeeded && position + length <= period { return }
            var done = 0
            while done < length {
                let run = min(length - done, period - position)
                (target + done).update(from: source + position, count: run)
                done += run
                position = 0
            }
        } else {
            var within = start % repeatCount, index = (start / repeatCount) % period
            if onlyIfNeeded && within + length <= repeatCount { return }
            var done = 0
            while done < length {
                let run = min(length - done, repeatCount - within)
                (target + done).update(repeating: source[index], count: run)
                done += run
                within = 0
                index = index + 1 == period ? 0 : index + 1
            }
        }
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
