import Foundation
import Nabla

/// What stops a compiled function from tracing.
public enum TraceError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The function read tensor values into Swift while being traced: a replay could not follow
    /// whatever it did with them.
    case valueRead(function: String, location: String)
    /// The function drew random numbers while being traced: a replay would reuse the same draw.
    case randomness(function: String, what: String)
    /// The call's arguments do not fit the function (count).
    case wrongArguments(function: String, reason: String)

    public var description: String {
        switch self {
        case let .valueRead(function, location):
            return "\(function) reads tensor values (item(), scalars or toArray) at \(location) while being traced; "
                + "a compiled function must stay in tensor ops: move the read outside, or run it eagerly"
        case let .randomness(function, what):
            return "\(function) draws random numbers (\(what)) while being traced; a replay would reuse the same "
                + "values: pass the random tensor in as an argument, or run it eagerly"
        case let .wrongArguments(function, reason):
            return "\(function): \(reason)"
        }
    }
}

/// A Swift function compiled into graphs (DESIGN.md, point 7): the first call with a given
/// signature (input shapes and dtypes, the declared state's tensors and settings) runs the function
/// eagerly while tracing it; the graph is optimised by `pipeline` and later calls replay it.
///
/// ```swift
/// let predict = compile { (x: Tensor) in model(x).softmax(axis: 1) }
/// let p = try predict(images)                      // traced, then replayed for [64, 1, 28, 28] inputs
///
/// let trainStep = compile(state: [model, optimizer]) { (x: Tensor, y: Tensor) in
///     optimizer.zeroGrad()
///     let loss = crossEntropy(model(x), y)
///     loss.backward(); optimizer.step()
///     return loss
/// }
/// ```
///
/// A retrace is logged with its reason (which input or state changed), and a warning is logged once
/// when more than `retraceWarningThreshold` signatures have been traced. Reading tensor values or
/// drawing random numbers inside the function makes the tracing call throw a `TraceError`.
public final class CompiledFunction: @unchecked Sendable {
    /// The function's name in logs and errors ("compiled at File.swift:12" by default).
    public let name: String
    /// The passes run on each traced graph.
    public var pipeline: PassPipeline = .compiled
    /// More traced signatures than this logs one warning (a retrace storm).
    public var retraceWarningThreshold = 8
    /// Where retrace messages go (standard error by default).
    public var log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data("nabla.compile: \($0)\n".utf8)) }
    /// Time per node kind over all replays, when profiling (`NABLA_PROFILE=1` or `profiling: true`).
    public let profile: Profile?
    /// How many times the function has been traced.
    public private(set) var traceCount = 0
    /// The reason of each retrace, oldest first.
    public private(set) var retraceReasons: [String] = []

    private let body: ([Tensor]) throws -> [Tensor]
    private let state: [any StateHandle]
    private var cache: [Signature: Entry] = [:]
    private var lastSignature: Signature?
    private var warnedAboutStorm = false
    private let lock = NSLock()

    private struct Signature: Hashable {
        var inputs: [ValueType]
        var state: [[ValueType]]
        var layouts: [[[String]]]
        var settings: [AnyHashable]
    }

    /// The last replay's signature, and the state it wrote back: when the next call finds exactly
    /// those tensors (and the same input types and settings), the signature is the same without
    /// rebuilding and hashing it (the layouts of the state's tensors, their names and types).
    private struct LastCall {
        var signature: Signature
        var inputs: [ValueType]
        var state: [[Tensor]]
        var settings: [AnyHashable]

        func matches(_ inputs: [Tensor], _ stateTensors: [[Tensor]], _ settings: [AnyHashable]) -> Bool {
            guard inputs.count == self.inputs.count, stateTensors.count == state.count, settings == self.settings else { return false }
            for (tensor, type) in zip(inputs, self.inputs) where tensor.dtype != type.dtype || tensor.shape != type.shape { return false }
            for (now, then) in zip(stateTensors, state) {
                guard now.count == then.count else { return false }
                for (a, b) in zip(now, then) where a.storage !== b.storage || a.layout != b.layout || a.dtype != b.dtype { return false }
            }
            return true
        }
    }
    private var lastCall: LastCall?
    /// How many calls replayed through the fast signature check (for tests).
    private(set) var fastReplays = 0

    private struct Entry {
        var graph: Graph
        var executor: Executor
        var outputCount: Int
        var layoutsAfter: [[[String]]]
        var stateCountsAfter: [Int]
    }

    /// Compiles `body`, which reads and updates `state` (see `compile(name:state:profiling:_:)`).
    public init(name: String, state: [any TraceableState] = [], profiling: Bool = Profile.requestedByEnvironment,
                _ body: @escaping ([Tensor]) throws -> [Tensor]) {
        self.name = name
        self.state = state.map { $0.makeStateHandle() }
        self.body = body
        self.profile = profiling ? Profile() : nil
    }

    /// The optimised graph of the most recent trace (nil before the first call).
    public var graph: Graph? { lock.withLock { lastSignature.flatMap { cache[$0]?.graph } } }

    /// Calls the function: replays the graph for this signature, or traces a new one.
    public func callAsFunction(_ inputs: [Tensor]) throws -> [Tensor] {
        try lock.withLock {
            let stateTensors = state.map { $0.tensors() }
            let settings = state.map { $0.settings() }
            // The common case: the state is exactly what the last replay wrote back (same tensors) and
            // the inputs and settings have not changed, so the signature is the last one.
            if let last = lastCall, last.matches(inputs, stateTensors, settings), let entry = cache[last.signature] {
                fastReplays += 1
                return replay(entry, inputs, stateTensors, signature: last.signature, settings: settings)
            }
            let signature = makeSignature(inputs, stateTensors, settings)
            if let entry = cache[signature] {
                lastSignature = signature
                return replay(entry, inputs, stateTensors, signature: signature, settings: settings)
            }
            return try trace(inputs, signature: signature)
        }
    }

    /// Calls a function of one tensor returning one tensor.
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try single(self([x])) }

    /// Calls a function of two tensors returning one tensor.
    public func callAsFunction(_ x: Tensor, _ y: Tensor) throws -> Tensor { try single(self([x, y])) }

    private func single(_ outputs: [Tensor]) throws -> Tensor {
        guard outputs.count == 1 else {
            throw TraceError.wrongArguments(function: name, reason: "returns \(outputs.count) tensors; call it with an array to get them all")
        }
        return outputs[0]
    }

    private func makeSignature(_ inputs: [Tensor], _ stateTensors: [[Tensor]], _ settings: [AnyHashable]) -> Signature {
        Signature(inputs: inputs.map(ValueType.init(of:)),
                  state: stateTensors.map { $0.map(ValueType.init(of:)) },
                  layouts: state.map { $0.layout() },
                  settings: settings)
    }

    private func replay(_ entry: Entry, _ inputs: [Tensor], _ stateTensors: [[Tensor]], signature: Signature,
                        settings: [AnyHashable]) -> [Tensor] {
        var arguments: [Tensor] = []
        arguments.reserveCapacity(entry.executor.graph.inputs.count)
        for input in inputs { arguments.append(input.detached()) }
        for tensors in stateTensors { for tensor in tensors { arguments.append(tensor.detached()) } }
        let results = entry.executor.run(arguments, profile: profile)
        arguments.removeAll()
        var index = entry.outputCount
        var written: [[Tensor]] = []
        for (slot, holder) in state.enumerated() {
            let count = entry.stateCountsAfter[slot]
            let tensors = Array(results[index..<(index + count)])
            holder.write(tensors, layout: entry.layoutsAfter[slot])
            written.append(tensors)
            index += count
        }
        lastCall = LastCall(signature: signature, inputs: inputs.map(ValueType.init(of:)), state: written, settings: settings)
        return Array(results[0..<entry.outputCount])
    }

    private func trace(_ inputs: [Tensor], signature: Signature) throws -> [Tensor] {
        if let lastSignature {
            let reason = difference(from: lastSignature, to: signature)
            retraceReasons.append(reason)
            log("retracing \(name): \(reason)")
        }
        traceCount += 1
        if traceCount > retraceWarningThreshold && !warnedAboutStorm {
            warnedAboutStorm = true
            log("warning: \(name) has been traced \(traceCount) times (more than \(retraceWarningThreshold) signatures); "
                + "each new input shape or state setting costs a trace: keep shapes fixed (drop the last batch) or run it eagerly")
        }
        let tracer = Tracer()
        for input in inputs { tracer.addInput(input) }
        for holder in state { for tensor in holder.tensors() { tracer.addInput(tensor) } }
        let outputs = try Tracing.withObserver(tracer) { try body(inputs) }
        if let violation = tracer.violations.first {
            if let location = violation.location { throw TraceError.valueRead(function: name, location: location) }
            throw TraceError.randomness(function: name, what: violation.what)
        }
        let stateAfter = state.map { $0.tensors() }
        lastCall = nil
        tracer.setOutputs(outputs + stateAfter.flatMap { $0 })
        let graph = pipeline.run(tracer.graph)
        cache[signature] = Entry(graph: graph, executor: Executor(graph), outputCount: outputs.count,
                                 layoutsAfter: state.map { $0.layout() }, stateCountsAfter: stateAfter.map(\.count))
        lastSignature = signature
        return outputs
    }

    /// Which part of the signature changed, in words.
    private func difference(from old: Signature, to new: Signature) -> String {
        if old.inputs.count != new.inputs.count { return "called with \(new.inputs.count) inputs instead of \(old.inputs.count)" }
        for (index, (a, b)) in zip(old.inputs, new.inputs).enumerated() where a != b {
            return "input \(index) changed from \(a) to \(b)"
        }
        for (slot, (a, b)) in zip(old.settings, new.settings).enumerated() where a != b {
            return "state \(slot) settings changed from \(a.base) to \(b.base)"
        }
        for (slot, (a, b)) in zip(old.layouts, new.layouts).enumerated() where a != b {
            return "state \(slot) gained or lost tensors (gradients or optimizer buffers)"
        }
        return "state tensor shapes changed"
    }
}

/// Compiles a function of tensors (see `CompiledFunction`). `state` lists the modules and optimizers
/// the function reads and updates (a training step's model and optimizer).
public func compile(name: String? = nil, state: [any TraceableState] = [], profiling: Bool = Profile.requestedByEnvironment,
                    file: StaticString = #fileID, line: UInt = #line,
                    _ body: @escaping ([Tensor]) throws -> [Tensor]) -> CompiledFunction {
    CompiledFunction(name: name ?? "compiled function at \(file):\(line)", state: state, profiling: profiling, body)
}

/// Compiles a function of one tensor.
public func compile(name: String? = nil, state: [any TraceableState] = [], profiling: Bool = Profile.requestedByEnvironment,
                    file: StaticString = #fileID, line: UInt = #line,
                    _ body: @escaping (Tensor) throws -> Tensor) -> CompiledFunction {
    compile(name: name, state: state, profiling: profiling, file: file, line: line) { (inputs: [Tensor]) in [try body(inputs[0])] }
}

/// Compiles a function of two tensors.
public func compile(name: String? = nil, state: [any TraceableState] = [], profiling: Bool = Profile.requestedByEnvironment,
                    file: StaticString = #fileID, line: UInt = #line,
                    _ body: @escaping (Tensor, Tensor) throws -> Tensor) -> CompiledFunction {
    compile(name: name, state: state, profiling: profiling, file: file, line: line) { (inputs: [Tensor]) in [try body(inputs[0], inputs[1])] }
}
