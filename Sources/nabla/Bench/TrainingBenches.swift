import Foundation
import Nabla
import NablaData
import NablaNN
import NablaOptim

/// W3/W4: Fashion-MNIST MLP and CNN training epochs (`../shared/bench/w3_mlp.py`, `w4_cnn.py`):
/// batch 64, Adam 1e-3, drop-last (937 steps), a fresh seeded permutation per epoch; the epoch
/// time covers permutation, batch gather, forward, backward and the optimizer step. Reports the
/// median of the epochs after the first, and test accuracy after the last.
enum TrainingBench {
    static func run(_ kind: FashionModels.Kind, epochs: Int, compiled: Bool = false, reporter: BenchReporter) throws {
        let train = try FashionMNIST(.train)
        let test = try FashionMNIST(.test)
        manualSeed(0)
        let model = FashionModels.make(kind)
        let trainer = ClassifierTrainer(model: model, optimizer: Adam(model, learningRate: 1e-3), batchSize: 64, compiled: compiled)
        var epochSeconds: [Double] = []
        for epoch in 0..<epochs {
            let start = DispatchTime.now().uptimeNanoseconds
            try trainer.trainEpoch(images: train.images, labels: train.labels, generator: Generator(seed: 1000 + UInt64(epoch)))
            epochSeconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let steady = epochs > 1 ? Array(epochSeconds.dropFirst()).sorted() : epochSeconds
        let accuracy = trainer.accuracy(images: test.images, labels: test.labels)
        let workload = kind.rawValue
        reporter.report(workload: workload, metric: "epoch_seconds", value: steady[steady.count / 2], unit: "s",
                        extra: ["mode": compiled ? "compiled" : "eager", "epochs": epochs, "first_epoch_s": (epochSeconds[0] * 1000).rounded() / 1000])
        reporter.report(workload: workload, metric: "test_accuracy", value: accuracy, unit: "fraction",
                        extra: ["mode": compiled ? "compiled" : "eager", "epochs": epochs])
        if let profile = trainer.compiledStep?.profile { FileHandle.standardError.write(Data(profile.report.utf8)) }
    }
}
