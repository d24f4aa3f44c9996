import Nabla
import NablaNN

/// A set of parameters optimized with the same hyperparameters (PyTorch's `param_groups` entry).
///
/// `options` overrides the optimizer's defaults for this group only; anything it leaves out takes
/// the optimizer's value. Inside an optimizer every group holds the complete, resolved options.
///
/// ```swift
/// let optimizer = SGD([
///     ParameterGroup(named: model.namedParameters().filter { $0.0.hasPrefix("backbone.") }, learningRate: 1e-3),
///     ParameterGroup(named: model.namedParameters().filter { $0.0.hasPrefix("head.") }),
/// ], learningRate: 1e-2, momentum: 0.9)
/// ```
public struct ParameterGroup: Sendable {
    /// The parameters, in order.
    public var parameters: [Parameter]
    /// Their dotted names (keys of the optimizer's state dict); nil until an optimizer numbers them.
    public var names: [String]?
    /// Hyperparameters for this group (overrides before an optimizer resolves them, complete after).
    public var options: Hyperparameters

    /// A group of `parameters` with optional overrides of the learning rate, the weight decay and
    /// any other hyperparameter.
    public init(_ parameters: [Parameter], learningRate: Double? = nil, weightDecay: Double? = nil,
                options: Hyperparameters = [:]) {
        self.parameters = parameters
        self.names = nil
        self.options = options
        if let learningRate { self.options[.learningRate] = learningRate }
        if let weightDecay { self.options[.weightDecay] = weightDecay }
    }

    /// A group of named parameters (for example `module.namedParameters()`); the names key the
    /// optimizer's state dict.
    public init(named parameters: [(String, Parameter)], learningRate: Double? = nil, weightDecay: Double? = nil,
                options: Hyperparameters = [:]) {
        self.init(parameters.map(\.1), learningRate: learningRate, weightDecay: weightDecay, options: options)
        self.names = parameters.map(\.0)
    }

    /// The group's learning rate (nil-free once resolved by an optimizer; NaN when unset).
    public var learningRate: Double {
        get { options[.learningRate] ?? .nan }
        set { options[.learningRate] = newValue }
    }

    /// The value of hyperparameter `key`, if set.
    public subscript(key: Hyperparameter) -> Double? {
        get { options[key] }
        set { options[key] = newValue }
    }
}

/// Something an optimizer can be built over: a `Module` (one group, keyed by dotted parameter names),
/// an array of `Parameter`s (one group, keyed "0", "1", …) or an array of `ParameterGroup`s.
public protocol ParameterSource {
    /// The parameters as optimizer groups.
    func makeParameterGroups() -> [ParameterGroup]
}

/// An element type whose arrays are a `ParameterSource` (`Parameter`, `ParameterGroup`).
public protocol ParameterGroupElement {
    /// The groups an array of such elements stands for.
    static func makeParameterGroups(_ elements: [Self]) -> [ParameterGroup]
}

extension Module: ParameterSource {
    /// One group holding every parameter of the module, named by its dotted paths.
    public func makeParameterGroups() -> [ParameterGroup] { [ParameterGroup(named: namedParameters())] }
}

extension Parameter: ParameterGroupElement {
    /// One group holding all the parameters.
    public static func makeParameterGroups(_ elements: [Parameter]) -> [ParameterGroup] { [ParameterGroup(elements)] }
}

extension ParameterGroup: ParameterGroupElement {
    /// The groups themselves.
    public static func makeParameterGroups(_ elements: [ParameterGroup]) -> [ParameterGroup] { elements }
}

extension Array: ParameterSource where Element: ParameterGroupElement {
    /// The groups this array stands for.
    public func makeParameterGroups() -> [ParameterGroup] { Element.makeParameterGroups(self) }
}
