/// The reverse-mode engine: walks the nodes that lead from outputs back to tensors requiring
/// gradients, calls each primitive's VJP once all its output gradients are summed, and frees
/// saved tensors as it goes.
enum BackwardEngine {
    /// Where a gradient must end up.
    enum Target {
        /// Accumulate into leaves' `.grad` (`backward()`).
        case accumulate
        /// Capture and return the gradients of these tensors instead (`gradients(of:wrt:)`).
        case capture([Tensor])
    }

    /// Runs backward from `roots` with seed gradients `seeds`. Returns captured gradients for `.capture`.
    static func run(roots: [Tensor], seeds: [Tensor], target: Target, retainGraph: Bool, createGraph: Bool) -> [Tensor?] {
        // Keys for captured targets: a leaf by its meta, a non-leaf by (node, output index).
        var captureKeys: [ObjectIdentifier: Int] = [:]
        var capturedNodeOutputs: [ObjectIdentifier: [Int: Int]] = [:]
        var captured: [Tensor?] = []
        if case let .capture(inputs) = target {
            captured = Array(repeating: nil, count: inputs.count)
            for (i, t) in inputs.enumerated() {
                guard let meta = t.autograd, meta.requiresGrad else { continue }
                if let node = meta.node {
                    capturedNodeOutputs[ObjectIdentifier(node), default: [:]][meta.outputIndex] = i
                } else {
                    captureKeys[ObjectIdentifier(meta)] = i
                }
            }
        }

        // Pending gradients per node output.
        var pending: [ObjectIdentifier: [GradientSum?]] = [:]
        var rootNodes: [Node] = []
        // Summed gradients of leaves, in first-delivery order.
        var leafGrads: [ObjectIdentifier: (meta: AutogradMeta, grad: GradientSum)] = [:]
        var leafOrder: [ObjectIdentifier] = []

        func deliver(_ grad: GradientSum, to meta: AutogradMeta) {
            if let node = meta.node {
                let key = ObjectIdentifier(node)
                var slots = pending[key] ?? Array(repeating: nil, count: max(node.outputs.count, meta.outputIndex + 1, 1))
                if slots.count <= meta.outputIndex { slots += Array(repeating: nil, count: meta.outputIndex + 1 - slots.count) }
                if slots[meta.outputIndex] == nil { slots[meta.outputIndex] = grad } else { slots[meta.outputIndex]!.add(grad) }
                pending[key] = slots
                return
            }
            // A leaf: sum its partial gradients first, so its hooks run once, on the total (PyTorch's rule).
            let key = ObjectIdentifier(meta)
            if var partial = leafGrads[key] {
                partial.grad.add(grad)
                leafGrads[key] = partial
            } else {
                leafGrads[key] = (meta, grad)
                leafOrder.append(key)
            }
        }

        /// Runs leaf hooks on the summed gradients, then captures or accumulates them.
        func finishLeaves() {
            for key in leafOrder {
                guard let (meta, sum) = leafGrads[key] else { continue }
                var g = sum.total
                for hook in meta.hooks { if let changed = hook(g) { g = changed } }
                if let index = captureKeys[key] {
                    captured[index] = captured[index].map { $0 + g } ?? g
                    continue
                }
                if case .accumulate = target {
                    let value = createGraph ? g : g.detached()
                    meta.grad = meta.grad.map { createGraph ? $0 + value : ($0 + value).detached() } ?? value
                }
            }
        }

        for (root, seed) in zip(roots, seeds) {
            guard let meta = root.autograd, meta.requiresGrad else {
                fatalError("backward: the tensor does not require a gradient and has no grad_fn (did you forget requiresGrad, or run under withNoGrad?)")
            }
            if let node = meta.node { rootNodes.append(node) }
            deliver(GradientSum(seed), to: meta)
        }

        // Topological order over the nodes reachable from the roots (iterative DFS, post-order).
        var order: [Node] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Node, Int)] = rootNodes.map { ($0, 0) }
        while let (node, next) = stack.popLast() {
            if next == 0 {
                if visited.contains(ObjectIdentifier(node)) { continue }
                visited.insert(ObjectIdentifier(node))
                if !node.isAlive {
                    fatalError("backward: trying to run backward through the graph a second time (its saved tensors were freed); pass retainGraph: true to the first call")
                }
            }
            if next < node.inputs.count {
                stack.append((node, next + 1))
                if let child = node.inputs[next].autograd?.node, !visited.contains(ObjectIdentifier(child)) {
                    stack.append((child, 0))
                }
            } else {
                order.append(node)
            }
        }

        GradMode.with(enabled: createGraph) {
            for node in order.reversed() {
                let key = ObjectIdentifier(node)
                guard let sums = pending.removeValue(forKey: key) else {
                    if !retainGraph { node.release() }
                    continue
                }
                var grads = sums.map { $0?.total }
                // Hooks and retained grads on non-leaf outputs.
                for (index, hooks) in node.outputHooks where index < grads.count {
                    for hook in hooks { if let g = grads[index], let changed = hook(g) { grads[index] = changed } }
                }
                for (index, meta) in node.retainingOutputs where index < grads.count {
                    if let g = grads[index] { meta.grad = meta.grad.map { $0 + g.detached() } ?? g.detached() }
                }
                if let captures = capturedNodeOutputs[key] {
                    for (index, slot) in captures where index < grads.count {
                        if let g = grads[index] { captured[slot] = captured[slot].map { $0 + g } ?? g }
                    }
                }
                // Fill missing output gradients with zeros only when the VJP needs them all.
                // With createGraph, a VJP that uses the node's saved output (exp, tanh, sqrt, div, …)
                // records ops on it. The saved copy links back to its node only weakly (to avoid a
                // cycle), so the new graph would not keep the node alive and second-order gradients
                // would stop at the output. Hand the VJP strongly linked copies instead.
                let savedOutputs = node.outputs
                if createGraph {
                    node.outputs = savedOutputs.enumerated().map { index, output in
                        guard output.autograd != nil else { return output }
                        var linked = output
                        linked.autograd = AutogradMeta(requiresGrad: true, gradFn: node, outputIndex: index)
                        return linked
                    }
                }
                // A unit-step slice hands its gradient on as a piece of its input's (see GradientSum).
                if case let .slice(axis, start, _, 1) = node.primitive, let g = grads[0] {
                    if node.needsInputGrad[0], let meta = node.inputs[0].autograd {
                        deliver(GradientSum(slice: g, axis: axis, start: start, fullShape: node.inputShapes[0]), to: meta)
                    }
                    if createGraph { node.outputs = savedOutputs }
                    if !retainGraph { node.release() }
                    continue
                }
                let inputGrads = node.primitive.vjp(node, grads)
                if createGraph { node.outputs = savedOutputs }
                for (i, input) in node.inputs.enumerated() where node.needsInputGrad[i] {
                    guard let g = inputGrads[i], let meta = input.autograd else { continue }
                    deliver(GradientSum(g), to: meta)
                }
                if !retainGraph { node.release() }
            }
            finishLeaves()
        }
        return captured
    }
}

extension Tensor {
    /// Computes the gradient of this tensor with respect to every leaf that requires one and adds it
    /// to the leaves' `grad`.
    ///
    /// - Parameters:
    ///   - seed: the gradient of some scalar with respect to this tensor; defaults to 1 for a
    ///     one-element tensor (required otherwise).
    ///   - retainGraph: keep the saved tensors so backward can run through the graph again.
    ///   - createGraph: record the backward pass itself, for higher-order gradients.
    public func backward(_ seed: Tensor? = nil, retainGraph: Bool = false, createGraph: Bool = false,
                         file: StaticString = #fileID, line: UInt = #line) {
        let s = seed ?? defaultSeed(file: file, line: line)
        _ = BackwardEngine.run(roots: [self], seeds: [s], target: .accumulate,
                               retainGraph: retainGraph || createGraph, createGraph: createGraph)
    }

    func defaultSeed(file: StaticString, line: UInt) -> Tensor {
        if count != 1 {
            shapeFailure("backward: a seed gradient is required for a tensor of shape \(shape) (only one-element tensors get an implicit seed of 1)", file: file, line: line)
        }
        return Tensor.ones(like: self)
    }
}

/// Gradients of `output` with respect to `inputs` (like `torch.autograd.grad`), without touching `.grad`.
///
/// With `createGraph: true` the result is itself differentiable (Hessian-vector products).
public func gradients(of output: Tensor, wrt inputs: [Tensor], seed: Tensor? = nil,
                      retainGraph: Bool = false, createGraph: Bool = false,
                      file: StaticString = #fileID, line: UInt = #line) -> [Tensor] {
    let s = seed ?? output.defaultSeed(file: file, line: line)
    let grads = BackwardEngine.run(roots: [output], seeds: [s], target: .capture(inputs),
                                   retainGraph: retainGraph || createGraph, createGraph: createGraph)
    return zip(grads, inputs).map { g, x in g ?? Tensor.zeros(like: x) }
}
