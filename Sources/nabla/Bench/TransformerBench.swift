import Foundation
import Nabla
import NablaGraph
import NablaNN
import NablaOptim

/// W6 (`../shared/bench/w6_transformer.py`): a two-layer pre-norm transformer encoder.
///
/// Each layer is `x + MHA(LN(x))` then `x + W2·GELU(W1·LN(x))` (exact GELU), d_model 256, 4 heads,
/// feed-forward 1024, dropout 0, no mask, no final norm. Inputs are four pre-generated batches of
/// 16 × 128 × 256 random values, cycled; the loss is the MSE against a random target; Adam(1e-4).
///
/// - train: forward, backward and the Adam step (eager, or one compiled graph with `compiled`),
///   reported as steps per second: the median of `samples` samples of 5 steps after 3 warm-up steps.
/// - infer: the forward pass in eval mode without gradients, reported as tokens per second
///   (2048 tokens a batch): the median of `samples` samples of 10 batches.
enum TransformerBench {
    static let dModel = 256, heads = 4, feedForward = 1024, layers = 2, sequence = 128, batch = 16

    static func makeModel() -> TransformerEncoder {
        TransformerEncoder(numLayers: layers) {
            TransformerEncoderLayer(dModel: dModel, nhead: heads, dimFeedforward: feedForward, dropout: 0, activation: .gelu,
                                    batchFirst: true, normFirst: true)
        }
    }

    static func run(samples: Int, compiled: Bool, reporter: BenchReporter) throws {
        manualSeed(0)
        let model = makeModel()
        let optimizer = Adam(model, learningRate: 1e-4)
        let data = (0..<4).map { i in
            (Tensor.randn([batch, sequence, dModel], seed: 2 * UInt64(i) + 1), Tensor.randn([batch, sequence, dModel], seed: 2 * UInt64(i) + 2))
        }
        let eagerStep = { (x: Tensor, y: Tensor) -> Tensor in
            optimizer.zeroGrad()
            let loss = mseLoss(model(x), y)
            loss.backward()
            optimizer.step()
            return loss
        }
        let compiledStep = compiled ? compile(name: "transformer training step", state: [model, optimizer], eagerStep) : nil
        let mode = compiled ? "compiled" : "eager"
        var next = 0
        func trainStep() throws -> Tensor {
            let (x, y) = data[next % data.count]
            next += 1
            return try compiledStep.map { try $0(x, y) } ?? eagerStep(x, y)
        }

        let (firstTrain, trainRates, loss) = try measure(warmup: 3, samples: samples, steps: 5) { try trainStep() }
        reporter.report(workload: "transformer", metric: "train_steps_per_second", value: trainRates[trainRates.count / 2],
                        unit: "steps/s", extra: ["mode": mode, "best": round3(trainRates.last!), "first_step_s": round3(firstTrain),
                                                 "loss_end": (loss * 1e4).rounded() / 1e4])
        if let profile = compiledStep?.profile { FileHandle.standardError.write(Data(profile.report.utf8)) }

        model.eval()
        let (firstInfer, inferRates, _) = try withNoGrad {
            try measure(warmup: 3, samples: samples, steps: 10) { () -> Tensor in
                let (x, _) = data[next % data.count]
                next += 1
                return model(x)
            }
        }
        let tokens = Double(batch * sequence)
        reporter.report(workload: "transformer", metric: "infer_tokens_per_second", value: inferRates[inferRates.count / 2] * tokens,
                        unit: "tokens/s", extra: ["mode": "eager", "best": round3(inferRates.last! * tokens),
                                                  "first_call_s": round3(firstInfer)])
    }

    /// Seconds of the first call, the sorted calls per second of each sample, and the last result's first value.
    private static func measure(warmup: Int, samples: Int, steps: Int,
                                _ body: () throws -> Tensor) throws -> (Double, [Double], Double) {
        let firstStart = DispatchTime.now().uptimeNanoseconds
        _ = try body().flattened().slice(axis: 0, start: 0, end: 1).item()
        let first = Double(DispatchTime.now().uptimeNanoseconds - firstStart) / 1e9
        for _ in 1..<max(warmup, 1) { _ = try body() }
        var rates: [Double] = [], last = 0.0
        for _ in 0..<samples {
            let start = DispatchTime.now().uptimeNanoseconds
            var result = Tensor.zeros([])
            for _ in 0..<steps { result = try body() }
            last = result.flattened().slice(axis: 0, start: 0, end: 1).item()
            rates.append(Double(steps) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
        }
        return (first, rates.sorted(), last)
    }

    private static func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}
