import Nabla

/// Layer normalisation over the trailing `normalizedShape` axes (PyTorch's `nn.LayerNorm`):
/// `(x - mean) / √(var + eps) · weight + bias`, with the biased variance.
///
/// `weight` (ones) and `bias` (zeros) have shape `normalizedShape` and exist when
/// `elementwiseAffine` (the bias only when `bias` is also true).
///
/// ```swift
/// let norm = LayerNorm(512)
/// let y = norm(Tensor.randn([8, 100, 512]))
/// ```
public final class LayerNorm: Module, Layer {
    /// The trailing shape normalised over.
    public let normalizedShape: [Int]
    /// Added to the variance for numerical stability.
    public let eps: Double
    /// Whether the layer has a learnable elementwise scale (and shift).
    public let elementwiseAffine: Bool
    /// The scale, shaped `normalizedShape` (ones initially).
    public var weight: Parameter?
    /// The shift, shaped `normalizedShape` (zeros initially).
    public var bias: Parameter?

    /// Normalisation over the trailing axes of shape `normalizedShape`.
    public init(_ normalizedShape: [Int], eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true) {
        precondition(!normalizedShape.isEmpty && normalizedShape.allSatisfy { $0 > 0 }, "LayerNorm: invalid normalized shape \(normalizedShape)")
        (self.normalizedShape, self.eps, self.elementwiseAffine) = (normalizedShape, eps, elementwiseAffine)
        weight = elementwiseAffine ? Parameter(Tensor.ones(normalizedShape)) : nil
        self.bias = elementwiseAffine && bias ? Parameter(Tensor.zeros(normalizedShape)) : nil
        super.init()
    }

    /// Normalisation over the last axis, of size `normalizedShape`.
    public convenience init(_ normalizedShape: Int, eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true) {
        self.init([normalizedShape], eps: eps, elementwiseAffine: elementwiseAffine, bias: bias)
    }

    /// Resets the weight to ones and the bias to zeros.
    public func resetParameters() {
        if let weight { Init.ones(weight) }
        if let bias { Init.zeros(bias) }
    }

    /// The normalised `input` [..., normalizedShape].
    public func callAsFunction(_ input: Tensor) -> Tensor {
        reportOutput(layerNorm(input, normalizedShape: normalizedShape, weight: weight?.value, bias: bias?.value, eps: eps))
    }
}

/// Group normalisation (PyTorch's `nn.GroupNorm`): the channels of an [N, C, ...] input are split
/// into `numGroups` groups, each normalised over its channels and positions, then scaled and shifted
/// per channel by `weight` (ones) and `bias` (zeros), [numChannels], when `affine`.
///
/// ```swift
/// let norm = GroupNorm(8, 64)
/// ```
public final class GroupNorm: Module, Layer {
    /// The number of channel groups.
    public let numGroups: Int
    /// The number of channels C (divisible by `numGroups`).
    public let numChannels: Int
    /// Added to the variance for numerical stability.
    public let eps: Double
    /// Whether the layer has a learnable per-channel scale and shift.
    public let affine: Bool
    /// The per-channel scale, [numChannels] (ones initially).
    public var weight: Parameter?
    /// The per-channel shift, [numChannels] (zeros initially).
    public var bias: Parameter?

    /// Group normalisation of `numChannels` channels in `numGroups` groups.
    public init(_ numGroups: Int, _ numChannels: Int, eps: Double = 1e-5, affine: Bool = true) {
        precondition(numGroups > 0 && numChannels % numGroups == 0, "GroupNorm: numChannels \(numChannels) must be divisible by numGroups \(numGroups)")
        (self.numGroups, self.numChannels, self.eps, self.affine) = (numGroups, numChannels, eps, affine)
        weight = affine ? Parameter(Tensor.ones([numChannels])) : nil
        bias = affine ? Parameter(Tensor.zeros([numChannels])) : nil
        super.init()
    }

    /// Resets the weight to ones and the bias to zeros.
    public func resetParameters() {
        if let weight { Init.ones(weight) }
        if let bias { Init.zeros(bias) }
    }

    /// The normalised `input` [N, numChannels, ...].
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 2 && input.shape[1] == numChannels, "GroupNorm: expected [N, \(numChannels), ...] input, got shape \(input.shape)")
        return reportOutput(groupNorm(input, numGroups: numGroups, weight: weight?.value, bias: bias?.value, eps: eps))
    }
}

/// Root-mean-square normalisation over the trailing `normalizedShape` axes (PyTorch's
/// `nn.RMSNorm`): `x / √(mean(x²) + eps) · weight`, with `weight` (ones) shaped `normalizedShape`
/// when `elementwiseAffine`. `eps` nil means the machine epsilon of the input's dtype.
///
/// ```swift
/// let norm = RMSNorm(4096)
/// ```
public final class RMSNorm: Module, Layer {
    /// The trailing shape normalised over.
    public let normalizedShape: [Int]
    /// Added to the mean square; nil for the input dtype's machine epsilon.
    public let eps: Double?
    /// Whether the layer has a learnable elementwise scale.
    public let elementwiseAffine: Bool
    /// The scale, shaped `normalizedShape` (ones initially).
    public var weight: Parameter?

    /// RMS normalisation over the trailing axes of shape `normalizedShape`.
    public init(_ normalizedShape: [Int], eps: Double? = nil, elementwiseAffine: Bool = true) {
        precondition(!normalizedShape.isEmpty && normalizedShape.allSatisfy { $0 > 0 }, "RMSNorm: invalid normalized shape \(normalizedShape)")
        (self.normalizedShape, self.eps, self.elementwiseAffine) = (normalizedShape, eps, elementwiseAffine)
        weight = elementwiseAffine ? Parameter(Tensor.ones(normalizedShape)) : nil
        super.init()
    }

    /// RMS normalisation over the last axis, of size `normalizedShape`.
    public convenience init(_ normalizedShape: Int, eps: Double? = nil, elementwiseAffine: Bool = true) {
        self.init([normalizedShape], eps: eps, elementwiseAffine: elementwiseAffine)
    }

    /// Resets the weight to ones.
    public func resetParameters() {
        if let weight { Init.ones(weight) }
    }

    /// The normalised `input` [..., normalizedShape].
    public func callAsFunction(_ input: Tensor) -> Tensor {
        reportOutput(rmsNorm(input, normalizedShape: normalizedShape, weight: weight?.value, eps: eps))
    }
}
