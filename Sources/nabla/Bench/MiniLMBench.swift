import Foundation
import Nabla
import NablaModels

/// Sentence-embedding latency of all-MiniLM-L6-v2 (issue 6), the counterpart of
/// `scripts/bench_minilm_torch.py`: one sentence at a time (batch 1), end to end (tokenize, the
/// 6-layer BERT forward pass, mean pooling, L2 normalisation), without gradients. Reports the median
/// milliseconds per sentence over `samples` samples, for a short and a long sentence.
enum MiniLMBench {
    /// The sentences timed, named as in the JSON output (`sentence`).
    static let sentences: [(name: String, text: String)] = [
        ("short", "A man is eating food."),
        ("long", "The quick brown fox jumps over the lazy dog while the farmer, who had been watching from the porch "
            + "since dawn, wondered aloud whether the weather would hold long enough to bring in the rest of the harvest."),
    ]

    static func run(samples: Int, reporter: BenchReporter) throws {
        let embedder = try SentenceEmbedder.allMiniLML6V2()
        for (name, text) in sentences {
            let tokens = embedder.tokenizer?.encode(text).ids.count ?? 0
            let seconds = try BenchTimer.sample(samples: samples, minSampleSeconds: 0.2, warmup: 5) {
                _ = try embedder.embed([text])
            }
            reporter.report(workload: "minilm", metric: "ms", value: BenchTimer.median(seconds) * 1000, unit: "ms",
                            extra: ["batch": 1, "sentence": name, "tokens": tokens])
        }
    }
}
