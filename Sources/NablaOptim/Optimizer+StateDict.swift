import Foundation
import Nabla
import NablaNN

/// Why an optimizer state could not be loaded: every offending key with what is wrong with it.
public struct OptimizerStateError: Error, CustomStringConvertible, Equatable, Sendable {
    /// One bad entry of the state dict.
    public struct Problem: Equatable, Sendable {
        /// The tensor or metadata key ("state.fc1.weight.exp_avg", "param_groups.0.lr", …).
        public var key: String
        /// What is wrong with it.
        public var message: String
    }

    /// The optimizer that refused the state.
    public var optimizer: String
    /// Every problem, sorted by key.
    public var problems: [Problem]

    /// The offending keys.
    public var keys: [String] { problems.map(\.key) }

    public var description: String {
        "cannot load \(optimizer) state: " + problems.map { "\($0.key): \($0.message)" }.joined(separator: "; ")
    }
}

extension Optimizer {
    /// The optimizer's state as tensors and string metadata, keyed by parameter names (dotted module
    /// paths when the optimizer was built from a `Module`, "0", "1", … otherwise):
    ///
    /// - tensors: `state.<parameter>.<name>` for each state tensor (`state.fc1.weight.exp_avg`);
    /// - metadata: `optimizer` (the class name), `param_groups` (the number of groups),
    ///   `param_groups.<i>.params` (a JSON list of the group's parameter names),
    ///   `param_groups.<i>.<hyperparameter>` (`param_groups.0.lr`, shortest round-tripping decimal),
    ///   `state.<parameter>.step` (the update count of each parameter that has state), and
    ///   `scheduler.<key>` for the state of the attached learning-rate schedule, if any.
    ///
    /// `loadStateDict(_:)` restores it exactly: the following steps match an uninterrupted run bit for bit.
    public func stateDict() -> (tensors: [String: Tensor], metadata: [String: String]) {
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = ["optimizer": name, "param_groups": String(parameterGroups.count)]
        for (index, group) in parameterGroups.enumerated() {
            let prefix = "param_groups.\(index)."
            metadata[prefix + "params"] = encodeNames(group.names ?? [])
            for (key, value) in group.options { metadata[prefix + key.rawValue] = String(value) }
            for (name, parameter) in zip(group.names ?? [], group.parameters) {
                guard let state = states[ObjectIdentifier(parameter)] else { continue }
                metadata["state.\(name).step"] = String(state.step)
                for (key, tensor) in state.tensors where key != OptimizerState.stepTensorKey { tensors["state.\(name).\(key)"] = tensor }
            }
        }
        if let scheduler {
            for (key, value) in scheduler.stateDict() { metadata["scheduler." + key] = value }
        }
        return (tensors, metadata)
    }

    /// Restores a state saved by `stateDict()`: group hyperparameters (learning rates included),
    /// every parameter's state, and the attached schedule's state when both the optimizer has a
    /// schedule and the state holds `scheduler.*` entries (they are ignored otherwise). Nothing
    /// changes unless the whole state is valid.
    ///
    /// - Throws: `OptimizerStateError` naming every bad key: a different optimizer, group count or
    ///   parameter names, a missing or unparsable hyperparameter or step, a state tensor for an
    ///   unknown parameter, of an unknown kind, of the wrong shape, or missing.
    public func loadStateDict(_ state: (tensors: [String: Tensor], metadata: [String: String])) throws {
        var problems: [OptimizerStateError.Problem] = []
        func fail(_ key: String, _ message: String) { problems.append(.init(key: key, message: message)) }
        func finish() -> OptimizerStateError {
            OptimizerStateError(optimizer: name, problems: problems.sorted { ($0.key, $0.message) < ($1.key, $1.message) })
        }
        let metadata = state.metadata

        switch metadata["optimizer"] {
        case nil: fail("optimizer", "missing (not an optimizer state dict?)")
        case let found? where found != name: fail("optimizer", "the state is for \(found), not \(name)")
        default: break
        }
        guard let rawCount = metadata["param_groups"], let groupCount = Int(rawCount) else {
            fail("param_groups", metadata["param_groups"].map { "\"\($0)\" is not a group count" } ?? "missing")
            throw finish()
        }
        guard groupCount == parameterGroups.count else {
            fail("param_groups", "the state has \(groupCount) parameter groups, the optimizer \(parameterGroups.count)")
            throw finish()
        }

        // Group options and parameter names.
        var expectedMetadata: Set<String> = ["optimizer", "param_groups"]
        var newOptions: [Hyperparameters] = []
        for (index, group) in parameterGroups.enumerated() {
            let prefix = "param_groups.\(index)."
            let names = group.names ?? []
            expectedMetadata.insert(prefix + "params")
            if let raw = metadata[prefix + "params"] {
                if let saved = decodeNames(raw) {
                    if saved != names {
                        fail(prefix + "params", "the state's parameters \(saved) differ from the group's \(names)")
                    }
                } else {
                    fail(prefix + "params", "\"\(raw)\" is not a JSON list of names")
                }
            } else {
                fail(prefix + "params", "missing")
            }
            var options = Hyperparameters()
            for key in defaults.keys.sorted() {
                let fullKey = prefix + key.rawValue
                expectedMetadata.insert(fullKey)
                guard let raw = metadata[fullKey] else { fail(fullKey, "missing"); continue }
                guard let value = Double(raw) else { fail(fullKey, "\"\(raw)\" is not a number"); continue }
                options[key] = value
            }
            if options.count == defaults.count, let problem = validate(options) { fail(prefix + "*", problem) }
            newOptions.append(options.count == defaults.count ? options : group.options)
        }

        // Parameter states: steps in metadata, tensors by "state.<name>.<key>".
        var byName: [String: (parameter: Parameter, group: Int)] = [:]
        for (index, group) in parameterGroups.enumerated() {
            for (name, p) in zip(group.names ?? [], group.parameters) { byName[name] = (p, index) }
        }
        var newStates: [String: OptimizerState] = [:]
        var schedulerState: [String: String] = [:]
        for (key, raw) in metadata where key.hasPrefix("scheduler.") {
            schedulerState[String(key.dropFirst("scheduler.".count))] = raw
        }
        for (key, raw) in metadata where !expectedMetadata.contains(key) && !key.hasPrefix("scheduler.") {
            guard key.hasPrefix("state."), key.hasSuffix(".step"), key.count > "state..step".count else {
                fail(key, "unexpected metadata entry")
                continue
            }
            let name = String(key.dropFirst("state.".count).dropLast(".step".count))
            guard byName[name] != nil else { fail(key, "the optimizer has no parameter named \"\(name)\""); continue }
            guard let step = Int(raw), step >= 0 else { fail(key, "\"\(raw)\" is not a step count"); continue }
            newStates[name, default: OptimizerState()].step = step
        }
        for (key, tensor) in state.tensors {
            guard key.hasPrefix("state."), let dot = key.lastIndex(of: "."), dot > key.index(key.startIndex, offsetBy: 5) else {
                fail(key, "unexpected tensor (optimizer tensors are named state.<parameter>.<kind>)")
                continue
            }
            let name = String(key[key.index(key.startIndex, offsetBy: 6)..<dot])
            let kind = String(key[key.index(after: dot)...])
            guard let (parameter, group) = byName[name] else {
                fail(key, "the optimizer has no parameter named \"\(name)\"")
                continue
            }
            let kinds = stateKeys(for: newOptions[group])
            guard kinds.contains(kind) else {
                fail(key, "\(self.name) keeps no \"\(kind)\" tensor with these options (expected \(kinds))")
                continue
            }
            guard tensor.shape == parameter.shape else {
                fail(key, "shape \(tensor.shape) does not match the parameter's \(parameter.shape)")
                continue
            }
            guard tensor.dtype.isFloatingPoint else { fail(key, "dtype \(tensor.dtype) is not floating point"); continue }
            let dtype = parameter.value.dtype
            newStates[name, default: OptimizerState()].tensors[kind] = tensor.dtype == dtype ? tensor : tensor.cast(to: dtype)
        }
        for (name, entry) in newStates.sorted(by: { $0.key < $1.key }) {
            guard metadata["state.\(name).step"] != nil else {
                fail("state.\(name).step", "missing (the state has tensors for \(name))")
                continue
            }
            guard entry.step > 0, let group = byName[name]?.group else { continue }
            for kind in stateKeys(for: newOptions[group]) where entry.tensors[kind] == nil {
                fail("state.\(name).\(kind)", "missing (\(name) has taken \(entry.step) steps)")
            }
        }
        guard problems.isEmpty else { throw finish() }
        if let scheduler, !schedulerState.isEmpty {
            do {
                try scheduler.loadStateDict(schedulerState)
            } catch let error as LRSchedulerStateError {
                fail("scheduler." + error.key, error.message)
                throw finish()
            }
        }

        replaceOptions(newOptions)
        var restored: [ObjectIdentifier: OptimizerState] = [:]
        for (name, entry) in newStates { restored[ObjectIdentifier(byName[name]!.parameter)] = entry }
        states = restored
    }
}

/// A list of names as a JSON array string.
private func encodeNames(_ names: [String]) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    return String(decoding: (try? encoder.encode(names)) ?? Data("[]".utf8), as: UTF8.self)
}

/// The names in a JSON array string, or nil when it is not one.
private func decodeNames(_ text: String) -> [String]? {
    try? JSONDecoder().decode([String].self, from: Data(text.utf8))
}
