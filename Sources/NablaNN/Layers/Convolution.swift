import Nabla

/// A 1-D convolution over [N, C, L] (or unbatched [C, L]) inputs (PyTorch's `nn.Conv1d`, zero
/// padding).
///
/// `weight` is [outChannels, inChannels/groups, kernelSize] and `bias` [outChannels], both from
/// U(-1/√fanIn, 1/√fanIn) with fanIn = inChannels/groups · kernelSize, as in PyTorch.
///
/// ```swift
/// let conv = Conv1d(16, 32, kernelSize: 3, padding: 1)
/// let y = conv(Tensor.randn([8, 16, 100]))   // [8, 32, 100]
/// ```
public final class Conv1d: Module, Layer {
    /// Channels of the input.
    public let inChannels: Int
    /// Channels of the output.
    public let outChannels: Int
    /// The window length.
    public let kernelSize: Int
    /// Step between windows.
    public let stride: Int
    /// Zeros added on both sides.
    public let padding: Int
    /// Spacing between kernel taps.
    public let dilation: Int
    /// Channel groups (inChannels and outChannels must both be divisible by it).
    public let groups: Int
    /// The kernel, [outChannels, inChannels/groups, kernelSize].
    public var weight: Parameter
    /// The bias, [outChannels], or nil when created with `bias: false`.
    public var bias: Parameter?

    /// A 1-D convolution layer.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                groups: Int = 1, bias: Bool = true, file: StaticString = #fileID, line: UInt = #line) {
        checkConvArguments("Conv1d", inChannels, outChannels, groups, [kernelSize, stride, dilation], [padding], file: file, line: line)
        (self.inChannels, self.outChannels, self.kernelSize) = (inChannels, outChannels, kernelSize)
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
        weight = Parameter(Tensor.zeros([outChannels, inChannels / groups, kernelSize]))
        self.bias = bias ? Parameter(Tensor.zeros([outChannels])) : nil
        super.init()
        resetParameters()
    }

    /// Draws new values with PyTorch's default initialisation.
    public func resetParameters() { initializeLikeTorch(weight: weight, bias: bias) }

    /// The convolution of `input` [N, inChannels, L] (or [inChannels, L]).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let batched = input.rank == 2 ? input.unsqueezed(axis: 0) : input
        let y = conv1d(batched, weight: weight.value, bias: bias?.value, stride: stride, padding: padding, dilation: dilation, groups: groups)
        return reportOutput(input.rank == 2 ? y.squeezed(axis: 0) : y)
    }
}

/// A 2-D convolution over [N, C, H, W] (or unbatched [C, H, W]) inputs (PyTorch's `nn.Conv2d`,
/// zero padding).
///
/// `weight` is [outChannels, inChannels/groups, kH, kW] and `bias` [outChannels], both from
/// U(-1/√fanIn, 1/√fanIn) with fanIn = inChannels/groups · kH · kW, as in PyTorch. Sizes are given as
/// one `Int` for both axes or as (height, width) pairs.
///
/// ```swift
/// let conv = Conv2d(1, 32, kernelSize: 3)
/// let wide = Conv2d(3, 64, kernelSize: (7, 7), stride: (2, 2), padding: (3, 3))
/// ```
public final class Conv2d: Module, Layer {
    /// Channels of the input.
    public let inChannels: Int
    /// Channels of the output.
    public let outChannels: Int
    /// The window (height, width).
    public let kernelSize: (Int, Int)
    /// Step between windows (height, width).
    public let stride: (Int, Int)
    /// Zeros added on both sides (height, width).
    public let padding: (Int, Int)
    /// Spacing between kernel taps (height, width).
    public let dilation: (Int, Int)
    /// Channel groups (inChannels and outChannels must both be divisible by it).
    public let groups: Int
    /// The kernel, [outChannels, inChannels/groups, kH, kW].
    public var weight: Parameter
    /// The bias, [outChannels], or nil when created with `bias: false`.
    public var bias: Parameter?

    /// A 2-D convolution layer with (height, width) pairs.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true, file: StaticString = #fileID, line: UInt = #line) {
        checkConvArguments("Conv2d", inChannels, outChannels, groups, [kernelSize.0, kernelSize.1, stride.0, stride.1, dilation.0, dilation.1],
                           [padding.0, padding.1], file: file, line: line)
        (self.inChannels, self.outChannels, self.kernelSize) = (inChannels, outChannels, kernelSize)
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
        weight = Parameter(Tensor.zeros([outChannels, inChannels / groups, kernelSize.0, kernelSize.1]))
        self.bias = bias ? Parameter(Tensor.zeros([outChannels])) : nil
        super.init()
        resetParameters()
    }

    /// A 2-D convolution layer with square sizes.
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                            groups: Int = 1, bias: Bool = true, file: StaticString = #fileID, line: UInt = #line) {
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride), padding: (padding, padding),
                  dilation: (dilation, dilation), groups: groups, bias: bias, file: file, line: line)
    }

    /// Draws new values with PyTorch's default initialisation.
    public func resetParameters() { initializeLikeTorch(weight: weight, bias: bias) }

    /// The convolution of `input` [N, inChannels, H, W] (or [inChannels, H, W]).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let batched = input.rank == 3 ? input.unsqueezed(axis: 0) : input
        let y = conv2d(batched, weight: weight.value, bias: bias?.value, stride: stride, padding: padding, dilation: dilation, groups: groups)
        return reportOutput(input.rank == 3 ? y.squeezed(axis: 0) : y)
    }
}

/// A transposed 2-D convolution (the gradient of `Conv2d` with respect to its input; PyTorch's
/// `nn.ConvTranspose2d`) over [N, C, H, W] (or unbatched [C, H, W]) inputs.
///
/// The output size is (H - 1)·stride - 2·padding + dilation·(kH - 1) + outputPadding + 1 per axis.
/// `weight` is [inChannels, outChannels/groups, kH, kW] (PyTorch's layout) and `bias`
/// [outChannels], both from U(-1/√fanIn, 1/√fanIn) with PyTorch's fanIn = outChannels/groups · kH · kW.
///
/// ```swift
/// let up = ConvTranspose2d(64, 32, kernelSize: 2, stride: 2)   // doubles H and W
/// ```
public final class ConvTranspose2d: Module, Layer {
    /// Channels of the input.
    public let inChannels: Int
    /// Channels of the output.
    public let outChannels: Int
    /// The window (height, width).
    public let kernelSize: (Int, Int)
    /// Upsampling step (height, width).
    public let stride: (Int, Int)
    /// Rows and columns removed from both sides of the full output (height, width).
    public let padding: (Int, Int)
    /// Extra rows and columns added to one side of the output, to pick among the sizes a strided
    /// convolution maps to the same input size.
    public let outputPadding: (Int, Int)
    /// Channel groups.
    public let groups: Int
    /// Spacing between kernel taps (height, width).
    public let dilation: (Int, Int)
    /// The kernel, [inChannels, outChannels/groups, kH, kW].
    public var weight: Parameter
    /// The bias, [outChannels], or nil when created with `bias: false`.
    public var bias: Parameter?

    /// A transposed 2-D convolution layer with (height, width) pairs.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                outputPadding: (Int, Int) = (0, 0), groups: Int = 1, bias: Bool = true, dilation: (Int, Int) = (1, 1),
                file: StaticString = #fileID, line: UInt = #line) {
        checkConvArguments("ConvTranspose2d", inChannels, outChannels, groups,
                           [kernelSize.0, kernelSize.1, stride.0, stride.1, dilation.0, dilation.1],
                           [padding.0, padding.1, outputPadding.0, outputPadding.1], file: file, line: line)
        precondition(outputPadding.0 < Swift.max(stride.0, dilation.0) && outputPadding.1 < Swift.max(stride.1, dilation.1),
                     "ConvTranspose2d: outputPadding \(outputPadding) must be smaller than either stride \(stride) or dilation \(dilation)",
                     file: file, line: line)
        (self.inChannels, self.outChannels, self.kernelSize) = (inChannels, outChannels, kernelSize)
        (self.stride, self.padding, self.outputPadding) = (stride, padding, outputPadding)
        (self.groups, self.dilation) = (groups, dilation)
        weight = Parameter(Tensor.zeros([inChannels, outChannels / groups, kernelSize.0, kernelSize.1]))
        self.bias = bias ? Parameter(Tensor.zeros([outChannels])) : nil
        super.init()
        resetParameters()
    }

    /// A transposed 2-D convolution layer with square sizes.
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0,
                            groups: Int = 1, bias: Bool = true, dilation: Int = 1, file: StaticString = #fileID, line: UInt = #line) {
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride), padding: (padding, padding),
                  outputPadding: (outputPadding, outputPadding), groups: groups, bias: bias, dilation: (dilation, dilation),
                  file: file, line: line)
    }

    /// Draws new values with PyTorch's default initialisation.
    public func resetParameters() { initializeLikeTorch(weight: weight, bias: bias) }

    /// The transposed convolution of `input` [N, inChannels, H, W] (or [inChannels, H, W]).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let batched = input.rank == 3 ? input.unsqueezed(axis: 0) : input
        let y = convTranspose2d(batched, weight: weight.value, bias: bias?.value, stride: stride, padding: padding,
                                outputPadding: outputPadding, groups: groups, dilation: dilation)
        return reportOutput(input.rank == 3 ? y.squeezed(axis: 0) : y)
    }
}

/// Traps with a message naming the layer when channel counts, groups or sizes are invalid.
private func checkConvArguments(_ layer: String, _ inChannels: Int, _ outChannels: Int, _ groups: Int, _ positive: [Int],
                                _ nonNegative: [Int], file: StaticString, line: UInt) {
    precondition(groups >= 1 && inChannels % groups == 0 && outChannels % groups == 0,
                 "\(layer): inChannels \(inChannels) and outChannels \(outChannels) must be divisible by groups \(groups)", file: file, line: line)
    precondition(positive.allSatisfy { $0 > 0 } && nonNegative.allSatisfy { $0 >= 0 },
                 "\(layer): kernel size, stride and dilation must be positive and padding non-negative", file: file, line: line)
}
