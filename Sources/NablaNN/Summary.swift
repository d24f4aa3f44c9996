import Nabla
import Synchronization

/// Records the output shapes of layers during `summary`'s forward pass.
///
/// The hot path in every built-in layer is one relaxed atomic load (`activeCount`); only while some
/// summary runs does a layer look up the task-local recording, so a summary in one task never sees
/// layers running concurrently in another.
final class OutputRecording: Sendable {
    /// The number of summaries running anywhere in the process.
    static let activeCount = Atomic<Int>(0)
    /// The recording of the summary running in this task, if any.
    @TaskLocal static var current: OutputRecording?

    /// Output shapes by module identity, in call order.
    private let shapes = Mutex<[ObjectIdentifier: [[Int]]]>([:])

    func record(_ module: Module, _ output: Tensor) {
        shapes.withLock { $0[ObjectIdentifier(module), default: []].append(output.shape) }
    }

    func shapes(of module: Module) -> [[Int]] {
        shapes.withLock { $0[ObjectIdentifier(module)] ?? [] }
    }
}

extension Module {
    /// Returns `output` unchanged, noting its shape for `summary(inputShape:)` when a summary is
    /// running. Built-in layers pass their results through it; a custom module may do the same to
    /// show its own output shape in summaries.
    ///
    /// ```swift
    /// func callAsFunction(_ x: Tensor) -> Tensor { reportOutput(fc2(relu(fc1(x)))) }
    /// ```
    @inline(__always)
    public func reportOutput(_ output: Tensor) -> Tensor {
        if OutputRecording.activeCount.load(ordering: .relaxed) != 0 {
            OutputRecording.current?.record(self, output)
        }
        return output
    }

    /// A Keras-like table of the module tree, built by running `forward` once (without gradients, in
    /// evaluation mode; the training flags are restored afterwards): one row per submodule (dotted
    /// path and type), its output shape(s) (as reported through `reportOutput`; "-" for modules that
    /// report none, such as plain user modules), the number of parameters it holds directly, and the
    /// totals (total, trainable, non-trainable parameters; buffers are not parameters).
    ///
    /// Use this form for modules whose forward pass takes several inputs; layers have
    /// `summary(inputShape:dtype:)`.
    public func summary(running forward: () -> Tensor) -> String {
        let modules = namedModules()
        let modes = modules.map { ($0.1, $0.1.isTraining) }
        eval()
        defer { for (module, mode) in modes { module.train(mode) } }
        let recording = OutputRecording()
        OutputRecording.activeCount.add(1, ordering: .relaxed)
        let output = OutputRecording.$current.withValue(recording) { withNoGrad { forward() } }
        OutputRecording.activeCount.subtract(1, ordering: .relaxed)

        var rows: [(String, String, String)] = []
        var seen = Set<ObjectIdentifier>()
        for (path, module) in modules where !path.isEmpty {
            let shapes = recording.shapes(of: module)
            var unique: [[Int]] = []
            for s in shapes where !unique.contains(s) { unique.append(s) }
            let shapeText = unique.isEmpty ? "-" : unique.map { "\($0)" }.joined(separator: ", ")
            let count = module.namedDirectParameters().reduce(0) { total, entry in
                seen.insert(ObjectIdentifier(entry.1)).inserted ? total + entry.1.value.count : total
            }
            rows.append(("\(path) (\(typeName(module)))", shapeText, groupedDigits(count)))
        }
        let total = parameterCount, trainable = trainableParameterCount
        let headers = ("Layer (type)", "Output Shape", "Param #")
        let w0 = max(headers.0.count, rows.map(\.0.count).max() ?? 0) + 2
        let w1 = max(headers.1.count, rows.map(\.1.count).max() ?? 0) + 2
        let w2 = max(headers.2.count, rows.map(\.2.count).max() ?? 0)
        let width = w0 + w1 + w2
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        func padLeft(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
        var lines = ["Model: \"\(typeName(self))\"", String(repeating: "_", count: width),
                     pad(headers.0, w0) + pad(headers.1, w1) + padLeft(headers.2, w2), String(repeating: "=", count: width)]
        for row in rows { lines.append(pad(row.0, w0) + pad(row.1, w1) + padLeft(row.2, w2)) }
        lines += [String(repeating: "=", count: width),
                  "Total params: \(groupedDigits(total))",
                  "Trainable params: \(groupedDigits(trainable))",
                  "Non-trainable params: \(groupedDigits(total - trainable))",
                  "Output shape: \(output.shape)",
                  String(repeating: "_", count: width)]
        return lines.joined(separator: "\n")
    }
}

extension Layer {
    /// A Keras-like summary of the model for an input of `inputShape` (zeros of `dtype`; pass
    /// `.int64` for models that start with an `Embedding`). See `Module.summary(running:)`.
    ///
    /// ```swift
    /// print(model.summary(inputShape: [1, 1, 28, 28]))
    /// ```
    public func summary(inputShape: [Int], dtype: DType = .float32) -> String {
        summary { self(Tensor.zeros(inputShape, dtype: dtype)) }
    }
}

/// The unqualified type name of a module.
private func typeName(_ module: Module) -> String {
    String(describing: type(of: module))
}

/// `1234567` as "1,234,567".
private func groupedDigits(_ n: Int) -> String {
    let digits = String(abs(n))
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}
