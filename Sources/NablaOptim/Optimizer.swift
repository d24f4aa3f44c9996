import Nabla
import NablaNN

/// The base class of every optimizer: parameter groups, per-parameter state and the update loop.
///
/// A subclass supplies one pure function, `(parameter, gradient, state, options) -> (parameter, state)`,
/// through `makeUpdateRule(for:)`; `step()` applies it under `withNoGrad` to every parameter that has a
/// gradient and writes the result back with `Parameter.update(_:)` (parameters without a gradient,
/// such as frozen ones, are skipped and their state is left alone).
///
/// ```swift
/// let optimizer = Adam(model, learningRate: 1e-3)
/// for (x, y) in batches {
///     optimizer.zeroGrad()
///     crossEntropy(model(x), y).backward()
///     optimizer.step()
/// }
/// ```
open class Optimizer {
    /// An optimizer's update for one parameter with its group's options bound: the new values and state.
    public typealias UpdateRule = (_ parameter: Tensor, _ gradient: Tensor, _ state: OptimizerState) -> (Tensor, OptimizerState)

    /// Every hyperparameter this optimizer understands, with its default value.
    public let defaults: Hyperparameters
    /// The parameter groups; each holds its complete options and the names of its parameters.
    public private(set) var parameterGroups: [ParameterGroup] = []
    /// Per-parameter state, by parameter identity.
    var states: [ObjectIdentifier: OptimizerState] = [:]
    /// The learning-rate schedule attached last (held weakly: the schedule holds the optimizer). Its state
    /// is saved and restored with the optimizer's (`stateDict()`'s `scheduler.*` metadata).
    public internal(set) weak var scheduler: (any LRScheduler)?

    /// Builds an optimizer over `parameters` with these `defaults` (every hyperparameter it reads).
    ///
    /// Groups' options override the defaults; an option the optimizer does not know, an invalid value,
    /// a parameter listed twice or an empty parameter list is a programmer error and traps.
    public init(_ parameters: some ParameterSource, defaults: Hyperparameters) {
        self.defaults = defaults
        for group in parameters.makeParameterGroups() { addParameterGroup(group) }
        precondition(parameterGroups.contains { !$0.parameters.isEmpty }, "\(name): the optimizer got an empty parameter list")
    }

    /// The optimizer's name in state dicts and messages ("Adam").
    open var name: String { String(describing: type(of: self)) }

    /// The update for one parameter with `options` (a group's complete hyperparameters). Subclasses override.
    open func makeUpdateRule(for options: Hyperparameters) -> UpdateRule {
        fatalError("\(name) must override makeUpdateRule(for:)")
    }

    /// The state tensors a parameter has after its first update with `options` (`["exp_avg", "exp_avg_sq"]`).
    open func stateKeys(for options: Hyperparameters) -> [String] { [] }

    /// Why `options` are invalid (nil when they are fine). Subclasses override to check ranges.
    open func validate(_ options: Hyperparameters) -> String? { nil }

    /// Adds a group (PyTorch's `add_param_group`): unnamed parameters are named by their index over all groups.
    public func addParameterGroup(_ group: ParameterGroup) {
        let unknown = group.options.keys.filter { defaults[$0] == nil }.sorted()
        precondition(unknown.isEmpty, "\(name): unknown option(s) \(unknown.map(\.rawValue)); known: \(defaults.keys.sorted().map(\.rawValue))")
        var resolved = group
        resolved.options = defaults.merging(group.options) { _, override in override }
        if let problem = validate(resolved.options) { preconditionFailure("\(name): \(problem)") }

        let existing = Set(parameters.map(ObjectIdentifier.init))
        var seen = Set<ObjectIdentifier>()
        for p in group.parameters {
            let id = ObjectIdentifier(p)
            precondition(!existing.contains(id) && seen.insert(id).inserted, "\(name): a parameter appears in more than one group (or twice in one)")
        }
        let first = parameters.count
        if let names = group.names {
            precondition(names.count == group.parameters.count, "\(name): \(names.count) names for \(group.parameters.count) parameters")
        } else {
            resolved.names = group.parameters.indices.map { String(first + $0) }
        }
        let taken = Set(parameterGroups.flatMap { $0.names ?? [] })
        var newNames = Set<String>()
        for n in resolved.names! {
            precondition(!taken.contains(n) && newNames.insert(n).inserted, "\(name): two parameters are named \"\(n)\"")
        }
        parameterGroups.append(resolved)
    }

    /// Every parameter, group by group.
    public var parameters: [Parameter] { parameterGroups.flatMap(\.parameters) }

    /// Every parameter with its state-dict name, group by group.
    public var namedParameters: [(String, Parameter)] {
        parameterGroups.flatMap { zip($0.names ?? [], $0.parameters).map { ($0, $1) } }
    }

    /// Clears the gradient of every parameter (sets it to nil, like PyTorch's `set_to_none=True`).
    public func zeroGrad() {
        for group in parameterGroups { for p in group.parameters { p.zeroGrad() } }
    }

    /// Applies one update to every parameter that has a gradient.
    open func step() {
        withNoGrad {
            for group in parameterGroups {
                let update = makeUpdateRule(for: group.options)
                for parameter in group.parameters {
                    guard let gradient = parameter.grad else { continue }
                    let value = parameter.value.detached()
                    guard gradient.shape == value.shape else {
                        fatalError("\(name).step: gradient shape \(gradient.shape) does not match parameter shape \(value.shape)")
                    }
                    let key = ObjectIdentifier(parameter)
                    let (newValue, newState) = update(value, gradient.detached(), states[key] ?? OptimizerState())
                    parameter.update(newValue)
                    states[key] = newState
                }
            }
        }
    }

    /// The state kept for `parameter` (nil before its first update or for a parameter not optimized here).
    public func state(for parameter: Parameter) -> OptimizerState? { states[ObjectIdentifier(parameter)] }

    /// Replaces the state kept for `parameter` (nil forgets it): how a compiled training step writes
    /// back the state its graph computed.
    public func setState(_ state: OptimizerState?, for parameter: Parameter) { states[ObjectIdentifier(parameter)] = state }

    /// Forgets every parameter's state (the next step starts as the first).
    public func resetState() { states.removeAll() }

    // MARK: Hyperparameters

    /// Each group's learning rate.
    public var learningRates: [Double] { parameterGroups.map { $0.options.require(.learningRate) } }

    /// Sets group `index`'s learning rate (what schedulers do).
    public func setLearningRate(_ value: Double, forGroup index: Int) {
        setHyperparameter(.learningRate, to: value, forGroup: index)
    }

    /// The value of `key` in group `index` (nil when the optimizer has no such hyperparameter).
    public func hyperparameter(_ key: Hyperparameter, forGroup index: Int) -> Double? {
        parameterGroups[index].options[key]
    }

    /// Sets `key` in group `index`; an unknown key or an invalid value traps.
    public func setHyperparameter(_ key: Hyperparameter, to value: Double, forGroup index: Int) {
        precondition(defaults[key] != nil, "\(name): unknown option \"\(key)\"")
        precondition(parameterGroups.indices.contains(index), "\(name): no parameter group \(index) (there are \(parameterGroups.count))")
        var options = parameterGroups[index].options
        options[key] = value
        if let problem = validate(options) { preconditionFailure("\(name): \(problem)") }
        parameterGroups[index].options = options
    }

    /// Replaces group options after validation (state-dict loading).
    func replaceOptions(_ options: [Hyperparameters]) {
        for i in parameterGroups.indices { parameterGroups[i].options = options[i] }
    }
}
