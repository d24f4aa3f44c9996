import Foundation
import Nabla
import NablaNN
import NablaText

/// A language model that predicts the next token at every position, and can be run one step at a
/// time for generation (`CharLSTM`, `CharGPT`).
public protocol AutoregressiveLanguageModel: Module {
    /// What a model carries from one generation step to the next (the recurrent state, or the context).
    associatedtype DecodingState

    /// The number of token ids (the size of the last axis of the logits).
    var vocabularySize: Int { get }

    /// The next-token logits [B, T, vocabularySize] at every position of integer `tokens` [B, T].
    func logits(_ tokens: Tensor) -> Tensor

    /// The logits [vocabularySize] of the token that follows `newTokens`, which continue the sequence
    /// the model has seen through `state` (nil at the start); `state` is updated to include them.
    func nextTokenLogits(after newTokens: [Int], state: inout DecodingState?) -> Tensor
}

/// Invalid sampling settings or inputs.
public enum SamplingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The temperature must be a finite number above 0.
    case invalidTemperature(Double)
    /// Top-k must keep at least one token.
    case invalidTopK(Int)
    /// The number of tokens to generate must not be negative.
    case invalidLength(Int)
    /// Generation needs at least one prompt token to condition on.
    case emptyPrompt
    /// A prompt token is not an id of the model's vocabulary.
    case tokenOutOfRange(token: Int, vocabularySize: Int)
    /// The logits to sample from are empty.
    case emptyLogits

    public var description: String {
        switch self {
        case let .invalidTemperature(t): return "temperature must be a finite number greater than 0, got \(t)"
        case let .invalidTopK(k): return "top-k must be at least 1, got \(k)"
        case let .invalidLength(n): return "the number of tokens to generate must be at least 0, got \(n)"
        case .emptyPrompt: return "the prompt must hold at least one token"
        case let .tokenOutOfRange(token, size): return "prompt token \(token) is outside the vocabulary 0..<\(size)"
        case .emptyLogits: return "no logits to sample from"
        }
    }
}

/// How the next token is drawn from the model's logits.
///
/// The logits are divided by `temperature` (below 1 sharpens the distribution, above 1 flattens it),
/// only the `topK` largest are kept (all when nil), and a token is drawn from their softmax.
/// `topK: 1` is greedy decoding.
public struct SamplingOptions: Sendable, Equatable {
    /// Divides the logits; must be finite and > 0.
    public var temperature: Double
    /// Keeps only the k most likely tokens (k ≥ 1); nil keeps all.
    public var topK: Int?

    /// Options with the given temperature and top-k.
    public init(temperature: Double = 1, topK: Int? = nil) {
        (self.temperature, self.topK) = (temperature, topK)
    }

    /// Throws when the temperature or top-k is out of range.
    public func validate() throws(SamplingError) {
        guard temperature.isFinite, temperature > 0 else { throw .invalidTemperature(temperature) }
        if let topK, topK < 1 { throw .invalidTopK(topK) }
    }
}

/// Draws a token id from `logits` with `options`, using one uniform number from `generator`.
///
/// Ties in top-k are broken towards the lower id, so `topK: 1` picks the first largest logit (the
/// argmax) and draws nothing.
///
/// ```swift
/// let id = try sampleToken(logits: [0.1, 2.0, -1.0], options: SamplingOptions(temperature: 0.8, topK: 2),
///                          generator: Generator(seed: 0))
/// ```
public func sampleToken(logits: [Float], options: SamplingOptions, generator: Generator) throws(SamplingError) -> Int {
    try options.validate()
    guard !logits.isEmpty else { throw .emptyLogits }
    let k = min(options.topK ?? logits.count, logits.count)
    // The k largest logits, ties to the lower id (a stable order on (-logit, id)).
    let order = logits.indices.sorted { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }
    let kept = order.prefix(k)
    if k == 1 { return kept[kept.startIndex] }
    let scaled = kept.map { Double(logits[$0]) / options.temperature }
    let top = scaled[0]
    let weights = scaled.map { Foundation.exp($0 - top) }
    let total = weights.reduce(0, +)
    let u = Tensor.rand([1], dtype: .float64, generator: generator).item() * total
    var cumulative = 0.0
    for (id, w) in zip(kept, weights) {
        cumulative += w
        if u < cumulative { return id }
    }
    return kept[kept.index(before: kept.endIndex)]
}

/// Generates `maxNewTokens` tokens after `prompt`, one at a time, each drawn from the model's next-token
/// logits with `options` (see `sampleToken`); returns only the new tokens.
///
/// Runs without gradients and in evaluation mode (the model's mode is restored afterwards). The same
/// model weights, prompt, options and generator seed give the same tokens.
///
/// ```swift
/// let tokens = try generate(model, prompt: vocabulary.encode("The "), maxNewTokens: 200,
///                           options: SamplingOptions(temperature: 0.8, topK: 10), generator: Generator(seed: 0))
/// print(vocabulary.decode(tokens))
/// ```
public func generate<Model: AutoregressiveLanguageModel>(_ model: Model, prompt: [Int], maxNewTokens: Int,
                                                          options: SamplingOptions = SamplingOptions(),
                                                          generator: Generator) throws(SamplingError) -> [Int] {
    try options.validate()
    guard maxNewTokens >= 0 else { throw .invalidLength(maxNewTokens) }
    guard !prompt.isEmpty else { throw .emptyPrompt }
    if let bad = prompt.first(where: { $0 < 0 || $0 >= model.vocabularySize }) {
        throw .tokenOutOfRange(token: bad, vocabularySize: model.vocabularySize)
    }
    let wasTraining = model.isTraining
    model.eval()
    defer { model.train(wasTraining) }
    var state: Model.DecodingState?
    var newTokens = prompt
    var output: [Int] = []
    output.reserveCapacity(maxNewTokens)
    for _ in 0..<maxNewTokens {
        let logits = withNoGrad { model.nextTokenLogits(after: newTokens, state: &state).toArray(as: Float.self) }
        let next = try sampleToken(logits: logits, options: options, generator: generator)
        output.append(next)
        newTokens = [next]
    }
    return output
}

/// Generates `maxNewCharacters` characters after `prompt` with a character-level model and its
/// vocabulary (see `generate(_:prompt:maxNewTokens:options:generator:)`); returns only the new text.
/// Characters of the prompt outside the vocabulary are read as the unknown symbol.
public func generate<Model: AutoregressiveLanguageModel>(_ model: Model, vocabulary: CharacterVocabulary, prompt: String,
                                                          maxNewCharacters: Int, options: SamplingOptions = SamplingOptions(),
                                                          generator: Generator) throws(SamplingError) -> String {
    let tokens = try generate(model, prompt: vocabulary.encode(prompt), maxNewTokens: maxNewCharacters, options: options,
                              generator: generator)
    return vocabulary.decode(tokens)
}

/// The mean next-token cross entropy (nats per token) of `model` on `inputs` [B, T] against `targets` [B, T].
///
/// ```swift
/// let loss = languageModelLoss(model, inputs: x, targets: y)    // 0-d, differentiable
/// ```
public func languageModelLoss<Model: AutoregressiveLanguageModel>(_ model: Model, inputs: Tensor, targets: Tensor) -> Tensor {
    let logits = model.logits(inputs)
    let v = logits.shape[logits.rank - 1]
    return crossEntropy(logits.reshaped([-1, v]), targets.reshaped([-1]))
}
