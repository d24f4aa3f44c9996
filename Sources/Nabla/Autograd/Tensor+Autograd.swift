extension Tensor {
    /// Whether gradients flow to this tensor. Setting it on a leaf makes the leaf collect `grad`.
    ///
    /// ```swift
    /// var w = Tensor.randn([3, 3])
    /// w.requiresGrad = true
    /// ```
    public var requiresGrad: Bool {
        get { autograd?.requiresGrad ?? false }
        set {
            if let meta = autograd {
                precondition(meta.node == nil || newValue, "requiresGrad: only leaf tensors can stop requiring a gradient; use detached()")
                meta.requiresGrad = newValue
            } else if newValue {
                precondition(dtype.isFloatingPoint, "requiresGrad: only floating-point tensors can require gradients (dtype is \(dtype))")
                autograd = AutogradMeta(requiresGrad: true)
            }
        }
    }

    /// A copy that requires a gradient (a new leaf when this tensor has no autograd state).
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        var copy = self
        if flag, autograd == nil || autograd?.requiresGrad == false {
            copy.autograd = nil
        }
        copy.requiresGrad = flag
        return copy
    }

    /// The accumulated gradient of a leaf after `backward()` (nil before).
    public var grad: Tensor? {
        get { autograd?.grad }
        nonmutating set { autograd?.grad = newValue }
    }

    /// True for tensors not produced by a recorded op.
    public var isLeaf: Bool { autograd?.node == nil }

    /// The primitive that produced this tensor on the tape, if any (PyTorch's `grad_fn`).
    public var gradFn: Node? { autograd?.node }

    /// The same values cut off from the tape.
    public func detached() -> Tensor {
        Tensor(storage: storage, layout: layout, dtype: dtype)
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { autograd?.grad = nil }

    /// Keeps this non-leaf tensor's gradient in `grad` during backward.
    public func retainGrad() {
        guard let meta = autograd, let node = meta.node else { return }
        meta.retainsGrad = true
        node.retainingOutputs[meta.outputIndex] = meta
    }

    /// Registers a hook that sees (and may replace, by returning a tensor) this tensor's gradient
    /// during backward.
    ///
    /// ```swift
    /// x.registerHook { grad in grad * 2 }   // doubles the gradient flowing into x
    /// ```
    public func registerHook(_ hook: @escaping @Sendable (Tensor) -> Tensor?) {
        guard let meta = autograd, meta.requiresGrad else {
            fatalError("registerHook: the tensor does not require a gradient")
        }
        if let node = meta.node {
            node.outputHooks[meta.outputIndex, default: []].append(hook)
        } else {
            meta.hooks.append(hook)
        }
    }
}

/// The gradient of the scalar `f(x)` at `x` (functional API; nests for higher derivatives).
///
/// ```swift
/// let d2 = gradient(at: x) { x in gradient(at: x) { x in x * x * x } }   // 6x
/// ```
public func gradient(at x: Tensor, of f: (Tensor) -> Tensor) -> Tensor {
    valueAndGradient(at: x, of: f).gradient
}

/// The value of the scalar `f(x)` and its gradient at `x`.
public func valueAndGradient(at x: Tensor, of f: (Tensor) -> Tensor) -> (value: Tensor, gradient: Tensor) {
    // Inside an enclosing differentiation, x already carries a tape: differentiate through it
    // and keep the graph, so the enclosing call can differentiate the result again.
    let nested = x.needsGradient && GradMode.isEnabled
    let input = nested ? x : x.detached().requiringGrad()
    let y = GradMode.with(enabled: true) { f(input) }
    guard y.needsGradient else { return (y, Tensor.zeros(like: x)) }
    let g = gradients(of: y, wrt: [input], createGraph: nested)[0]
    return (nested ? y : y.detached(), g)
}

/// The values of the scalar `f(xs)` and its gradients with respect to each of `xs`.
public func valueAndGradients(at xs: [Tensor], of f: ([Tensor]) -> Tensor) -> (value: Tensor, gradients: [Tensor]) {
    let nested = xs.contains(where: \.needsGradient) && GradMode.isEnabled
    let inputs = nested ? xs : xs.map { $0.detached().requiringGrad() }
    let y = GradMode.with(enabled: true) { f(inputs) }
    guard y.needsGradient else { return (y, xs.map { Tensor.zeros(like: $0) }) }
    return (nested ? y : y.detached(), gradients(of: y, wrt: inputs, createGraph: nested))
}

extension Tensor {
    /// Replaces the values (storage and layout) while keeping this tensor's autograd identity, its
    /// accumulated `grad` and hooks: PyTorch's `p.data = new`. Optimizers update parameters this way.
    /// Shape and dtype must match.
    public mutating func replaceData(with other: Tensor, file: StaticString = #fileID, line: UInt = #line) {
        guard other.shape == shape, other.dtype == dtype else {
            shapeFailure("replaceData: new values \(other.shape) \(other.dtype) do not match \(shape) \(dtype)", file: file, line: line)
        }
        storage = other.storage
        layout = other.layout
    }
}
