import Nabla

/// A learning-rate schedule attached to an optimizer: each `step()` (usually once per epoch or per
/// batch, after `optimizer.step()`) sets the learning rate of every parameter group.
///
/// Creating a schedule attaches it to the optimizer (`optimizer.scheduler`), so its state is saved in
/// the optimizer's `stateDict()` and restored by `loadStateDict(_:)`: create the schedule before
/// loading a checkpoint, as in PyTorch.
///
/// ```swift
/// let scheduler = CosineAnnealingLR(optimizer, tMax: epochs)
/// for _ in 0..<epochs {
///     trainOneEpoch()
///     scheduler.step()
/// }
/// ```
public protocol LRScheduler: AnyObject {
    /// The optimizer whose learning rates the schedule sets.
    var optimizer: Optimizer { get }
    /// The learning rates set by the last step (or at construction), one per parameter group.
    var lastLearningRates: [Double] { get }
    /// The number of steps taken (0 after construction).
    var lastEpoch: Int { get }
    /// Advances the schedule by one step and sets the optimizer's learning rates.
    func step()
    /// Advances the schedule given a validation metric (used by `ReduceLROnPlateau`; the other
    /// schedules ignore the metric).
    func step(metric: Double)
    /// The schedule's state as strings (save it next to the optimizer's `stateDict()`).
    func stateDict() -> [String: String]
    /// Restores a state saved by `stateDict()` (the optimizer's learning rates come from its own state).
    func loadStateDict(_ state: [String: String]) throws
}

extension LRScheduler {
    /// Advances the schedule; the metric is ignored.
    public func step(metric: Double) { step() }
}

/// Why a scheduler state could not be loaded.
public struct LRSchedulerStateError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The offending key.
    public var key: String
    /// What is wrong with it.
    public var message: String

    public var description: String { "cannot load scheduler state: \(key): \(message)" }
}

/// The base of the schedules whose learning rate is a function of the step count: subclasses give
/// `learningRates(atEpoch:)`, computed in closed form from `baseLearningRates` (the groups' learning
/// rates when the schedule was attached), so a restored schedule needs only its step count.
open class EpochLRScheduler: LRScheduler {
    public let optimizer: Optimizer
    /// The learning rate of each group when the schedule was attached (`initial_lr` in PyTorch).
    public private(set) var baseLearningRates: [Double]
    public private(set) var lastEpoch: Int = 0
    public private(set) var lastLearningRates: [Double] = []

    /// Attaches to `optimizer` and sets the learning rates of step 0.
    public init(_ optimizer: Optimizer, baseLearningRates: [Double]? = nil) {
        self.optimizer = optimizer
        self.baseLearningRates = baseLearningRates ?? optimizer.learningRates
        precondition(self.baseLearningRates.count == optimizer.parameterGroups.count,
                     "\(Self.self): \(self.baseLearningRates.count) base learning rates for \(optimizer.parameterGroups.count) groups")
        apply()
        optimizer.scheduler = self
    }

    /// The schedule's name in state dicts.
    open var name: String { String(describing: type(of: self)) }

    /// Each group's learning rate after `epoch` steps. Subclasses override.
    open func learningRates(atEpoch epoch: Int) -> [Double] {
        fatalError("\(name) must override learningRates(atEpoch:)")
    }

    public func step() {
        lastEpoch += 1
        apply()
    }

    /// Sets the optimizer's learning rates (and whatever else the schedule drives) for `lastEpoch`.
    func apply() {
        for (group, rate) in learningRates(atEpoch: lastEpoch).enumerated() {
            optimizer.setLearningRate(rate, forGroup: group)
        }
        lastLearningRates = optimizer.learningRates
    }

    /// `scheduler` (the class name), `last_epoch`, `base_lrs` and `last_lrs` (comma-separated).
    public func stateDict() -> [String: String] {
        ["scheduler": name, "last_epoch": String(lastEpoch),
         "base_lrs": encodeDoubles(baseLearningRates), "last_lrs": encodeDoubles(lastLearningRates)]
    }

    public func loadStateDict(_ state: [String: String]) throws {
        try checkSchedulerName(state, name)
        let epoch = try parseInt(state, "last_epoch")
        let base = try parseDoubles(state, "base_lrs", count: optimizer.parameterGroups.count)
        let last = try parseDoubles(state, "last_lrs", count: optimizer.parameterGroups.count)
        lastEpoch = epoch
        baseLearningRates = base
        lastLearningRates = last
    }
}

// MARK: - State-dict helpers

func encodeDoubles(_ values: [Double]) -> String { values.map { String($0) }.joined(separator: ",") }

func checkSchedulerName(_ state: [String: String], _ name: String) throws {
    guard let found = state["scheduler"] else { throw LRSchedulerStateError(key: "scheduler", message: "missing") }
    guard found == name else { throw LRSchedulerStateError(key: "scheduler", message: "the state is for \(found), not \(name)") }
}

func parseInt(_ state: [String: String], _ key: String) throws -> Int {
    guard let raw = state[key] else { throw LRSchedulerStateError(key: key, message: "missing") }
    guard let value = Int(raw) else { throw LRSchedulerStateError(key: key, message: "\"\(raw)\" is not an integer") }
    return value
}

func parseDouble(_ state: [String: String], _ key: String) throws -> Double {
    guard let raw = state[key] else { throw LRSchedulerStateError(key: key, message: "missing") }
    guard let value = Double(raw) else { throw LRSchedulerStateError(key: key, message: "\"\(raw)\" is not a number") }
    return value
}

func parseDoubles(_ state: [String: String], _ key: String, count: Int) throws -> [Double] {
    guard let raw = state[key] else { throw LRSchedulerStateError(key: key, message: "missing") }
    let values = raw.split(separator: ",", omittingEmptySubsequences: false).compactMap { Double(String($0)) }
    guard values.count == count, raw.split(separator: ",", omittingEmptySubsequences: false).count == count else {
        throw LRSchedulerStateError(key: key, message: "\"\(raw)\" is not a list of \(count) numbers (one per parameter group)")
    }
    return values
}
