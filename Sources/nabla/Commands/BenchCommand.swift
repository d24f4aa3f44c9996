import ArgumentParser
import Nabla

/// `nabla bench <workload>`: the workloads of `../shared/bench/`, printed as JSON lines
/// `{"workload": …, "framework": "nabla", "metric": …, "value": …, "unit": …}`.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark workload and print its figures (see docs/PERFORMANCE.md)."
    )

    /// The workloads this build knows.
    enum Workload: String, ExpressibleByArgument, CaseIterable {
        case matmul, elementwise, overhead, mlp, cnn, lstm, transformer, minilm
    }

    @Argument(help: "Workload: \(Workload.allCases.map(\.rawValue).joined(separator: ", ")).")
    var workload: Workload

    @Flag(help: "Print one JSON object per line (the default output is a readable table).")
    var json = false

    @Option(help: "Timed samples per figure, the median is reported (7 by default; 5 for lstm and transformer, as in ../shared/bench).")
    var samples: Int?

    @Option(help: "Epochs for the training workloads (mlp: 5, cnn: 2 by default, as in ../shared/bench).")
    var epochs: Int?

    @Flag(help: "Training workloads: compile the training step into a graph (NABLA_PROFILE=1 prints time per node kind).")
    var compiled = false

    @Option(name: .customLong("shape"), help: "matmul: an [m, k] × [k, n] product to time instead of the square ones, as MxKxN (repeatable).")
    var shapes: [String] = []

    /// `shapes` as [m, k, n] triples.
    private var parsedShapes: [[Int]] {
        shapes.map { $0.split(separator: "x").compactMap { Int($0) } }
    }

    func validate() throws {
        for (text, shape) in zip(shapes, parsedShapes) where shape.count != 3 || shape.contains(where: { $0 < 1 }) {
            throw ValidationError("--shape \(text): expected three positive sizes MxKxN, such as 32x256x1024")
        }
        guard (samples ?? 1) >= 1 else { throw ValidationError("--samples must be at least 1") }
    }

    func run() throws {
        let reporter = BenchReporter(json: json)
        let samples = self.samples ?? ([.lstm, .transformer].contains(workload) ? 5 : 7)
        switch workload {
        case .matmul: MatmulBench.run(samples: samples, shapes: parsedShapes, reporter: reporter)
        case .elementwise: ElementwiseBench.run(samples: samples, reporter: reporter)
        case .overhead: OverheadBench.run(samples: samples, reporter: reporter)
        case .mlp: try TrainingBench.run(.mlp, epochs: epochs ?? 5, compiled: compiled, reporter: reporter)
        case .cnn: try TrainingBench.run(.cnn, epochs: epochs ?? 2, compiled: compiled, reporter: reporter)
        case .lstm: LSTMBench.run(samples: samples, reporter: reporter)
        case .transformer: try TransformerBench.run(samples: samples, compiled: compiled, reporter: reporter)
        case .minilm: try MiniLMBench.run(samples: samples, reporter: reporter)
        }
    }
}
