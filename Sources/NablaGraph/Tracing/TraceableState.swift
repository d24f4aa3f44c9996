import Nabla
import NablaNN
import NablaOptim

/// Mutable state that a compiled function reads and updates: a module's parameters, gradients and
/// buffers, an optimizer's per-parameter state. Its tensors become extra graph inputs and outputs,
/// and after each replay the new tensors are written back.
public protocol TraceableState: AnyObject {
    /// A handle on the state's tensors. Taken once per compiled function (a module finds its
    /// parameters by reflection here, not on every call).
    func makeStateHandle() -> any StateHandle
}

/// Fast access to one `TraceableState`'s tensors, used on every call of a compiled function.
///
/// The *layout* says which tensors exist (a gradient or a momentum buffer may appear during a call):
/// the layout after the traced call is recorded with the graph and used for writing back.
public protocol StateHandle {
    /// Which tensors exist now, one list of names per slot (parameter, buffer, …), in a fixed order.
    func layout() -> [[String]]
    /// The current tensors, in `layout()`'s order.
    func tensors() -> [Tensor]
    /// Values outside the tensors that a traced call bakes in (hyperparameters, step counts): a
    /// change makes the next call retrace.
    func settings() -> AnyHashable
    /// Writes back tensors computed by a replay, laid out as `layout`.
    func write(_ tensors: [Tensor], layout: [[String]])
}

extension Module: TraceableState {
    public func makeStateHandle() -> any StateHandle {
        ModuleStateHandle(module: self, parameters: namedParameters().map(\.1), buffers: namedBuffers().map(\.1))
    }
}

/// A module's parameters (with their gradients) and buffers.
struct ModuleStateHandle: StateHandle {
    let module: Module
    let parameters: [Parameter]
    let buffers: [Buffer]

    func layout() -> [[String]] {
        parameters.map { $0.grad == nil ? ["value"] : ["value", "grad"] } + buffers.map { _ in ["buffer"] }
    }

    func tensors() -> [Tensor] {
        var tensors: [Tensor] = []
        tensors.reserveCapacity(parameters.count * 2 + buffers.count)
        for parameter in parameters {
            tensors.append(parameter.value)
            if let grad = parameter.grad { tensors.append(grad) }
        }
        for buffer in buffers { tensors.append(buffer.value) }
        return tensors
    }

    func settings() -> AnyHashable { module.isTraining }

    func write(_ tensors: [Tensor], layout: [[String]]) {
        var index = 0
        for (slot, parameter) in parameters.enumerated() {
            parameter.update(tensors[index])
            index += 1
            if layout[slot].count > 1 {
                parameter.grad = tensors[index]
                index += 1
            } else {
                parameter.grad = nil
            }
        }
        for buffer in buffers {
            buffer.value = tensors[index]
            index += 1
        }
    }
}

extension Optimizer: TraceableState {
    public func makeStateHandle() -> any StateHandle {
        OptimizerStateHandle(optimizer: self, parameters: parameters)
    }

    /// Whether the update reads the step count as a Swift number: then each step is a different
    /// graph, so the count is part of the signature. SGD never reads it; Adam and AdamW keep it as a
    /// tensor while traced (`OptimizerState.stepTensorKey`); the others still read the number.
    var usesStepCount: Bool { !(self is SGD || self is Adam || self is AdamW) }
}

/// An optimizer's per-parameter state tensors (sorted by name) and its hyperparameters.
struct OptimizerStateHandle: StateHandle {
    let optimizer: Optimizer
    let parameters: [Parameter]

    func layout() -> [[String]] {
        parameters.map { (optimizer.state(for: $0)?.tensors.keys.sorted()) ?? [] }
    }

    func tensors() -> [Tensor] {
        parameters.flatMap { parameter in
            (optimizer.state(for: parameter)?.tensors ?? [:]).sorted { $0.key < $1.key }.map(\.value)
        }
    }

    func settings() -> AnyHashable {
        Settings(groups: optimizer.parameterGroups.map(\.options),
                 steps: optimizer.usesStepCount ? parameters.map { optimizer.state(for: $0)?.step ?? 0 } : [])
    }

    /// The hyperparameters of each group (and step counts where the update reads them).
    private struct Settings: Hashable, CustomStringConvertible {
        let groups: [Hyperparameters]
        let steps: [Int]

        var description: String {
            let text = groups.map { group in group.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") }
            return text.joined(separator: "; ") + (steps.isEmpty ? "" : " steps \(steps)")
        }
    }

    func write(_ tensors: [Tensor], layout: [[String]]) {
        var index = 0
        for (slot, parameter) in parameters.enumerated() {
            guard !layout[slot].isEmpty else { continue }
            var state = optimizer.state(for: parameter) ?? OptimizerState()
            for key in layout[slot] {
                state.tensors[key] = tensors[index]
                index += 1
            }
            state.step += 1
            optimizer.setState(state, for: parameter)
        }
    }
}
