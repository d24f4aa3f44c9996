import Nabla

/// The base class of every model and layer.
///
/// Parameters (`Parameter`), buffers (`Buffer`) and child modules stored in properties are found
/// automatically by reflection, and named with PyTorch's dotted convention: a property `fc1` holding a
/// `Linear` gives `fc1.weight` and `fc1.bias`; arrays and `Sequential`/`ModuleList` children are
/// numbered (`features.0.weight`). The same names key checkpoints, optimizer state and TensorBoard tags.
///
/// ```swift
/// final class MLP: Module, Layer {
///     let fc1 = Linear(784, 256), fc2 = Linear(256, 10)
///     func callAsFunction(_ x: Tensor) -> Tensor { fc2(relu(fc1(x))) }
/// }
/// ```
open class Module {
    /// True in training mode (dropout active, batch norm updates its statistics); see `train()`/`eval()`.
    public private(set) var isTraining = true

    /// Objects that higher layers attach to a module by key, such as NablaTrain's `compile`
    /// configuration. They are not parameters, buffers or children: not saved, not reflected.
    public final var attachments: [String: AnyObject] = [:]

    /// Creates a module.
    public init() {}

    /// The direct children with their names. The default reflects over stored properties
    /// (modules, optionals and arrays of modules); containers override it to number their children.
    open func namedChildren() -> [(String, Module)] {
        var children: [(String, Module)] = []
        for (label, value) in reflectedProperties() {
            switch value {
            case let module as Module:
                children.append((label, module))
            case let modules as [Module]:
                for (i, m) in modules.enumerated() { children.append(("\(label).\(i)", m)) }
            default:
                if let layers = value as? [any Layer] {
                    for (i, m) in layers.enumerated() { children.append(("\(label).\(i)", m)) }
                }
            }
        }
        return children
    }

    /// The parameters stored directly in this module (not in children), with their names.
    open func namedDirectParameters() -> [(String, Parameter)] {
        var result: [(String, Parameter)] = []
        for (label, value) in reflectedProperties() {
            if let p = value as? Parameter { result.append((label, p)) }
            if let ps = value as? [Parameter] { for (i, p) in ps.enumerated() { result.append(("\(label).\(i)", p)) } }
        }
        return result
    }

    /// The buffers stored directly in this module.
    open func namedDirectBuffers() -> [(String, Buffer)] {
        reflectedProperties().compactMap { label, value in (value as? Buffer).map { (label, $0) } }
    }

    /// Stored properties as (name, value), unwrapping optionals and lazy storage.
    func reflectedProperties() -> [(String, Any)] {
        var result: [(String, Any)] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        var chain: [Mirror] = []
        while let m = mirror { chain.append(m); mirror = m.superclassMirror }
        for m in chain.reversed() {
            for child in m.children {
                guard var label = child.label else { continue }
                if label.hasPrefix("$__lazy_storage_$_") { label.removeFirst("$__lazy_storage_$_".count) }
                if label.hasPrefix("_") { label.removeFirst() }
                let value = unwrapOptional(child.value)
                if let value { result.append((label, value)) }
            }
        }
        return result
    }

    /// Every module in the tree (self first) with its dotted path ("" for self).
    public func namedModules(prefix: String = "") -> [(String, Module)] {
        var result: [(String, Module)] = [(prefix, self)]
        for (name, child) in namedChildren() {
            result += child.namedModules(prefix: prefix.isEmpty ? name : "\(prefix).\(name)")
        }
        return result
    }

    /// Every parameter in the tree with its dotted name, in definition order (shared parameters once).
    public func namedParameters() -> [(String, Parameter)] {
        var seen = Set<ObjectIdentifier>()
        var result: [(String, Parameter)] = []
        for (path, module) in namedModules() {
            for (name, p) in module.namedDirectParameters() where seen.insert(ObjectIdentifier(p)).inserted {
                result.append((path.isEmpty ? name : "\(path).\(name)", p))
            }
        }
        return result
    }

    /// Every parameter in the tree.
    public func parameters() -> [Parameter] { namedParameters().map(\.1) }

    /// Every buffer in the tree with its dotted name.
    public func namedBuffers() -> [(String, Buffer)] {
        namedModules().flatMap { path, module in
            module.namedDirectBuffers().map { (path.isEmpty ? $0.0 : "\(path).\($0.0)", $0.1) }
        }
    }

    /// The number of scalars in all parameters (trainable or not).
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.value.count } }

    /// The number of scalars in trainable parameters.
    public var trainableParameterCount: Int { parameters().filter(\.requiresGrad).reduce(0) { $0 + $1.value.count } }

    /// Switches the whole tree to training mode (or evaluation mode with `false`).
    public func train(_ mode: Bool = true) {
        for (_, m) in namedModules() { m.isTraining = mode }
    }

    /// Switches the whole tree to evaluation mode.
    public func eval() { train(false) }

    /// Freezes (or unfreezes) every parameter in this subtree.
    public func requiresGrad(_ flag: Bool) {
        for p in parameters() { p.requiresGrad = flag }
    }

    /// Clears every parameter's gradient.
    public func zeroGrad() {
        for p in parameters() { p.zeroGrad() }
    }

    /// Parameters and buffers by dotted name, in order (PyTorch's `state_dict`).
    public func stateDict() -> [(String, Tensor)] {
        namedParameters().map { ($0.0, $0.1.value.detached()) } + namedBuffers().map { ($0.0, $0.1.value) }
    }

    /// Loads parameters and buffers by dotted name.
    ///
    /// - Throws: `StateDictError` listing every missing, unexpected and mis-shaped key (with `strict`,
    ///   missing and unexpected keys are errors; shape and dtype mismatches always are).
    public func loadStateDict(_ state: [String: Tensor], strict: Bool = true) throws {
        let parameters = Dictionary(namedParameters(), uniquingKeysWith: { a, _ in a })
        let buffers = Dictionary(namedBuffers(), uniquingKeysWith: { a, _ in a })
        var problems = StateDictError(missing: [], unexpected: [], mismatched: [])
        for key in parameters.keys.sorted() + buffers.keys.sorted() where state[key] == nil { problems.missing.append(key) }
        for key in state.keys.sorted() where parameters[key] == nil && buffers[key] == nil { problems.unexpected.append(key) }
        for (key, tensor) in state {
            let expected = parameters[key]?.value ?? buffers[key]?.value
            if let expected, expected.shape != tensor.shape {
                problems.mismatched.append("\(key): expected shape \(expected.shape), got \(tensor.shape)")
            }
        }
        problems.mismatched.sort()
        if !problems.mismatched.isEmpty || (strict && (!problems.missing.isEmpty || !problems.unexpected.isEmpty)) {
            throw problems
        }
        for (key, tensor) in state {
            if let p = parameters[key] { p.update(tensor.cast(to: p.value.dtype).contiguous()) }
            if let b = buffers[key] { b.value = tensor.cast(to: b.value.dtype) }
        }
    }
}

/// Problems found while loading a state dict: every bad key, by kind.
public struct StateDictError: Error, CustomStringConvertible, Equatable {
    /// Keys the model has but the state lacks.
    public var missing: [String]
    /// Keys the state has but the model lacks.
    public var unexpected: [String]
    /// "key: expected shape …, got …" lines.
    public var mismatched: [String]

    public var description: String {
        var parts: [String] = []
        if !missing.isEmpty { parts.append("missing keys: \(missing.joined(separator: ", "))") }
        if !unexpected.isEmpty { parts.append("unexpected keys: \(unexpected.joined(separator: ", "))") }
        if !mismatched.isEmpty { parts.append("shape mismatches: \(mismatched.joined(separator: "; "))") }
        return "state dict does not match the model: " + parts.joined(separator: "; ")
    }
}

/// A module with a single-tensor forward pass, usable inside `Sequential`.
public protocol Layer: Module {
    /// The forward pass.
    func callAsFunction(_ input: Tensor) -> Tensor
}

/// `value` with one level of `Optional` removed (nil for `.none`).
private func unwrapOptional(_ value: Any) -> Any? {
    let mirror = Mirror(reflecting: value)
    guard mirror.displayStyle == .optional else { return value }
    return mirror.children.first.map { unwrapOptional($0.value) } ?? nil
}
