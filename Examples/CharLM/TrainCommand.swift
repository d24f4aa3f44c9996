import ArgumentParser
import Foundation
import Nabla
import NablaData
import NablaModels
import NablaNN
import NablaOptim
import NablaText

/// `char-lm train`: trains a character LSTM or GPT on the fortune corpus, printing the validation loss.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a character-level language model on the fortune cookie corpus; prints the validation loss.",
        discussion: """
            Reads every fortune file (Debian package fortunes), puts every 10th entry in the validation split, \
            trains on random windows with AdamW, a warm-up then cosine learning-rate decay, and gradient clipping, evaluates on fixed \
            validation windows every --eval-every steps, and saves model.safetensors and vocabulary.json in --output.
            """
    )

    @Option(help: "Model: lstm or gpt.") var model: ModelKind = .lstm
    @Option(help: "Training steps (one batch each). Default: 800 (lstm), 600 (gpt).") var steps: Int?
    @Option(help: "Directory for model.safetensors and vocabulary.json.") var output: String
    @Option(help: "Directory of fortune files.") var corpus: String = FortuneCorpus.defaultDirectory.path
    @Option(help: "Windows per batch.") var batchSize: Int = 32
    @Option(help: "Characters per window (the GPT's block size).") var sequenceLength: Int = 64
    @Option(help: "Peak learning rate (5% warm-up, then cosine decay to a hundredth of it). Default: 0.003 (lstm), 0.002 (gpt).") var learningRate: Double?
    @Option(help: "AdamW weight decay.") var weightDecay: Double = 0.01
    @Option(help: "Clip the gradient norm to this value.") var maxGradNorm: Double = 1.0
    @Option(help: "Evaluate (and save) every this many steps.") var evalEvery: Int = 100
    @Option(help: "Fixed validation windows per evaluation.") var evalWindows: Int = 256
    @Option(help: "Seed of the initial weights and the training windows.") var seed: UInt64 = 0
    @Option(help: "LSTM: embedding size.") var embeddingDim: Int = 64
    @Option(help: "LSTM: hidden size.") var hiddenSize: Int = 256
    @Option(help: "GPT: width of the residual stream.") var dModel: Int = 96
    @Option(help: "GPT: attention heads.") var heads: Int = 4
    @Option(help: "Layers (LSTM layers or GPT blocks). Default: 1 (lstm), 3 (gpt).") var layers: Int?
    @Option(help: "Characters sampled from the trained model at the end (0: none).") var sampleLength: Int = 200

    func validate() throws {
        if let steps { guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") } }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard sequenceLength >= 2 else { throw ValidationError("--sequence-length must be at least 2, got \(sequenceLength)") }
        if let learningRate { guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be positive, got \(learningRate)") } }
        guard weightDecay >= 0 else { throw ValidationError("--weight-decay must be at least 0, got \(weightDecay)") }
        guard maxGradNorm > 0 else { throw ValidationError("--max-grad-norm must be positive, got \(maxGradNorm)") }
        guard evalEvery >= 1 else { throw ValidationError("--eval-every must be at least 1, got \(evalEvery)") }
        guard evalWindows >= 1 else { throw ValidationError("--eval-windows must be at least 1, got \(evalWindows)") }
        guard sampleLength >= 0 else { throw ValidationError("--sample-length must be at least 0, got \(sampleLength)") }
        if let layers { guard layers >= 1 else { throw ValidationError("--layers must be at least 1, got \(layers)") } }
        if let problem = lstmConfig(vocabularySize: 1).validationProblem, model == .lstm { throw ValidationError("LSTM sizes: \(problem)") }
        if let problem = gptConfig(vocabularySize: 1).validationProblem, model == .gpt { throw ValidationError("GPT sizes: \(problem)") }
    }

    func lstmConfig(vocabularySize: Int) -> CharLSTMConfig {
        CharLSTMConfig(vocabularySize: vocabularySize, embeddingDim: embeddingDim, hiddenSize: hiddenSize, numLayers: layers ?? 1)
    }

    func gptConfig(vocabularySize: Int) -> CharGPTConfig {
        CharGPTConfig(vocabularySize: vocabularySize, blockSize: sequenceLength, dModel: dModel, numHeads: heads, numLayers: layers ?? 3)
    }

    func run() throws {
        let corpus = try FortuneCorpus(directory: URL(fileURLWithPath: self.corpus))
        let (trainEntries, validationEntries) = corpus.split(validationEvery: 10)
        let trainText = FortuneCorpus.joined(trainEntries), validationText = FortuneCorpus.joined(validationEntries)
        let vocabulary = CharacterVocabulary(text: trainText)
        let train = TextWindows(ids: vocabulary.encode(trainText), length: sequenceLength)
        let validation = TextWindows(ids: vocabulary.encode(validationText), length: sequenceLength)
        print("corpus: \(corpus.files.count) files in \(corpus.directory.path), \(corpus.entries.count) entries, "
              + "\(train.ids.count) training / \(validation.ids.count) validation characters, vocabulary \(vocabulary.count)")

        manualSeed(seed)
        let charModel = CharModel(kind: model, lstm: lstmConfig(vocabularySize: vocabulary.count), gpt: gptConfig(vocabularySize: vocabulary.count))
        print("model: \(model.rawValue) \(charModel.configJSON), \(charModel.module.parameterCount) parameters")
        let settings = TrainingSettings(
            steps: steps ?? (model == .lstm ? 800 : 600), batchSize: batchSize, learningRate: learningRate ?? (model == .lstm ? 3e-3 : 2e-3),
            weightDecay: weightDecay, maxGradNorm: maxGradNorm, evalEvery: evalEvery, seed: seed,
            validationBatches: validation.fixedBatches(count: evalWindows, batchSize: batchSize))
        let outputURL = URL(fileURLWithPath: output)
        let save: (Int, Double) throws -> Void = { step, loss in
            try charModel.save(to: outputURL, vocabulary: vocabulary, step: step,
                               metadata: ["validation_loss": String(format: "%.4f", loss), "corpus": corpus.directory.path])
        }
        switch charModel {
        case let .lstm(m): try trainLanguageModel(m, train: train, settings: settings, save: save)
        case let .gpt(m): try trainLanguageModel(m, train: train, settings: settings, save: save)
        }
        print("saved \(outputURL.appendingPathComponent(CheckpointFiles.weights).path) and \(CheckpointFiles.vocabulary)")
        if sampleLength > 0 {
            let prompt = "The "
            let text = try charModel.generate(vocabulary: vocabulary, prompt: prompt, length: sampleLength,
                                              options: SamplingOptions(temperature: 0.8, topK: 10), seed: 0)
            print("sample (temperature 0.8, top-k 10, seed 0):\n\(prompt)\(text)")
        }
    }
}

/// The training hyperparameters.
struct TrainingSettings {
    var steps: Int
    var batchSize: Int
    var learningRate: Double
    var weightDecay: Double
    var maxGradNorm: Double
    var evalEvery: Int
    var seed: UInt64
    var validationBatches: [(inputs: Tensor, targets: Tensor)]
}

/// The mean loss of `model` over `batches` (no gradients, evaluation mode).
func meanLoss<Model: AutoregressiveLanguageModel>(_ model: Model, _ batches: [(inputs: Tensor, targets: Tensor)]) -> Double {
    let wasTraining = model.isTraining
    model.eval()
    defer { model.train(wasTraining) }
    var total = 0.0, count = 0
    withNoGrad {
        for (x, y) in batches {
            total += languageModelLoss(model, inputs: x, targets: y).item() * Double(x.count)
            count += x.count
        }
    }
    return total / Double(count)
}

/// Trains on random windows; evaluates on the validation batches (printing one line) and calls `save`
/// every `evalEvery` steps and at the end.
func trainLanguageModel<Model: AutoregressiveLanguageModel>(_ model: Model, train: TextWindows, settings: TrainingSettings,
                                                            save: (Int, Double) throws -> Void) throws {
    let optimizer = AdamW(model, learningRate: settings.learningRate, weightDecay: settings.weightDecay)
    // Warm up from a tenth of the peak over the first 5% of the steps, then cosine decay to a hundredth.
    let schedule = OneCycleLR(optimizer, maxLR: settings.learningRate, totalSteps: settings.steps, pctStart: 0.05,
                              cycleMomentum: false, divFactor: 10, finalDivFactor: 10)
    let generator = Generator(seed: settings.seed)
    let start = Date()
    func report(step: Int, trainLoss: Double?) -> Double {
        let validationLoss = meanLoss(model, settings.validationBatches)
        let trainPart = trainLoss.map { String(format: "train %.4f", $0) } ?? "train    -  "
        print(String(format: "step %5d/%d  ", step, settings.steps) + trainPart
              + String(format: "  validation %.4f  lr %.2e  %6.1fs", validationLoss, optimizer.learningRates.first ?? 0,
                       Date().timeIntervalSince(start)))
        fflush(nil)
        return validationLoss
    }
    _ = report(step: 0, trainLoss: nil)
    model.train()
    var running = 0.0, runningCount = 0
    for step in 1...settings.steps {
        let (x, y) = train.randomBatch(batchSize: settings.batchSize, generator: generator)
        let loss = languageModelLoss(model, inputs: x, targets: y)
        optimizer.zeroGrad()
        loss.backward()
        clipGradNorm(model, maxNorm: settings.maxGradNorm)
        optimizer.step()
        schedule.step()
        running += loss.item()
        runningCount += 1
        if step % settings.evalEvery == 0 || step == settings.steps {
            let validationLoss = report(step: step, trainLoss: running / Double(runningCount))
            (running, runningCount) = (0, 0)
            try save(step, validationLoss)
        }
    }
}
