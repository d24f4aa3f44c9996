/// Applying a primitive to tensors by its description: what a graph executor does for each node.
extension Primitive {
    /// The primitive's outputs for `inputs` (in the order the tracer recorded them), computed by the
    /// same kernels as eager code. Under a tape or tracer the application is recorded as usual.
    ///
    /// ```swift
    /// let y = Primitive.binary(.add).forward([a, b])[0]    // a + b
    /// ```
    public func forward(_ inputs: [Tensor], file: StaticString = #fileID, line: UInt = #line) -> [Tensor] {
        func only(_ count: Int) {
            if inputs.count != count {
                shapeFailure("\(self): expected \(count) inputs, got \(inputs.count)", file: file, line: line)
            }
        }
        switch self {
        case let .unary(op):
            only(1); return [applyUnary(op, inputs[0])]
        case let .binary(op):
            only(2); return [applyBinary(op, inputs[0], inputs[1], file: file, line: line)]
        case .select:
            only(3); return [Tensor.where(inputs[0], inputs[1], inputs[2], file: file, line: line)]
        case let .reduce(op, axes, keepDims):
            only(1); return [applyReduce(op, inputs[0], axes: axes, keepDims: keepDims)]
        case let .argReduce(op, axis, keepDims):
            only(1)
            return [op == .argmax ? inputs[0].argmax(axis: axis, keepingDims: keepDims) : inputs[0].argmin(axis: axis, keepingDims: keepDims)]
        case let .cumsum(axis):
            only(1); return [inputs[0].cumsum(axis: axis)]
        case .matmul:
            only(2); return [applyMatmul(inputs[0], inputs[1], file: file, line: line)]
        case .biasedMatmul:
            only(3); return [Nabla.matmul(inputs[0], inputs[1], bias: inputs[2], file: file, line: line)]
        case let .cast(dtype):
            only(1); return [inputs[0].cast(to: dtype)]
        case .contiguous:
            only(1); return [inputs[0].contiguous()]
        case let .reshape(shape):
            only(1); return [inputs[0].reshaped(shape, file: file, line: line)]
        case let .permute(order):
            only(1); return [inputs[0].permuted(order, file: file, line: line)]
        case let .expand(shape):
            only(1); return [inputs[0].expanded(to: shape, file: file, line: line)]
        case let .slice(axis, start, end, step):
            only(1); return [inputs[0].slice(axis: axis, start: start, end: end, step: step, file: file, line: line)]
        case let .pad(before, after, mode, value):
            only(1); return [inputs[0].padded(before: before, after: after, mode: mode, value: value)]
        case let .flip(axes):
            only(1); return [inputs[0].flipped(axes)]
        case let .concat(axis):
            return [Nabla.concat(inputs, axis: axis, file: file, line: line)]
        case let .gather(axis):
            only(2); return [inputs[0].gather(axis: axis, index: inputs[1], file: file, line: line)]
        case let .scatter(axis, accumulate):
            only(3)
            return [accumulate ? inputs[0].scatteringAdd(axis: axis, index: inputs[1], source: inputs[2], file: file, line: line)
                               : inputs[0].scattering(axis: axis, index: inputs[1], source: inputs[2], file: file, line: line)]
        case let .sort(axis, descending):
            only(1)
            let (values, indices) = inputs[0].sorted(axis: axis, descending: descending)
            return [values, indices]
        case let .conv2d(attributes):
            if inputs.count != 2 && inputs.count != 3 { only(3) }
            return [Nabla.conv2d(inputs[0], inputs[1], inputs.count == 3 ? inputs[2] : nil, attributes)]
        case let .conv2dBackwardData(attributes, inputShape):
            only(2); return [Nabla.conv2dBackwardData(inputs[0], inputs[1], attributes, inputShape: inputShape)]
        case let .conv2dBackwardWeight(attributes, weightShape):
            only(2); return [Nabla.conv2dBackwardWeight(inputs[0], inputs[1], attributes, weightShape: weightShape)]
        case let .maxPool2d(attributes):
            only(1); return [maxPool2dPrimitive(inputs[0], attributes)]
        case let .maxPool2dBackward(attributes):
            only(2); return [Nabla.maxPool2dBackward(inputs[0], inputs[1], attributes)]
        case let .avgPool2d(attributes):
            only(1); return [avgPool2dPrimitive(inputs[0], attributes)]
        case let .avgPool2dBackward(attributes, inputShape):
            only(1); return [Nabla.avgPool2dBackward(inputs[0], attributes, inputShape: inputShape)]
        case .gelu:
            only(1); return [geluExact(inputs[0])]
        case .softmax:
            only(1); return [safeSoftmax(inputs[0])]
        case let .layerNorm(eps):
            only(3); return [Nabla.layerNorm(inputs[0], normalizedAxes: 1, weight: inputs[1], bias: inputs[2], eps: eps, file: file, line: line)]
        case let .attention(scale, causal):
            if inputs.count != 3 { only(4) }
            return attentionPrimitive(inputs, scale: scale, causal: causal)
        case .softmaxBackward:
            only(2); return softmaxBackwardPrimitive(inputs)
        case let .layerNormBackward(eps):
            only(3); return layerNormBackwardPrimitive(inputs, eps: eps, parameterGradients: true)
        case let .attentionBackward(scale, causal):
            if inputs.count != 6 { only(7) }
            return attentionBackwardPrimitive(inputs, scale: scale, causal: causal)
        case .lstmCell:
            only(2)
            let (h, c) = lstmCellPointwise(gates: inputs[0], cell: inputs[1], file: file, line: line)
            return [h, c]
        case let .lstmSequence(reverse):
            only(4)
            let (output, c) = Nabla.lstmSequence(projection: inputs[0], h0: inputs[1], c0: inputs[2], weightHH: inputs[3],
                                                 reverse: reverse, file: file, line: line)
            return [output, c]
        case let .gruSequence(reverse):
            only(4)
            return [Nabla.gruSequence(projection: inputs[0], h0: inputs[1], weightHH: inputs[2], biasHH: inputs[3], reverse: reverse,
                                      file: file, line: line)]
        }
    }

    /// How many tensors the primitive returns.
    public var outputCount: Int {
        if case .sort = self { return 2 }
        if case .lstmCell = self { return 2 }
        if case .lstmSequence = self { return 2 }
        if case .attention = self { return 2 }
        if case .attentionBackward = self { return 3 }
        if case .layerNormBackward = self { return 3 }
        return 1
    }
}
