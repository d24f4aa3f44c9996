import Foundation
import Nabla
import NablaNN
import NablaGraph
import NablaOptim

/// The eager training loop of `nabla train` and `nabla bench mlp|cnn`: seeded permutation each epoch,
/// batches gathered from in-memory tensors (drop-last), cross-entropy, an optimizer step per batch.
struct ClassifierTrainer {
    let model: any Layer
    let optimizer: Optimizer
    let batchSize: Int
    /// The training step compiled into a graph (`nabla bench … --compiled`), or nil for eager steps.
    let compiledStep: CompiledFunction?

    /// A trainer; with `compiled`, each step replays a traced graph of forward, backward and update.
    init(model: any Layer, optimizer: Optimizer, batchSize: Int, compiled: Bool = false) {
        self.model = model
        self.optimizer = optimizer
        self.batchSize = batchSize
        compiledStep = compiled ? compile(name: "training step", state: [model, optimizer]) { (x: Tensor, y: Tensor) in
            optimizer.zeroGrad()
            let loss = crossEntropy(model(x), y)
            loss.backward()
            optimizer.step()
            return loss
        } : nil
    }

    /// One pass over `images`/`labels` in a permutation drawn from `generator`; calls `progress(step, steps, loss)`
    /// every `progressEvery` steps and returns the last batch loss.
    @discardableResult
    func trainEpoch(images: Tensor, labels: Tensor, generator: Generator, progressEvery: Int = 0,
                    progress: (Int, Int, Double) -> Void = { _, _, _ in }) throws -> Double {
        model.train()
        let n = images.shape[0]
        let steps = n / batchSize
        let permutation = Tensor.rand([n], generator: generator).sorted(axis: 0).indices
        var lastLoss = Tensor.zeros([])
        for step in 0..<steps {
            let index = permutation.slice(axis: 0, start: step * batchSize, end: (step + 1) * batchSize)
            let x = images.indexSelect(axis: 0, index: index)
            let y = labels.indexSelect(axis: 0, index: index)
            let loss: Tensor
            if let compiledStep {
                loss = try compiledStep(x, y)
            } else {
                optimizer.zeroGrad()
                loss = crossEntropy(model(x), y)
                loss.backward()
                optimizer.step()
            }
            lastLoss = loss
            if progressEvery > 0 && ((step + 1) % progressEvery == 0 || step + 1 == steps) {
                progress(step + 1, steps, loss.item())
            }
        }
        return lastLoss.item()
    }

    /// Fraction of correctly classified examples, evaluated in batches of 1000 without gradients.
    func accuracy(images: Tensor, labels: Tensor) -> Double {
        model.eval()
        defer { model.train() }
        return withNoGrad {
            var correct = 0.0
            let n = images.shape[0]
            for start in stride(from: 0, to: n, by: 1000) {
                let end = min(n, start + 1000)
                let predictions = model(images.slice(axis: 0, start: start, end: end)).argmax(axis: 1)
                correct += (predictions .== labels.slice(axis: 0, start: start, end: end)).cast(to: .float64).sum().item()
            }
            return correct / Double(n)
        }
    }
}
