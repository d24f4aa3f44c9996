import ArgumentParser
import Foundation
import Nabla
import NablaData
import NablaTrain

/// `nabla eval CHECKPOINT`: loss, accuracy and the confusion matrix of a trained model on Fashion-MNIST's test split.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a trained Fashion-MNIST model on the test split: loss, accuracy, per-class F1, confusion matrix.",
        discussion: "Example: nabla eval runs/demo/cnn.safetensors"
    )

    @Argument(help: "A model saved by `nabla train --output` (or any checkpoint of the same model with --kind).") var checkpoint: String
    @Option(help: "The model kind when the checkpoint does not record it: mlp or cnn.") var kind: String?
    @Option(help: "Directory with the Fashion-MNIST IDX files.") var dataDir: String = FashionMNIST.defaultDirectory
    @Option(help: "Examples per batch.") var batchSize: Int = 1000

    func run() throws {
        guard batchSize > 0 else { throw CLIError("batch size must be positive (got \(batchSize))") }
        let (net, resolved) = try loadFashionModel(from: checkpoint, kind: try FashionModels.Kind.parse(kind, from: "--kind"))
        let test = try FashionMNIST(.test, directory: dataDir, requiringFullSplit: false)
        let classes = FashionMNIST.classNames.count
        net.compile(optimizer: OptimizerChoice.sgd.make(for: net, learningRate: 1e-3), loss: .crossEntropy,
                    metrics: [.accuracy, .f1(.macro, classCount: classes), .confusionMatrix(classCount: classes)])
        let trainer = net.trainer!
        let loader = DataLoader(try TensorDataset(test.images, test.labels), batchSize: batchSize)
        let logs = try trainer.evaluate(loader)
        print("\(checkpoint) (\(resolved.rawValue)) on \(test.count) test images:")
        for key in logs.keys.sorted() where key != "confusion_matrix" {
            print("  \(key): \(String(format: "%.4f", logs[key]!))")
        }
        if let matrix = trainer.lastEvaluationMetrics.first(where: { $0 is ConfusionMatrix }) as? ConfusionMatrix {
            print("confusion matrix (rows: true class, columns: predicted):")
            print(matrix.description)
        }
    }
}
