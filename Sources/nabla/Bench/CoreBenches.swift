import Nabla

/// W1: square sgemm, GFLOPS (`../shared/bench/w1_matmul.py`); or the given [m, k] × [k, n] shapes.
enum MatmulBench {
    static func run(samples: Int, shapes: [[Int]] = [], reporter: BenchReporter) {
        let cases = shapes.isEmpty ? [256, 1024, 2048].map { [$0, $0, $0] } : shapes
        for shape in cases {
            let (m, k, n) = (shape[0], shape[1], shape[2])
            let a = Tensor.randn([m, k], seed: 1), b = Tensor.randn([k, n], seed: 2)
            let times = BenchTimer.sample(samples: samples, minSampleSeconds: 0.2) { _ = matmul(a, b) }
            let flop = 2.0 * Double(m) * Double(k) * Double(n)
            var extra: [String: Any] = ["best": (flop / times[0] / 1e7).rounded() / 100]
            if m == k && k == n { extra["n"] = n } else { extra["shape"] = "\(m)x\(k)x\(n)" }
            reporter.report(workload: "matmul", metric: "gflops", value: flop / BenchTimer.median(times) / 1e9, unit: "GFLOPS",
                            extra: extra)
        }
    }
}

/// W2: elementwise throughput on 1M float32 elements, GB/s counting bytes read and written
/// (`../shared/bench/w2_overhead.py`, `add_1e6`; mul and exp the same way).
enum ElementwiseBench {
    static func run(samples: Int, reporter: BenchReporter) {
        let size = 1_000_000
        let a = Tensor.randn([size], seed: 1), b = Tensor.randn([size], seed: 2)
        let cases: [(String, Double, () -> Tensor)] = [
            ("add", 12e6, { a + b }),
            ("mul", 12e6, { a * b }),
            ("exp", 8e6, { a.exp() }),
        ]
        for (op, bytes, body) in cases {
            let times = BenchTimer.sample(samples: samples) { for _ in 0..<10 { _ = body() } }.map { $0 / 10 }
            reporter.report(workload: "elementwise", metric: "gbps", value: bytes / BenchTimer.median(times) / 1e9, unit: "GB/s",
                            extra: ["op": op, "size": size, "us_per_op": (BenchTimer.median(times) * 1e7).rounded() / 10])
        }
    }
}

/// W2: dispatch overhead of `a + b` on 1-element tensors, microseconds per op.
enum OverheadBench {
    static func run(samples: Int, reporter: BenchReporter) {
        let a = Tensor([1.5] as [Float]), b = Tensor([2.25] as [Float])
        let repetitions = 100
        let times = BenchTimer.sample(samples: samples) {
            for _ in 0..<repetitions { _ = a + b }
        }.map { $0 / Double(repetitions) }
        reporter.report(workload: "overhead", metric: "us_per_op", value: BenchTimer.median(times) * 1e6, unit: "us",
                        extra: ["op": "add", "size": 1])
    }
}
