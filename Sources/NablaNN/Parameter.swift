import Nabla

/// A trainable tensor owned by a module: a small reference type holding a `Tensor` (the tensor
/// itself stays a value), so optimizers, checkpoint loaders and gradient sync can read and replace
/// it in place through the module tree.
///
/// ```swift
/// let w = Parameter(Tensor.randn([3, 4]))
/// let y = matmul(x, w.value)
/// ```
public final class Parameter: @unchecked Sendable {
    /// The current values: a leaf tensor that requires a gradient (unless frozen).
    public var value: Tensor

    /// Wraps `value` as a trainable leaf.
    public init(_ value: Tensor, requiresGrad: Bool = true) {
        self.value = value.detached().requiringGrad(requiresGrad)
    }

    /// The gradient accumulated by the last backward passes (nil before the first, or after `zeroGrad`).
    public var grad: Tensor? {
        get { value.grad }
        set { value.grad = newValue }
    }

    /// Whether the parameter is trained (false = frozen).
    public var requiresGrad: Bool {
        get { value.requiresGrad }
        set {
            if newValue != value.requiresGrad { value = value.detached().requiringGrad(newValue) }
        }
    }

    /// The shape of the values.
    public var shape: [Int] { value.shape }

    /// Replaces the values, keeping the gradient and autograd identity (what optimizers do).
    public func update(_ newValue: Tensor) { value.replaceData(with: newValue) }

    /// Clears the gradient.
    public func zeroGrad() { value.zeroGrad() }
}

/// A non-trainable tensor owned by a module and saved with it (BatchNorm's running statistics).
public final class Buffer: @unchecked Sendable {
    /// The current values.
    public var value: Tensor
    /// Wraps `value`.
    public init(_ value: Tensor) { self.value = value.detached() }
}
