import Nabla

/// Batch normalisation (PyTorch's `_BatchNorm`): the shared implementation of `BatchNorm1d` and
/// `BatchNorm2d`, which differ only in the input ranks they accept.
///
/// In training mode the layer normalises each channel with the batch's mean and biased variance and
/// updates the running statistics (with the unbiased variance, without recording gradients); in
/// evaluation mode it uses the running statistics. Without `trackRunningStats` it always uses batch
/// statistics. Parameters and buffers carry PyTorch's names: `weight`, `bias`, `running_mean`,
/// `running_var` and `num_batches_tracked` (an int64 scalar).
public class BatchNorm: Module, Layer {
    /// The number of channels C of an [N, C, ...] input.
    public let numFeatures: Int
    /// Added to the variance for numerical stability.
    public let eps: Double
    /// The weight of the newest batch in the running statistics; nil for a cumulative average
    /// (each batch weighted 1 / numBatchesTracked).
    public let momentum: Double?
    /// Whether the layer has a learnable per-channel scale and shift.
    public let affine: Bool
    /// Whether the layer keeps running statistics for evaluation mode.
    public let trackRunningStats: Bool
    /// The per-channel scale γ, [numFeatures] (ones initially), when `affine`.
    public var weight: Parameter?
    /// The per-channel shift β, [numFeatures] (zeros initially), when `affine`.
    public var bias: Parameter?
    /// The running mean, [numFeatures] (zeros initially), when `trackRunningStats`.
    public let runningMean: Buffer?
    /// The running (unbiased) variance, [numFeatures] (ones initially), when `trackRunningStats`.
    public let runningVar: Buffer?
    /// The number of training batches seen (int64 scalar), when `trackRunningStats`.
    public let numBatchesTracked: Buffer?
    /// Accepted input ranks and their description, for error messages.
    let acceptedRanks: (ranks: Set<Int>, text: String)

    init(numFeatures: Int, eps: Double, momentum: Double?, affine: Bool, trackRunningStats: Bool, acceptedRanks: (Set<Int>, String)) {
        precondition(numFeatures > 0, "BatchNorm: numFeatures must be positive, got \(numFeatures)")
        (self.numFeatures, self.eps, self.momentum, self.affine, self.trackRunningStats) = (numFeatures, eps, momentum, affine, trackRunningStats)
        self.acceptedRanks = acceptedRanks
        weight = affine ? Parameter(Tensor.ones([numFeatures])) : nil
        bias = affine ? Parameter(Tensor.zeros([numFeatures])) : nil
        runningMean = trackRunningStats ? Buffer(Tensor.zeros([numFeatures])) : nil
        runningVar = trackRunningStats ? Buffer(Tensor.ones([numFeatures])) : nil
        numBatchesTracked = trackRunningStats ? Buffer(Tensor(Int64(0))) : nil
        super.init()
    }

    /// The buffers with PyTorch's names: `running_mean`, `running_var`, `num_batches_tracked`.
    public override func namedDirectBuffers() -> [(String, Buffer)] {
        [("running_mean", runningMean), ("running_var", runningVar), ("num_batches_tracked", numBatchesTracked)]
            .compactMap { name, buffer in buffer.map { (name, $0) } }
    }

    /// Resets the running statistics to zeros (mean), ones (variance) and 0 batches.
    public func resetRunningStats() {
        runningMean?.value = Tensor.zeros([numFeatures])
        runningVar?.value = Tensor.ones([numFeatures])
        numBatchesTracked?.value = Tensor(Int64(0))
    }

    /// Resets the running statistics and the affine parameters (ones and zeros).
    public func resetParameters() {
        resetRunningStats()
        if let weight { Init.ones(weight) }
        if let bias { Init.zeros(bias) }
    }

    /// The normalised `input` [N, numFeatures, ...].
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let name = String(describing: type(of: self))
        precondition(acceptedRanks.ranks.contains(input.rank), "\(name): expected \(acceptedRanks.text) input, got shape \(input.shape)")
        precondition(input.shape[1] == numFeatures, "\(name): expected \(numFeatures) channels in axis 1, got shape \(input.shape)")
        var factor = momentum ?? 0
        if isTraining, trackRunningStats, let numBatchesTracked {
            numBatchesTracked.value = numBatchesTracked.value + 1
            if momentum == nil { factor = 1 / numBatchesTracked.value.item() }
        }
        // Running statistics are read in evaluation mode and updated in training mode.
        let useRunning = !isTraining || trackRunningStats
        return reportOutput(batchNorm(input, runningMean: useRunning ? runningMean : nil, runningVar: useRunning ? runningVar : nil,
                                      weight: weight?.value, bias: bias?.value, training: isTraining, momentum: factor, eps: eps))
    }
}

/// Batch normalisation of [N, C] or [N, C, L] inputs (PyTorch's `nn.BatchNorm1d`).
///
/// ```swift
/// let bn = BatchNorm1d(256)
/// let y = bn(Tensor.randn([32, 256]))
/// ```
public final class BatchNorm1d: BatchNorm {
    /// Batch normalisation over `numFeatures` channels.
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true, trackRunningStats: Bool = true) {
        super.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats,
                   acceptedRanks: ([2, 3], "a 2-d [N, C] or 3-d [N, C, L]"))
    }
}

/// Batch normalisation of [N, C, H, W] inputs (PyTorch's `nn.BatchNorm2d`).
///
/// ```swift
/// let block = Sequential(Conv2d(3, 16, kernelSize: 3, padding: 1), BatchNorm2d(16), ReLU())
/// ```
public final class BatchNorm2d: BatchNorm {
    /// Batch normalisation over `numFeatures` channels.
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true, trackRunningStats: Bool = true) {
        super.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats,
                   acceptedRanks: ([4], "a 4-d [N, C, H, W]"))
    }
}
