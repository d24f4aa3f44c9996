import Nabla

/// 1-D max pooling over [N, C, L] (or [C, L]) inputs (PyTorch's `nn.MaxPool1d`; floor mode, no
/// dilation). The stride defaults to the kernel size; padding counts as -infinity.
public final class MaxPool1d: Module, Layer {
    /// The window length.
    public let kernelSize: Int
    /// Step between windows.
    public let stride: Int
    /// Implicit -infinity padding on both sides (at most half the kernel).
    public let padding: Int

    /// Max pooling with a window of `kernelSize` (stride defaults to the window).
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        (self.kernelSize, self.stride, self.padding) = (kernelSize, stride ?? kernelSize, padding)
        super.init()
    }

    /// The pooled `input`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        reportOutput(maxPool1d(input, kernelSize, stride: stride, padding: padding))
    }
}

/// 2-D max pooling over [N, C, H, W] (or [C, H, W]) inputs (PyTorch's `nn.MaxPool2d`; floor mode,
/// no dilation). The stride defaults to the kernel size; padding counts as -infinity.
///
/// ```swift
/// let pool = MaxPool2d(kernelSize: 2)   // halves H and W
/// ```
public final class MaxPool2d: Module, Layer {
    /// The window (height, width).
    public let kernelSize: (Int, Int)
    /// Step between windows (height, width).
    public let stride: (Int, Int)
    /// Implicit -infinity padding (height, width).
    public let padding: (Int, Int)

    /// Max pooling with (height, width) pairs (stride defaults to the window).
    public init(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) {
        (self.kernelSize, self.stride, self.padding) = (kernelSize, stride ?? kernelSize, padding)
        super.init()
    }

    /// Max pooling with a square window (stride defaults to the window).
    public convenience init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.init(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding))
    }

    /// The pooled `input`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        reportOutput(batchedIfNeeded(input) { maxPool2d($0, kernelSize: kernelSize, stride: stride, padding: padding) })
    }
}

/// 1-D average pooling over [N, C, L] (or [C, L]) inputs (PyTorch's `nn.AvgPool1d`; floor mode).
public final class AvgPool1d: Module, Layer {
    /// The window length.
    public let kernelSize: Int
    /// Step between windows.
    public let stride: Int
    /// Implicit zero padding on both sides (at most half the kernel).
    public let padding: Int
    /// Whether padded zeros count in the divisor.
    public let countIncludePad: Bool

    /// Average pooling with a window of `kernelSize` (stride defaults to the window).
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true) {
        (self.kernelSize, self.stride, self.padding, self.countIncludePad) = (kernelSize, stride ?? kernelSize, padding, countIncludePad)
        super.init()
    }

    /// The pooled `input`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        reportOutput(avgPool1d(input, kernelSize, stride: stride, padding: padding, countIncludePad: countIncludePad))
    }
}

/// 2-D average pooling over [N, C, H, W] (or [C, H, W]) inputs (PyTorch's `nn.AvgPool2d`; floor
/// mode, no divisor override).
public final class AvgPool2d: Module, Layer {
    /// The window (height, width).
    public let kernelSize: (Int, Int)
    /// Step between windows (height, width).
    public let stride: (Int, Int)
    /// Implicit zero padding (height, width).
    public let padding: (Int, Int)
    /// Whether padded zeros count in the divisor.
    public let countIncludePad: Bool

    /// Average pooling with (height, width) pairs (stride defaults to the window).
    public init(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0), countIncludePad: Bool = true) {
        (self.kernelSize, self.stride, self.padding, self.countIncludePad) = (kernelSize, stride ?? kernelSize, padding, countIncludePad)
        super.init()
    }

    /// Average pooling with a square window (stride defaults to the window).
    public convenience init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true) {
        self.init(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding),
                  countIncludePad: countIncludePad)
    }

    /// The pooled `input`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        reportOutput(batchedIfNeeded(input) {
            avgPool2d($0, kernelSize: kernelSize, stride: stride, padding: padding, countIncludePad: countIncludePad)
        })
    }
}

/// Average pooling to a fixed output size whatever the input size (PyTorch's
/// `nn.AdaptiveAvgPool2d`), over [N, C, H, W] (or [C, H, W]) inputs.
///
/// ```swift
/// let gap = AdaptiveAvgPool2d(outputSize: 1)   // global average pooling: [N, C, 1, 1]
/// ```
public final class AdaptiveAvgPool2d: Module, Layer {
    /// The output (height, width).
    public let outputSize: (Int, Int)

    /// Pooling to `outputSize` (height, width).
    public init(outputSize: (Int, Int)) {
        precondition(outputSize.0 > 0 && outputSize.1 > 0, "AdaptiveAvgPool2d: output size \(outputSize) must be positive")
        self.outputSize = outputSize
        super.init()
    }

    /// Pooling to a square `outputSize`.
    public convenience init(outputSize: Int) { self.init(outputSize: (outputSize, outputSize)) }

    /// The pooled `input`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        reportOutput(batchedIfNeeded(input) { adaptiveAvgPool2d($0, outputSize: outputSize) })
    }
}

/// Applies a [N, C, H, W] operation to an unbatched [C, H, W] input by adding and removing the batch axis.
func batchedIfNeeded(_ input: Tensor, _ body: (Tensor) -> Tensor) -> Tensor {
    input.rank == 3 ? body(input.unsqueezed(axis: 0)).squeezed(axis: 0) : body(input)
}
