import Foundation

/// Timing: samples of back-to-back calls lasting at least `minSampleSeconds`, after a warm-up.
enum BenchTimer {
    /// Per-call seconds of each sample, sorted (so `[count / 2]` is the median).
    static func sample(samples: Int, minSampleSeconds: Double = 0.1, warmup: Int = 3, _ body: () throws -> Void) rethrows -> [Double] {
        for _ in 0..<warmup { try body() }
        var results: [Double] = []
        for _ in 0..<samples {
            var calls = 0
            let start = DispatchTime.now().uptimeNanoseconds
            var elapsed = 0.0
            repeat {
                try body()
                calls += 1
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            } while elapsed < minSampleSeconds
            results.append(elapsed / Double(calls))
        }
        return results.sorted()
    }

    /// The median of sorted values.
    static func median(_ sorted: [Double]) -> Double { sorted[sorted.count / 2] }
}

/// Prints figures as JSON lines or as a readable line each.
struct BenchReporter {
    let json: Bool

    /// One figure, with extra keys (`n`, `op`, `size`, …).
    func report(workload: String, metric: String, value: Double, unit: String, extra: [String: Any] = [:]) {
        var object: [String: Any] = ["workload": workload, "framework": "nabla", "metric": metric,
                                     "value": (value * 1000).rounded() / 1000, "unit": unit]
        for (k, v) in extra { object[k] = v }
        if json {
            let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            let details = extra.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            print("\(workload) \(details) \(metric): \(object["value"]!) \(unit)")
        }

    }
}
