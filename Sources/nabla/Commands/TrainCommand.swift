import ArgumentParser
import Foundation
import Nabla
import NablaCheckpoint
import NablaData
import NablaNN
import NablaOptim
import NablaTrain

/// `nabla train`: trains the Fashion-MNIST MLP or CNN with `fit`: a progress bar, the test split as
/// validation data, a resumable checkpoint every epoch, TensorBoard logs and a CSV log.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a Fashion-MNIST classifier, with progress bar, checkpoints and TensorBoard logs.",
        discussion: """
            Settings come from flags or a JSON/YAML file (--config); flags win. Keys are the long flags with \
            underscores: model, data_dir, epochs, batch_size, learning_rate, optimizer, schedule, seed, logdir, output, \
            checkpoint, resume, workers, quiet.

            Example: nabla train --model cnn --epochs 3 --logdir runs/cnn --output runs/cnn/model.safetensors
            Resume a killed run: nabla train --model cnn --epochs 3 --logdir runs/cnn --resume runs/cnn/checkpoints/epoch-1.safetensors
            """
    )

    @Option(help: "A JSON or YAML file of settings (flags given here override it).") var config: String?
    @Option(help: "Model: mlp (784-256-128-10) or cnn (2 conv + 2 linear). Default: mlp.") var model: String?
    @Option(help: "Directory with the Fashion-MNIST IDX files. Default: \(FashionMNIST.defaultDirectory).") var dataDir: String?
    @Option(help: "Passes over the training set. Default: 5.") var epochs: Int?
    @Option(help: "Examples per step. Default: 64.") var batchSize: Int?
    @Option(help: "Learning rate. Default: 0.001.") var learningRate: Double?
    @Option(help: "Optimizer: \(OptimizerChoice.allCases.map(\.rawValue).joined(separator: ", ")). Default: adam.") var optimizer: String?
    @Option(help: "Learning-rate schedule, stepped each epoch: \(ScheduleChoice.allCases.map(\.rawValue).joined(separator: ", ")). Default: none.")
    var schedule: String?
    @Option(help: "Random seed (initialisation, shuffling, dropout). Default: 0.") var seed: UInt64?
    @Option(help: "Directory for TensorBoard logs (train/ and validation/ runs), log.csv and checkpoints/.") var logdir: String?
    @Option(help: "Save the trained model to this safetensors file.") var output: String?
    @Option(help: "Where to save the resumable training state each epoch ({epoch} is replaced). Default: <logdir>/checkpoints/epoch-{epoch}.safetensors when --logdir is given.")
    var checkpoint: String?
    @Option(help: "Continue the run saved in this training-state checkpoint.") var resume: String?
    @Option(help: "Background threads preparing batches. Default: 1.") var workers: Int?
    @Flag(help: "Print nothing but the final accuracy and paths.") var quiet = false

    func run() throws {
        let settings = try TrainSettings(flags: self, file: config.map(TrainConfigFile.load))
        try settings.run()
    }
}

/// The resolved settings of one `nabla train` run: flag, else config file, else default; validated.
struct TrainSettings {
    var model: FashionModels.Kind
    var dataDir: String
    var epochs: Int
    var batchSize: Int
    var learningRate: Double
    var optimizer: OptimizerChoice
    var schedule: ScheduleChoice
    var seed: UInt64
    var logdir: String?
    var output: String?
    var checkpoint: String?
    var resume: String?
    var workers: Int
    var quiet: Bool

    init(flags: TrainCommand, file: TrainConfigFile?) throws {
        let source = flags.config ?? "the flags"
        let model = try FashionModels.Kind.parse(flags.model ?? file?.model ?? "mlp", from: flags.model != nil ? "--model" : source)!
        let optimizerName = flags.optimizer ?? file?.optimizer ?? "adam"
        guard let optimizer = OptimizerChoice(rawValue: optimizerName) else {
            throw CLIError("optimizer must be one of \(OptimizerChoice.allCases.map(\.rawValue).joined(separator: ", ")) (got \"\(optimizerName)\")")
        }
        let scheduleName = flags.schedule ?? file?.schedule ?? "none"
        guard let schedule = ScheduleChoice(rawValue: scheduleName) else {
            throw CLIError("schedule must be one of \(ScheduleChoice.allCases.map(\.rawValue).joined(separator: ", ")) (got \"\(scheduleName)\")")
        }
        self.model = model
        self.optimizer = optimizer
        self.schedule = schedule
        dataDir = flags.dataDir ?? file?.dataDir ?? FashionMNIST.defaultDirectory
        epochs = flags.epochs ?? file?.epochs ?? 5
        batchSize = flags.batchSize ?? file?.batchSize ?? 64
        learningRate = flags.learningRate ?? file?.learningRate ?? 1e-3
        seed = flags.seed ?? file?.seed ?? 0
        logdir = flags.logdir ?? file?.logdir
        output = flags.output ?? file?.output
        resume = flags.resume ?? file?.resume
        workers = flags.workers ?? file?.workers ?? 1
        quiet = flags.quiet || (file?.quiet ?? false)
        checkpoint = flags.checkpoint ?? file?.checkpoint ?? logdir.map { "\($0)/checkpoints/epoch-{epoch}.safetensors" }
        guard epochs > 0 else { throw CLIError("epochs must be positive (got \(epochs))") }
        guard batchSize > 0 else { throw CLIError("batch size must be positive (got \(batchSize))") }
        guard learningRate > 0, learningRate.isFinite else { throw CLIError("learning rate must be a positive number (got \(learningRate))") }
        guard workers >= 0 else { throw CLIError("workers must be 0 or more (got \(workers))") }
        if let resume, !FileManager.default.fileExists(atPath: resume) {
            throw CLIError("\(resume): no such checkpoint to resume from")
        }
    }

    func run() throws {
        let train = try FashionMNIST(.train, directory: dataDir, requiringFullSplit: false)
        let test = try FashionMNIST(.test, directory: dataDir, requiringFullSplit: false)
        manualSeed(seed)
        let net = FashionModels.make(model)
        let optimizer = self.optimizer.make(for: net, learningRate: learningRate)
        net.compile(optimizer: optimizer, loss: .crossEntropy, metrics: [.accuracy])
        let trainLoader = DataLoader(try TensorDataset(train.images, train.labels), batchSize: batchSize, shuffle: true,
                                     seed: seed &+ 1000, workers: workers)
        let testLoader = DataLoader(try TensorDataset(test.images, test.labels), batchSize: 1000)

        var callbacks: [any Callback] = []
        if let scheduler = schedule.makeCallback(for: optimizer, epochs: epochs) { callbacks.append(scheduler) }
        if let checkpoint { callbacks.append(ModelCheckpoint(checkpoint, metadata: [FashionModels.metadataKey: model.rawValue])) }
        if let logdir {
            callbacks.append(TensorBoard(logDir: logdir, hyperparameters: [
                "model": .string(model.rawValue), "optimizer": .string(self.optimizer.rawValue), "schedule": .string(schedule.rawValue), "learning_rate": .number(learningRate),
                "batch_size": .number(Double(batchSize)), "epochs": .number(Double(epochs)), "seed": .number(Double(seed)),
            ]))
            callbacks.append(CSVLogger("\(logdir)/log.csv", append: resume != nil))
        }
        if !quiet {
            print("Training \(model.rawValue) (\(net.parameterCount) parameters) on \(train.count) images, batch \(batchSize), "
                + "\(self.optimizer.rawValue) lr \(learningRate)" + (schedule == .none ? "" : " (\(schedule.rawValue) schedule)") + ", seed \(seed)" + (resume.map { ", resuming from \($0)" } ?? ""))
        }
        let history = try net.fit(trainLoader, epochs: epochs, validationData: testLoader, callbacks: callbacks,
                                  verbose: quiet ? .quiet : .auto, resumingFrom: resume.map { URL(fileURLWithPath: $0) })
        let accuracy = history.values("val_accuracy").last ?? 0
        print("test accuracy: \(String(format: "%.4f", accuracy))")
        if let output {
            let url = URL(fileURLWithPath: output)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try net.save(to: url, metadata: [FashionModels.metadataKey: model.rawValue])
            print("model saved to \(output) (inspect: nabla info \(output); evaluate: nabla eval \(output))")
        }
        if let checkpoint, let last = callbacks.compactMap({ $0 as? ModelCheckpoint }).first?.savedPaths.last {
            print("training state saved to \(last) (continue with --resume; pattern \(checkpoint))")
        }
        if let logdir {
            print("TensorBoard logs in \(logdir); watch the curves with: tensorboard --logdir \(logdir)")
            print("  (or: python3 -m tensorboard.main --logdir \(logdir); then open http://localhost:6006)")
        }
    }
}
