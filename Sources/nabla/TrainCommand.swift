import ArgumentParser
import Foundation
import Nabla
import NablaCheckpoint
import NablaData
import NablaNN
import NablaOptim

/// `nabla train`: trains the Fashion-MNIST MLP or CNN eagerly and reports test accuracy.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a classifier on Fashion-MNIST (60,000 training images) and report test accuracy.",
        discussion: "Example: nabla train --model cnn --epochs 3 --output cnn.safetensors"
    )

    @Option(help: "Model: mlp (784-256-128-10) or cnn (2 conv + 2 linear).") var model: String = "mlp"
    @Option(help: "Passes over the training set.") var epochs: Int = 5
    @Option(help: "Examples per step.") var batchSize: Int = 64
    @Option(help: "Adam learning rate.") var learningRate: Double = 1e-3
    @Option(help: "Random seed (initialisation and shuffling).") var seed: UInt64 = 0
    @Option(help: "Directory with the Fashion-MNIST IDX files.") var dataDir: String = FashionMNIST.defaultDirectory
    @Option(help: "Save the trained model to this safetensors file.") var output: String?

    func validate() throws {
        guard FashionModels.Kind(rawValue: model) != nil else {
            throw ValidationError("--model must be one of: \(FashionModels.Kind.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(model)')")
        }
        guard epochs > 0 else { throw ValidationError("--epochs must be positive") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard learningRate > 0 else { throw ValidationError("--learning-rate must be positive") }
    }

    func run() throws {
        let kind = FashionModels.Kind(rawValue: model)!
        let train = try FashionMNIST(.train, directory: dataDir)
        let test = try FashionMNIST(.test, directory: dataDir)
        manualSeed(seed)
        let net = FashionModels.make(kind)
        let trainer = ClassifierTrainer(model: net, optimizer: Adam(net, learningRate: learningRate), batchSize: batchSize)
        print("Training \(kind.rawValue) (\(net.parameterCount) parameters) on \(train.images.shape[0]) images, batch \(batchSize), Adam lr \(learningRate)")
        let shuffle = Generator(seed: seed &+ 1000)
        for epoch in 1...epochs {
            let start = Date()
            let loss = trainer.trainEpoch(images: train.images, labels: train.labels, generator: shuffle, progressEvery: 50) { step, steps, loss in
                ProgressLine.show("epoch \(epoch)/\(epochs) \(ProgressLine.bar(step, steps)) \(step)/\(steps) loss \(String(format: "%.4f", loss))")
            }
            let seconds = Date().timeIntervalSince(start)
            ProgressLine.finish("epoch \(epoch)/\(epochs) loss \(String(format: "%.4f", loss)) (\(String(format: "%.1f", seconds)) s)")
        }
        let accuracy = trainer.accuracy(images: test.images, labels: test.labels)
        print("test accuracy: \(String(format: "%.4f", accuracy))")
        if let output {
            let url = URL(fileURLWithPath: output)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try net.save(to: url)
            print("saved the model to \(output)")
        }
    }
}

/// A progress line that redraws in place on a terminal and prints only finished lines otherwise.
enum ProgressLine {
    static let isTerminal = isatty(STDOUT_FILENO) != 0

    /// Redraws the current line (terminal only).
    static func show(_ text: String) {
        guard isTerminal else { return }
        FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + text).utf8))
    }

    /// Ends the current line with `text`.
    static func finish(_ text: String) {
        if isTerminal { FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8)) }
        print(text)
    }

    /// A 20-character bar for `done` of `total`.
    static func bar(_ done: Int, _ total: Int) -> String {
        let filled = total > 0 ? done * 20 / total : 0
        return "[" + String(repeating: "=", count: filled) + String(repeating: ".", count: 20 - filled) + "]"
    }
}
