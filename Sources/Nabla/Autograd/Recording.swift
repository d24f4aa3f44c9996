/// Recording of primitive applications onto the tape: the one place every primitive's result passes
/// through, so autograd (and later the tracer) see every op.
extension Tensor {
    /// True when this tensor takes part in gradient computation.
    @inline(__always)
    var needsGradient: Bool { autograd?.requiresGrad == true }
}

/// Whether an op on these inputs must be recorded: some input requires a gradient and recording is
/// on, or a tracer may be watching.
@inline(__always)
func shouldRecord(_ a: Tensor) -> Bool {
    (a.needsGradient && GradMode.isEnabled) || Tracing.isActive
}

/// Whether an op on these inputs must be recorded.
@inline(__always)
func shouldRecord(_ a: Tensor, _ b: Tensor) -> Bool {
    ((a.needsGradient || b.needsGradient) && GradMode.isEnabled) || Tracing.isActive
}

/// Whether an op on these inputs must be recorded.
@inline(__always)
func shouldRecord(_ inputs: [Tensor]) -> Bool {
    (inputs.contains(where: \.needsGradient) && GradMode.isEnabled) || Tracing.isActive
}

/// Shows the op to the tracer (if one watches), then links `outputs` to a new tape node for
/// `primitive` when any input needs a gradient; returns the outputs (with autograd state when recorded).
func record(_ primitive: Primitive, inputs: [Tensor], outputs: [Tensor]) -> [Tensor] {
    if Tracing.isActive, let observer = Tracing.observer { observer.observe(primitive, inputs: inputs, outputs: outputs) }
    guard inputs.contains(where: \.needsGradient) && GradMode.isEnabled else { return outputs }
    let differentiable = primitive.isDifferentiable
    guard differentiable else { return outputs }
    // Saved outputs link back weakly: the node must not keep itself alive through them.
    var saved = outputs
    let needs = inputs.map(\.needsGradient)
    let node = Node(primitive: primitive, inputs: inputs, outputs: [], needsInputGrad: needs)
    var results = outputs
    for i in results.indices where results[i].dtype.isFloatingPoint {
        results[i].autograd = AutogradMeta(requiresGrad: true, gradFn: node, outputIndex: i)
        let weakMeta = AutogradMeta(requiresGrad: true, outputIndex: i)
        weakMeta.weakGradFn = node
        saved[i].autograd = weakMeta
    }
    node.outputs = saved
    return results
}

/// `record` for the common one-output case.
@inline(__always)
func record(_ primitive: Primitive, inputs: [Tensor], output: Tensor) -> Tensor {
    record(primitive, inputs: inputs, outputs: [output])[0]
}

extension Primitive {
    /// False for primitives whose outputs carry no gradient (comparisons, arg-reductions, …).
    var isDifferentiable: Bool {
        switch self {
        case let .unary(op): return op.isDifferentiable
        case let .binary(op): return op.isDifferentiable
        case .argReduce, .attentionBackward, .softmaxBackward, .layerNormBackward: return false
        default: return true
        }
    }

    /// The vector-Jacobian product: gradients for each input given gradients for each output
    /// (nil where an output received none). Written with Nabla ops, so it can itself be differentiated.
    func vjp(_ node: Node, _ gradOutputs: [Tensor?]) -> [Tensor?] {
        switch self {
        case let .unary(op): return op.vjp(node, gradOutputs[0]!)
        case let .binary(op): return op.vjp(node, gradOutputs[0]!)
        case .select: return selectVJP(node, gradOutputs[0]!)
        case .reduce, .argReduce, .cumsum: return reductionVJP(node, gradOutputs)
        case .matmul: return matmulVJP(node, gradOutputs[0]!)
        case .biasedMatmul: return biasedMatmulVJP(node, gradOutputs[0]!)
        case .cast, .contiguous, .reshape, .permute, .expand, .slice, .pad, .flip, .concat:
            return movementVJP(node, gradOutputs)
        case .gather, .scatter, .sort: return indexingVJP(node, gradOutputs)
        case .conv2d, .conv2dBackwardData, .conv2dBackwardWeight: return convolutionVJP(node, gradOutputs[0]!)
        case .maxPool2d, .maxPool2dBackward, .avgPool2d, .avgPool2dBackward: return poolingVJP(node, gradOutputs[0]!)
        case .lstmCell: return lstmCellVJP(node, gradOutputs)
        case let .lstmSequence(reverse): return lstmSequenceVJP(node, reverse: reverse, gradOutputs)
        case let .gruSequence(reverse): return gruSequenceVJP(node, reverse: reverse, gradOutputs)
        case .gelu: return geluVJP(node, gradOutputs[0]!)
        case .softmax: return softmaxVJP(node, gradOutputs[0]!)
        case .layerNorm: return layerNormVJP(node, gradOutputs[0]!)
        case let .attention(scale, causal): return attentionVJP(node, scale: scale, causal: causal, gradOutputs)
        case .attentionBackward, .softmaxBackward, .layerNormBackward: preconditionFailure("\(self) is recorded without a gradient")
        }
    }
}
