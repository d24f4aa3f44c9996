import Foundation
import Nabla

/// Runs ONNX backend node test cases (ONNX's `onnx/backend/test/data/node` layout) through `ONNXModel`
/// and compares the outputs with the expected ones, as ONNX's own backend test runner does.
///
/// Each case folder holds `model.onnx` and `test_data_set_N/` with `input_i.pb` / `output_i.pb`, each a
/// serialized `TensorProto`; `input_i.pb` feeds the i-th graph input that is not an initializer.
///
/// ```swift
/// let report = ONNXNodeTests.run(directory: URL(fileURLWithPath: "/usr/share/libonnx-testdata/data/node"))
/// print(report.summary)   // ONNX node tests: 700 passed, 40 failed, 192 unsupported
/// ```
public enum ONNXNodeTests {
    /// Relative tolerance for floating-point outputs (ONNX's backend tests use numpy's `assert_allclose`).
    public static let relativeTolerance = 1e-3
    /// Absolute tolerance for floating-point outputs.
    public static let absoluteTolerance = 1e-7

    /// The operators of the core set the pass-rate threshold is measured on.
    public static let coreOperators: Set<String> = [
        "Add", "Sub", "Mul", "Div", "Pow", "Neg", "Abs", "Exp", "Log", "Sqrt", "Reciprocal", "Floor", "Ceil", "Sign",
        "Sin", "Cos", "Tanh", "Erf", "Max", "Min", "Sum", "Mean",
        "Relu", "LeakyRelu", "Elu", "Selu", "Sigmoid", "HardSigmoid", "Softplus", "Softsign", "PRelu", "Gelu", "HardSwish",
        "Softmax", "LogSoftmax", "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
        "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin", "CumSum", "MatMul", "Gemm", "Einsum",
        "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
        "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten", "Concat", "Split", "Slice", "Gather", "Expand", "Pad",
        "Tile", "Shape", "Size", "Range", "ConstantOfShape", "Identity", "Cast", "Where",
        "BatchNormalization", "LayerNormalization", "InstanceNormalization",
        "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Not",
        "TopK", "Clip", "Dropout", "Constant",
    ]

    /// How one case ended.
    public enum Outcome: Sendable, Equatable {
        /// Every output matched.
        case passed
        /// An output differed, or the model failed for another reason (the message says which).
        case failed(String)
        /// The case needs an operator, attribute or data type this importer does not support.
        case unsupported(String)
    }

    /// The result of one case.
    public struct CaseResult: Sendable {
        /// The case folder's name (`test_add_bcast`).
        public var name: String
        /// The operator types the model uses, sorted.
        public var operators: [String]
        /// True when every graph input and output is float32.
        public var isFloat32: Bool
        /// How it ended.
        public var outcome: Outcome
        /// True when every operator is in `coreOperators`.
        public var isCore: Bool { !operators.isEmpty && operators.allSatisfy(coreOperators.contains) }
        /// The operator the case is filed under: its only operator, or "(multi-op)".
        public var primaryOperator: String { operators.count == 1 ? operators[0] : "(multi-op)" }
    }

    /// Tallies over a set of cases.
    public struct Report: Sendable {
        /// Every case, in name order.
        public var cases: [CaseResult]

        /// Cases that passed.
        public var passed: Int { cases.filter { $0.outcome == .passed }.count }
        /// Cases that failed.
        public var failed: Int { cases.filter { if case .failed = $0.outcome { return true }; return false }.count }
        /// Cases that need something unsupported.
        public var unsupported: Int { cases.filter { if case .unsupported = $0.outcome { return true }; return false }.count }
        /// `ONNX node tests: P passed, F failed, U unsupported`.
        public var summary: String { "ONNX node tests: \(passed) passed, \(failed) failed, \(unsupported) unsupported" }

        /// The fraction of the cases matching `predicate` that passed (failed and unsupported count against it).
        public func passRate(where predicate: (CaseResult) -> Bool) -> (passed: Int, total: Int, rate: Double) {
            let selected = cases.filter(predicate)
            let passed = selected.filter { $0.outcome == .passed }.count
            return (passed, selected.count, selected.isEmpty ? 0 : Double(passed) / Double(selected.count))
        }

        /// Pass rate over the float32 cases whose operators are all in `coreOperators`.
        public var coreFloat32PassRate: (passed: Int, total: Int, rate: Double) { passRate { $0.isFloat32 && $0.isCore } }

        /// Per-operator (passed, failed, unsupported), keyed by `primaryOperator`.
        public var perOperator: [String: (passed: Int, failed: Int, unsupported: Int)] {
            var table: [String: (passed: Int, failed: Int, unsupported: Int)] = [:]
            for result in cases {
                var entry = table[result.primaryOperator] ?? (0, 0, 0)
                switch result.outcome {
                case .passed: entry.passed += 1
                case .failed: entry.failed += 1
                case .unsupported: entry.unsupported += 1
                }
                table[result.primaryOperator] = entry
            }
            return table
        }

        /// One line per failed case: `name [ops]: reason`.
        public var failureLines: [String] {
            cases.compactMap { result in
                if case let .failed(reason) = result.outcome { return "\(result.name) [\(result.operators.joined(separator: ","))]: \(reason)" }
                return nil
            }
        }
    }

    /// Runs every case folder under `directory` whose name satisfies `filter`.
    ///
    /// Set the environment variable `NABLA_ONNX_TRACE=1` to print each case's name before it runs.
    public static func run(directory: URL, filter: (String) -> Bool = { _ in true }) -> Report {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter(filter).sorted()
        let trace = ProcessInfo.processInfo.environment["NABLA_ONNX_TRACE"] != nil
        var cases: [CaseResult] = []
        for name in names {
            let folder = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.onnx").path) else { continue }
            if trace { FileHandle.standardError.write(Data("ONNX case \(name)\n".utf8)) }
            cases.append(runCase(at: folder))
        }
        return Report(cases: cases)
    }

    /// Runs one case folder.
    public static func runCase(at folder: URL) -> CaseResult {
        let name = folder.lastPathComponent
        var result = CaseResult(name: name, operators: [], isFloat32: false, outcome: .passed)
        let modelURL = folder.appendingPathComponent("model.onnx")
        if let data = try? Data(contentsOf: modelURL), let proto = try? Onnx_ModelProto(serializedBytes: data) {
            result.operators = Array(Set(proto.graph.node.map(\.opType))).sorted()
            let values = proto.graph.input.filter { input in !proto.graph.initializer.contains { $0.name == input.name } } + proto.graph.output
            result.isFloat32 = values.allSatisfy { $0.type.tensorType.elemType == 1 && $0.type.isTensor }
        }
        do {
            let model = try ONNXModel(contentsOf: modelURL)
            let sets = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("test_data_set_") }.sorted()
            for set in sets {
                let dir = folder.appendingPathComponent(set)
                let inputs = try numbered("input", in: dir)
                let expected = try numbered("output", in: dir)
                guard inputs.count == model.inputNames.count else {
                    throw ONNXError.invalidModel(file: dir.path, field: "graph.input",
                                                 reason: "\(inputs.count) input files for \(model.inputNames.count) graph inputs")
                }
                let outputs = try model.run(Dictionary(uniqueKeysWithValues: zip(model.inputNames, inputs)))
                for (i, want) in expected.enumerated() where i < model.outputNames.count {
                    guard let got = outputs[model.outputNames[i]] else { throw ONNXError.missingOutput(name: model.outputNames[i]) }
                    if let mismatch = compare(got, want) {
                        result.outcome = .failed("\(set) output \(i) '\(model.outputNames[i])': \(mismatch)")
                        return result
                    }
                }
            }
        } catch let error as ONNXError {
            switch error {
            case .unsupportedOperator, .unsupportedFeature, .unsupportedDataType, .unsupportedValueType: result.outcome = .unsupported(error.description)
            default: result.outcome = .failed(error.description)
            }
        } catch {
            result.outcome = .failed("\(error)")
        }
        return result
    }

    /// Reads `prefix_0.pb`, `prefix_1.pb`, … as tensors.
    static func numbered(_ prefix: String, in dir: URL) throws -> [Tensor] {
        var tensors: [Tensor] = []
        while true {
            let url = dir.appendingPathComponent("\(prefix)_\(tensors.count).pb")
            guard let data = try? Data(contentsOf: url) else { return tensors }
            let proto: Onnx_TensorProto
            do { proto = try Onnx_TensorProto(serializedBytes: data) } catch {
                throw ONNXError.malformedProtobuf(file: url.path, reason: "not a TensorProto (\(error))")
            }
            tensors.append(try proto.nablaTensor(file: url.path))
        }
    }

    /// nil when `got` matches `want` (numpy's allclose for floats, NaNs equal; exact otherwise), else why not.
    public static func compare(_ got: Tensor, _ want: Tensor) -> String? {
        guard got.shape == want.shape else { return "shape \(got.shape), expected \(want.shape)" }
        guard got.dtype == want.dtype else { return "dtype \(got.dtype), expected \(want.dtype)" }
        if want.dtype.isFloatingPoint {
            let a = got.toArray(as: Double.self), b = want.toArray(as: Double.self)
            var worst = 0.0, worstIndex = -1
            for i in a.indices {
                let (x, y) = (a[i], b[i])
                if x.isNaN && y.isNaN { continue }
                if x == y { continue }
                let excess = Swift.abs(x - y) - (absoluteTolerance + relativeTolerance * Swift.abs(y))
                if !(excess <= 0) && (worstIndex < 0 || !(excess <= worst)) { worst = excess; worstIndex = i }
            }
            if worstIndex >= 0 {
                return "value \(a[worstIndex]) at flat index \(worstIndex), expected \(b[worstIndex]) (rtol \(relativeTolerance), atol \(absoluteTolerance))"
            }
            return nil
        }
        let a = got.toArray(as: Int64.self), b = want.toArray(as: Int64.self)
        if let i = a.indices.first(where: { a[$0] != b[$0] }) { return "value \(a[i]) at flat index \(i), expected \(b[i])" }
        return nil
    }
}
