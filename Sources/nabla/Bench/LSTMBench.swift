import Foundation
import Nabla
import NablaData
import NablaNN
import NablaOptim

/// W5 (`../shared/bench/w5_lstm.py`): a character-level LSTM language-model training step.
///
/// Embedding(96 → 64) → LSTM(64 → 256, one layer, zero initial state, batch first) → Linear(256 → 96),
/// cross-entropy on the next symbol at every position, sequence 64, batch 32, Adam(1e-3, eps 1e-8).
/// Each step gathers 32 random windows of 65 symbols from a 300 000-symbol synthetic corpus (a
/// second-order Markov chain with 10% noise, so the loss can fall); the gather is inside the timed loop.
/// Reports the median steps per second of `samples` samples of 20 steps, after 5 warm-up steps.
enum LSTMBench {
    static let vocabulary = 96, embedding = 64, hidden = 256, sequence = 64, batch = 32

    /// The language model of the workload.
    final class Model: Module, Layer {
        let embed = Embedding(LSTMBench.vocabulary, LSTMBench.embedding)
        let lstm = LSTM(LSTMBench.embedding, LSTMBench.hidden, batchFirst: true)
        let head = Linear(LSTMBench.hidden, LSTMBench.vocabulary)

        override func namedChildren() -> [(String, Module)] { [("emb", embed), ("lstm", lstm), ("head", head)] }

        func callAsFunction(_ input: Tensor) -> Tensor { head(lstm(embed(input)).output) }
    }

    /// The synthetic corpus: each symbol is one of four likely successors of the previous two, or
    /// (10% of the time) a uniformly random one.
    static func corpus(count: Int = 300_000, seed: UInt64 = 0) -> [Int32] {
        var random = SeededGenerator(seed: seed)
        let successors = (0..<(vocabulary * vocabulary * 4)).map { _ in Int32(random.next(below: vocabulary)) }
        var symbols = [Int32](repeating: 0, count: count)
        symbols[1] = 1
        for i in 2..<count {
            if random.next(below: 10) == 0 {
                symbols[i] = Int32(random.next(below: vocabulary))
            } else {
                let context = Int(symbols[i - 2]) * vocabulary + Int(symbols[i - 1])
                symbols[i] = successors[context * 4 + random.next(below: 4)]
            }
        }
        return symbols
    }

    static func run(samples: Int, reporter: BenchReporter) {
        let symbols = corpus()
        manualSeed(0)
        let model = Model()
        let optimizer = Adam(model, learningRate: 1e-3)
        var random = SeededGenerator(seed: 123)
        func batchTensors() -> (Tensor, Tensor) {
            var inputs = [Int64](), targets = [Int64]()
            inputs.reserveCapacity(batch * sequence)
            targets.reserveCapacity(batch * sequence)
            for _ in 0..<batch {
                let start = random.next(below: symbols.count - sequence - 1)
                for t in 0..<sequence {
                    inputs.append(Int64(symbols[start + t]))
                    targets.append(Int64(symbols[start + t + 1]))
                }
            }
            return (Tensor(shape: [batch, sequence], scalars: inputs), Tensor(shape: [batch * sequence], scalars: targets))
        }
        func step() -> Tensor {
            let (x, y) = batchTensors()
            optimizer.zeroGrad()
            let loss = crossEntropy(model(x).reshaped([batch * sequence, vocabulary]), y)
            loss.backward()
            optimizer.step()
            return loss
        }
        let firstStart = DispatchTime.now().uptimeNanoseconds
        _ = step().item()
        let firstSeconds = Double(DispatchTime.now().uptimeNanoseconds - firstStart) / 1e9
        for _ in 0..<4 { _ = step() }
        let lossAfterWarmup = step().item()
        var rates: [Double] = []
        var lastLoss = 0.0
        for _ in 0..<samples {
            let start = DispatchTime.now().uptimeNanoseconds
            var loss = Tensor.zeros([])
            for _ in 0..<20 { loss = step() }
            lastLoss = loss.item()
            rates.append(20 / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
        }
        rates.sort()
        reporter.report(workload: "lstm", metric: "steps_per_second", value: rates[rates.count / 2], unit: "steps/s",
                        extra: ["mode": "eager", "best": (rates.last! * 1000).rounded() / 1000,
                                "first_step_s": (firstSeconds * 1000).rounded() / 1000,
                                "loss_after_warmup": (lossAfterWarmup * 1e4).rounded() / 1e4,
                                "loss_end": (lastLoss * 1e4).rounded() / 1e4])
    }
}
