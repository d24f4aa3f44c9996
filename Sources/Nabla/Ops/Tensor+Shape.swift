/// Shape and layout operations. Views (reshape of compatible strides, permute, expand, slice,
/// squeeze, unsqueeze) share storage; the rest copy.
extension Tensor {
    /// The same elements with a new shape; one dimension may be -1 (inferred). Zero-copy when the
    /// strides allow, like `torch.reshape`.
    public func reshaped(_ newShape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        var target = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            guard known > 0, count % known == 0 else {
                shapeFailure("reshape: cannot reshape a tensor of shape \(shape) (\(count) elements) into \(newShape)", file: file, line: line)
            }
            target[inferred] = count / known
        }
        guard target.reduce(1, *) == count, target.allSatisfy({ $0 >= 0 }) else {
            shapeFailure("reshape: cannot reshape a tensor of shape \(shape) (\(count) elements) into \(newShape)", file: file, line: line)
        }
        if target == shape { return self }
        if let strides = layout.viewStrides(for: target) {
            return applyView(.reshape(target), self, Layout(shape: target, strides: strides, offset: layout.offset))
        }
        return contiguous().reshaped(target)
    }

    /// Reorders the axes: result axis i is input axis `order[i]`.
    public func permuted(_ order: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        guard order.count == rank, Set(order.map { $0 < 0 ? $0 + rank : $0 }) == Set(0..<rank) else {
            shapeFailure("permute: \(order) is not a permutation of the \(rank) axes of a tensor of shape \(shape)", file: file, line: line)
        }
        let axes = order.map { $0 < 0 ? $0 + rank : $0 }
        if axes == Array(0..<rank) { return self }
        let layout = Layout(shape: axes.map { shape[$0] }, strides: axes.map { strides[$0] }, offset: self.layout.offset)
        return applyView(.permute(axes), self, layout)
    }

    /// Swaps two axes (a view).
    public func transposed(_ axis0: Int = -2, _ axis1: Int = -1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        var order = Array(0..<rank)
        let a = normalizeAxis(axis0, rank: rank, op: "transpose", file: file, line: line)
        let b = normalizeAxis(axis1, rank: rank, op: "transpose", file: file, line: line)
        order.swapAt(a, b)
        return permuted(order)
    }

    /// The transpose of a matrix (the last two axes swapped).
    public var T: Tensor { transposed() }

    /// Broadcasts to `newShape` without copying (size-1 axes repeat; -1 keeps a size).
    public func expanded(to newShape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let shift = newShape.count - rank
        guard shift >= 0 else { shapeFailure("expand: cannot expand shape \(shape) to \(newShape)", file: file, line: line) }
        var target = newShape
        for i in 0..<rank where target[i + shift] == -1 { target[i + shift] = shape[i] }
        guard Broadcast.shape(shape, target) == target else {
            shapeFailure("expand: cannot expand shape \(shape) to \(newShape)", file: file, line: line)
        }
        if target == shape { return self }
        let layout = Layout(shape: target, strides: Broadcast.strides(of: self.layout, to: target), offset: self.layout.offset)
        return applyView(.expand(target), self, layout)
    }

    /// Broadcasts to the shape of `other`.
    public func expanded(as other: Tensor) -> Tensor { expanded(to: other.shape) }

    /// Elements `start..<end` by `step` along `axis` (a view). Negative bounds count from the end;
    /// bounds are clamped like Python slices.
    public func slice(axis: Int, start: Int = 0, end: Int? = nil, step: Int = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let a = normalizeAxis(axis, rank: rank, op: "slice", file: file, line: line)
        guard step >= 1 else { shapeFailure("slice: step must be positive, got \(step)", file: file, line: line) }
        let n = shape[a]
        func clamp(_ v: Int) -> Int { Swift.min(Swift.max(v < 0 ? v + n : v, 0), n) }
        let s = clamp(start), e = Swift.max(clamp(end ?? n), s)
        if s == 0 && e == n && step == 1 { return self }
        var l = layout
        l.offset += s * strides[a]
        l.shape[a] = (e - s + step - 1) / step
        l.strides[a] *= step
        return applyView(.slice(axis: a, start: s, end: e, step: step), self, l)
    }

    /// Removes size-1 axes (all of them, or just `axis`).
    public func squeezed(axis: Int? = nil) -> Tensor {
        if let axis {
            let a = normalizeAxis(axis, rank: rank, op: "squeeze")
            guard shape[a] == 1 else { return self }
            var s = shape; s.remove(at: a)
            return reshaped(s)
        }
        return reshaped(shape.filter { $0 != 1 })
    }

    /// Inserts a size-1 axis at `axis` (negative counts from the end of the result).
    public func unsqueezed(axis: Int) -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        precondition(a >= 0 && a <= rank, "unsqueeze: axis \(axis) out of range for rank \(rank)")
        var s = shape; s.insert(1, at: a)
        return reshaped(s)
    }

    /// Merges axes `from...to` into one (`flattened(from: 1)` turns [N, C, H, W] into [N, C*H*W]).
    public func flattened(from start: Int = 0, to end: Int = -1) -> Tensor {
        if rank == 0 { return reshaped([1]) }
        let s = normalizeAxis(start, rank: rank, op: "flatten"), e = normalizeAxis(end, rank: rank, op: "flatten")
        if s >= e { return self }
        let merged = shape[s...e].reduce(1, *)
        return reshaped(Array(shape[..<s]) + [merged] + Array(shape[(e + 1)...]))
    }

    /// A dense row-major tensor with the same values (self when already contiguous).
    public func contiguous() -> Tensor {
        if isContiguous { return self }
        let out = device.backend.contiguous(self)
        return shouldRecord(self) ? record(.contiguous, inputs: [self], output: out) : out
    }

    /// Pads each axis with `before[i]` and `after[i]` elements (constant `value`, or reflect).
    public func padded(before: [Int], after: [Int], mode: PadMode = .constant, value: Double = 0,
                       file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        guard before.count == rank, after.count == rank, before.allSatisfy({ $0 >= 0 }), after.allSatisfy({ $0 >= 0 }) else {
            shapeFailure("pad: widths before \(before) / after \(after) do not fit a tensor of shape \(shape)", file: file, line: line)
        }
        if mode == .reflect {
            for axis in 0..<rank where before[axis] >= shape[axis] || after[axis] >= shape[axis] {
                shapeFailure("pad: reflect padding \(before[axis]),\(after[axis]) must be smaller than axis \(axis) of shape \(shape)", file: file, line: line)
            }
        }
        if before.allSatisfy({ $0 == 0 }) && after.allSatisfy({ $0 == 0 }) { return self }
        let out = device.backend.pad(self, before: before, after: after, mode: mode, value: value)
        return shouldRecord(self) ? record(.pad(before: before, after: after, mode: mode, value: value), inputs: [self], output: out) : out
    }

    /// PyTorch-style padding: `pad` lists (before, after) pairs starting from the LAST axis.
    public func padded(_ pad: [Int], mode: PadMode = .constant, value: Double = 0, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        guard pad.count % 2 == 0, pad.count / 2 <= rank else {
            shapeFailure("pad: \(pad) must hold (before, after) pairs for at most \(rank) axes", file: file, line: line)
        }
        var before = [Int](repeating: 0, count: rank), after = before
        for pair in 0..<(pad.count / 2) {
            before[rank - 1 - pair] = pad[2 * pair]
            after[rank - 1 - pair] = pad[2 * pair + 1]
        }
        return padded(before: before, after: after, mode: mode, value: value, file: file, line: line)
    }

    /// Reverses the order of elements along `axes`.
    public func flipped(_ axes: [Int]) -> Tensor {
        let normalized = axes.map { normalizeAxis($0, rank: rank, op: "flip") }.sorted()
        if normalized.isEmpty { return self }
        let out = device.backend.flip(self, axes: normalized)
        return shouldRecord(self) ? record(.flip(axes: normalized), inputs: [self], output: out) : out
    }

    /// Repeats the tensor along each axis (`torch.Tensor.repeat`): `repeats.count` ≥ rank.
    public func repeated(_ repeats: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        guard repeats.count >= rank else {
            shapeFailure("repeat: \(repeats.count) repeat counts for a tensor of rank \(rank)", file: file, line: line)
        }
        let x = reshaped([Int](repeating: 1, count: repeats.count - rank) + shape)
        // Insert an axis before each, expand it to the repeat count, then merge.
        var interleavedShape: [Int] = [], expandedShape: [Int] = [], finalShape: [Int] = []
        for (r, d) in Swift.zip(repeats, x.shape) {
            interleavedShape += [1, d]; expandedShape += [r, d]; finalShape.append(r * d)
        }
        return x.reshaped(interleavedShape).expanded(to: expandedShape).contiguous().reshaped(finalShape)
    }

    /// `torch.tile`: like `repeated`, with missing leading counts taken as 1.
    public func tiled(_ reps: [Int]) -> Tensor {
        repeated([Int](repeating: 1, count: Swift.max(0, rank - reps.count)) + reps)
    }
}

/// Joins tensors along an existing axis.
public func concat(_ tensors: [Tensor], axis: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard let first = tensors.first else { shapeFailure("concat: no tensors", file: file, line: line) }
    let a = normalizeAxis(axis, rank: first.rank, op: "concat", file: file, line: line)
    var dtype = first.dtype
    for t in tensors {
        dtype = DType.promote(dtype, t.dtype)
        var s1 = t.shape, s0 = first.shape
        guard s1.count == s0.count else { shapeFailure("concat: shapes \(tensors.map(\.shape)) differ in rank", file: file, line: line) }
        s1[a] = 0; s0[a] = 0
        guard s1 == s0 else { shapeFailure("concat: shapes \(tensors.map(\.shape)) differ outside axis \(a)", file: file, line: line) }
    }
    let inputs = tensors.map { $0.dtype == dtype ? $0 : $0.cast(to: dtype) }
    if inputs.count == 1 { return inputs[0] }
    let out = first.device.backend.concat(inputs, axis: a)
    return shouldRecord(inputs) ? record(.concat(axis: a), inputs: inputs, output: out) : out
}

/// Joins tensors of equal shape along a new axis.
public func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
    concat(tensors.map { $0.unsqueezed(axis: axis) }, axis: axis)
}

extension Tensor {
    /// Splits into pieces of `size` along `axis` (the last may be smaller), like `torch.split`.
    public func split(size: Int, axis: Int = 0) -> [Tensor] {
        precondition(size > 0, "split: size must be positive")
        let n = self.size(axis)
        return stride(from: 0, to: n, by: size).map { slice(axis: axis, start: $0, end: Swift.min($0 + size, n)) }
    }

    /// Splits into pieces of the given sizes along `axis`.
    public func split(sizes: [Int], axis: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> [Tensor] {
        guard sizes.reduce(0, +) == self.size(axis) else {
            shapeFailure("split: sizes \(sizes) do not add up to \(self.size(axis)) (axis \(axis) of shape \(shape))", file: file, line: line)
        }
        var start = 0
        return sizes.map { s in defer { start += s }; return slice(axis: axis, start: start, end: start + s) }
    }

    /// Splits into `chunks` nearly equal pieces along `axis`, like `torch.chunk`.
    public func chunked(_ chunks: Int, axis: Int = 0) -> [Tensor] {
        let n = self.size(axis)
        return split(size: Swift.max(1, (n + chunks - 1) / chunks), axis: axis)
    }
}
