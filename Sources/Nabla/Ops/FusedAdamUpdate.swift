/// The Adam update as graph mode traces it, run by one vectorised pass: what a compiled training
/// step's optimizer update becomes (NablaGraph's `AdamUpdateFusion` recognises the traced ops).

/// The float32 scalars of a traced Adam update (the values the traced graph computes or bakes in).
public struct AdamUpdateScalars: Sendable, Equatable {
    /// The lerp weight of the first moment, 1 - beta1.
    public var weight: Float
    /// beta2.
    public var beta2: Float
    /// 1 - beta2, as its own float32 constant.
    public var oneMinusBeta2: Float
    /// sqrt(1 - beta2^t).
    public var biasCorrection2Sqrt: Float
    /// eps.
    public var eps: Float
    /// -lr / (1 - beta1^t).
    public var negativeStepSize: Float

    /// Collects the scalars.
    public init(weight: Float, beta2: Float, oneMinusBeta2: Float, biasCorrection2Sqrt: Float, eps: Float, negativeStepSize: Float) {
        self.weight = weight
        self.beta2 = beta2
        self.oneMinusBeta2 = oneMinusBeta2
        self.biasCorrection2Sqrt = biasCorrection2Sqrt
        self.eps = eps
        self.negativeStepSize = negativeStepSize
    }
}

/// One Adam update in a single pass over float32 tensors of one shape, computing exactly
///
/// ```text
/// m' = m + (g - m) * weight
/// v' = v * beta2 + (g * oneMinusBeta2) * g
/// p' = p + (m' * negativeStepSize) / (sqrt(v') / biasCorrection2Sqrt + eps)
/// ```
///
/// operation by operation in float32, as the elementwise ops would one after another, so the
/// results are bit-identical to them. Returns `(p', m', v')`, or nil when the tensors are not float32
/// CPU tensors of one shape. Not recorded on the tape.
public func fusedAdamUpdate(parameter: Tensor, gradient: Tensor, expAvg: Tensor, expAvgSq: Tensor,
                            _ scalars: AdamUpdateScalars) -> (parameter: Tensor, expAvg: Tensor, expAvgSq: Tensor)? {
    let tensors = [parameter, gradient, expAvg, expAvgSq]
    guard tensors.allSatisfy({ $0.dtype == .float32 && $0.device == .cpu && $0.shape == parameter.shape }) else { return nil }
    return CPUBackend.shared.adamUpdate(parameter: parameter.contiguous(), gradient: gradient.contiguous(),
                                        expAvg: expAvg.contiguous(), expAvgSq: expAvgSq.contiguous(), scalars)
}

extension Tensor {
    /// The value of a one-element float32 tensor, without reading through the tracer (graph executors
    /// use it for scalars computed inside a graph). Traps for another dtype or size.
    public var float32Scalar: Float {
        precondition(dtype == .float32 && count == 1 && device == .cpu, "float32Scalar: the tensor is \(dtype) \(shape)")
        return elementPointer(Float.self).pointee
    }
}
