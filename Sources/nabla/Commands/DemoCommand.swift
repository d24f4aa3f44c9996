import ArgumentParser
import Nabla

/// `nabla demo`: the core's main job: fits a small MLP with autograd and SGD on a two-spirals
/// classification problem, printing the loss as it falls and the final accuracy.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Train a small MLP with autograd on two interleaved spirals (the core's end-to-end job)."
    )

    @Option(help: "Training steps.") var steps: Int = 600
    @Option(help: "Learning rate.") var learningRate: Double = 0.5
    @Option(help: "Random seed.") var seed: UInt64 = 0

    func validate() throws {
        guard steps > 0 else { throw ValidationError("--steps must be positive") }
        guard learningRate > 0 else { throw ValidationError("--learning-rate must be positive") }
    }

    func run() throws {
        let (x, y) = TwoSpirals.make(pointsPerClass: 500, noise: 0.1, seed: seed)
        let g = Generator(seed: seed)
        var w1 = (Tensor.randn([2, 64], generator: g) * 0.5).requiringGrad()
        var b1 = Tensor.zeros([64]).requiringGrad()
        var w2 = (Tensor.randn([64, 64], generator: g) * (1.0 / 8.0)).requiringGrad()
        var b2 = Tensor.zeros([64]).requiringGrad()
        var w3 = (Tensor.randn([64, 2], generator: g) * (1.0 / 8.0)).requiringGrad()
        var b3 = Tensor.zeros([2]).requiringGrad()
        func forward(_ x: Tensor) -> Tensor {
            let h1 = tanh(matmul(x, w1) + b1)
            let h2 = tanh(matmul(h1, w2) + b2)
            return matmul(h2, w3) + b3
        }
        let targets = oneHot(y, numClasses: 2).cast(to: .float32)
        print("Training a 2-64-64-2 tanh MLP on \(x.shape[0]) points of two spirals (full batch, SGD, lr \(learningRate))")
        for step in 1...steps {
            let logits = forward(x)
            let loss = -(logSoftmax(logits, axis: 1) * targets).sum(alongAxes: 1).mean()
            loss.backward()
            withNoGrad {
                w1 = (w1 - learningRate * w1.grad!).requiringGrad(); b1 = (b1 - learningRate * b1.grad!).requiringGrad()
                w2 = (w2 - learningRate * w2.grad!).requiringGrad(); b2 = (b2 - learningRate * b2.grad!).requiringGrad()
                w3 = (w3 - learningRate * w3.grad!).requiringGrad(); b3 = (b3 - learningRate * b3.grad!).requiringGrad()
            }
            if step == 1 || step % 100 == 0 || step == steps {
                print("step \(step) loss \(formatted(loss.item()))")
            }
        }
        let predictions = withNoGrad { forward(x).argmax(axis: 1) }
        let accuracy = (predictions .== y).cast(to: .float32).mean().item()
        print("training accuracy: \(formatted(accuracy))")
    }

    private func formatted(_ v: Double) -> String { String(format4: v) }
}

extension String {
    /// `v` with four decimals.
    init(format4 v: Double) {
        let r = (v * 10000).rounded() / 10000
        self = "\(r)"
    }
}

/// Two interleaved spirals: a classic problem a linear model cannot solve.
enum TwoSpirals {
    /// Points [2n, 2] and int64 labels [2n].
    static func make(pointsPerClass n: Int, noise: Double, seed: UInt64) -> (Tensor, Tensor) {
        let g = Generator(seed: seed &+ 1)
        let t = Tensor.rand([n], generator: g) * 3.0 * Double.pi + 0.5
        let jitter = Tensor.randn([2 * n, 2], generator: g) * noise
        let x0 = stack([t * t.cos(), t * t.sin()], axis: 1) / 5.0
        let x1 = -x0
        let x = concat([x0, x1], axis: 0) + jitter
        let y = concat([Tensor.zeros([n], dtype: .int64), Tensor.ones([n], dtype: .int64)])
        return (x, y)
    }
}
