import Nabla
import NablaNN
import NablaOptim

/// Mutable state that a compiled function reads and updates: a module's parameters, gradients and
/// buffers, an optimizer's per-parameter state. Its tensors become extra graph inputs and outputs,
/// and after each replay the new tensors are written back.
///
/// The *layout* says which tensors exist (a gradient or a momentum buffer may appear during a call):
/// the layout after the traced call is recorded with the graph and used for writing back.
public protocol TraceableState: AnyObject {
    /// Which tensors exist now, one list of names per slot (parameter, buffer, …), in a fixed order.
    func stateLayout() -> [[String]]
    /// The current tensors, in `stateLayout()`'s order.
    func stateTensors() -> [Tensor]
    /// Values outside the tensors that a traced call bakes in (hyperparameters, step counts): a
    /// change makes the next call retrace.
    func stateSignature() -> String
    /// Writes back tensors computed by a replay, laid out as `layout`.
    func setStateTensors(_ tensors: [Tensor], layout: [[String]])
}

extension Module: TraceableState {
    public func stateLayout() -> [[String]] {
        namedParameters().map { $0.1.grad == nil ? ["value"] : ["value", "grad"] } + namedBuffers().map { _ in ["buffer"] }
    }

    public func stateTensors() -> [Tensor] {
        var tensors: [Tensor] = []
        for (_, parameter) in namedParameters() {
            tensors.append(parameter.value)
            if let grad = parameter.grad { tensors.append(grad) }
        }
        for (_, buffer) in namedBuffers() { tensors.append(buffer.value) }
        return tensors
    }

    public func stateSignature() -> String { "module(\(isTraining ? "train" : "eval"))" }

    public func setStateTensors(_ tensors: [Tensor], layout: [[String]]) {
        var index = 0
        func next() -> Tensor { defer { index += 1 }; return tensors[index] }
        let parameters = namedParameters()
        for (slot, (_, parameter)) in parameters.enumerated() {
            parameter.update(next())
            parameter.grad = layout[slot].count > 1 ? next() : nil
        }
        for (_, buffer) in namedBuffers() { buffer.value = next() }
    }
}

extension Optimizer: TraceableState {
    public func stateLayout() -> [[String]] {
        parameters.map { (state(for: $0)?.tensors.keys.sorted()) ?? [] }
    }

    public func stateTensors() -> [Tensor] {
        parameters.flatMap { parameter in
            (state(for: parameter)?.tensors ?? [:]).sorted { $0.key < $1.key }.map(\.value)
        }
    }

    public func stateSignature() -> String {
        let groups = parameterGroups.map { group in
            group.options.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        }
        let steps = usesStepCount ? parameters.map { String(state(for: $0)?.step ?? 0) }.joined(separator: ",") : ""
        return "\(name)[" + groups.joined(separator: ";") + "]" + steps
    }

    public func setStateTensors(_ tensors: [Tensor], layout: [[String]]) {
        var index = 0
        for (slot, parameter) in parameters.enumerated() {
            guard !layout[slot].isEmpty else { continue }
            var state = self.state(for: parameter) ?? OptimizerState()
            for key in layout[slot] {
                state.tensors[key] = tensors[index]
                index += 1
            }
            state.step += 1
            setState(state, for: parameter)
        }
    }

    /// Whether the update reads the step count as a Swift number: then each step is a different
    /// graph, so the count is part of the signature. SGD never reads it; Adam and AdamW keep it as a
    /// tensor while traced (`OptimizerState.stepTensorKey`); the others still read the number.
    var usesStepCount: Bool { !(self is SGD || self is Adam || self is AdamW) }
}
