import Nabla

/// Layers applied in order (PyTorch's `nn.Sequential`); children are named `0`, `1`, ….
///
/// ```swift
/// let mlp = Sequential(Linear(784, 256), ReLU(), Linear(256, 10))
/// ```
public final class Sequential: Module, Layer {
    /// The layers, in order.
    public let layers: [any Layer]

    /// A sequence of layers.
    public init(_ layers: any Layer...) { self.layers = layers }
    /// A sequence of layers from an array.
    public init(_ layers: [any Layer]) { self.layers = layers }

    public override func namedChildren() -> [(String, Module)] {
        layers.enumerated().map { ("\($0.offset)", $0.element as Module) }
    }

    /// Applies each layer in turn.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        reportOutput(layers.reduce(input) { x, layer in layer(x) })
    }

    /// The i-th layer.
    public subscript(_ index: Int) -> any Layer { layers[index] }
    /// The number of layers.
    public var count: Int { layers.count }
}

/// A list of modules whose parameters are registered (PyTorch's `nn.ModuleList`); children are
/// named `0`, `1`, ….
public final class ModuleList: Module {
    /// The modules.
    public private(set) var modules: [Module]

    /// A list of modules.
    public init(_ modules: [Module] = []) { self.modules = modules }

    public override func namedChildren() -> [(String, Module)] {
        modules.enumerated().map { ("\($0.offset)", $0.element) }
    }

    /// Appends a module.
    public func append(_ module: Module) { modules.append(module) }
    /// The i-th module.
    public subscript(_ index: Int) -> Module { modules[index] }
    /// The number of modules.
    public var count: Int { modules.count }
}
