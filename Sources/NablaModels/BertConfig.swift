import Foundation

/// The hyperparameters of a BERT encoder, read from a Hugging Face `config.json` (snake_case keys;
/// absent keys take `transformers.BertConfig`'s defaults).
///
/// ```swift
/// let config = try BertConfig(contentsOf: directory.appendingPathComponent("config.json"))
/// config.hiddenSize   // 384 for all-MiniLM-L6-v2
/// ```
public struct BertConfig: Codable, Equatable, Sendable {
    /// The number of token ids.
    public var vocabSize: Int = 30522
    /// The width H of every hidden state.
    public var hiddenSize: Int = 768
    /// The number of encoder layers.
    public var numHiddenLayers: Int = 12
    /// The number of attention heads (divides `hiddenSize`).
    public var numAttentionHeads: Int = 12
    /// The width of the feed-forward block.
    public var intermediateSize: Int = 3072
    /// The feed-forward activation: "gelu" (exact, erf), "gelu_new"/"gelu_pytorch_tanh" (tanh approximation) or "relu".
    public var hiddenAct: String = "gelu"
    /// The dropout probability of hidden states (training only).
    public var hiddenDropoutProb: Double = 0.1
    /// The dropout probability of attention weights (training only).
    public var attentionProbsDropoutProb: Double = 0.1
    /// The longest sequence the position table covers.
    public var maxPositionEmbeddings: Int = 512
    /// The number of token types (segments).
    public var typeVocabSize: Int = 2
    /// The epsilon of every layer norm.
    public var layerNormEps: Double = 1e-12
    /// The id of the padding token.
    public var padTokenId: Int = 0
    /// Only "absolute" is supported.
    public var positionEmbeddingType: String = "absolute"

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size", hiddenAct = "hidden_act"
        case hiddenDropoutProb = "hidden_dropout_prob", attentionProbsDropoutProb = "attention_probs_dropout_prob"
        case maxPositionEmbeddings = "max_position_embeddings", typeVocabSize = "type_vocab_size"
        case layerNormEps = "layer_norm_eps", padTokenId = "pad_token_id", positionEmbeddingType = "position_embedding_type"
    }

    /// A configuration with `transformers.BertConfig`'s defaults, changed by `configure`.
    public init(_ configure: (inout BertConfig) -> Void = { _ in }) { configure(&self) }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T { try c.decodeIfPresent(T.self, forKey: key) ?? fallback }
        vocabSize = try value(.vocabSize, vocabSize)
        hiddenSize = try value(.hiddenSize, hiddenSize)
        numHiddenLayers = try value(.numHiddenLayers, numHiddenLayers)
        numAttentionHeads = try value(.numAttentionHeads, numAttentionHeads)
        intermediateSize = try value(.intermediateSize, intermediateSize)
        hiddenAct = try value(.hiddenAct, hiddenAct)
        hiddenDropoutProb = try value(.hiddenDropoutProb, hiddenDropoutProb)
        attentionProbsDropoutProb = try value(.attentionProbsDropoutProb, attentionProbsDropoutProb)
        maxPositionEmbeddings = try value(.maxPositionEmbeddings, maxPositionEmbeddings)
        typeVocabSize = try value(.typeVocabSize, typeVocabSize)
        layerNormEps = try value(.layerNormEps, layerNormEps)
        padTokenId = (try? c.decodeIfPresent(Int.self, forKey: .padTokenId)) ?? padTokenId
        positionEmbeddingType = try value(.positionEmbeddingType, positionEmbeddingType)
    }

    /// Reads and validates a `config.json`.
    ///
    /// - Throws: `ModelError.unreadableFile` or `ModelError.invalidConfig` naming the file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError.unreadableFile(path: url.path, reason: "cannot read the model config (\(error.localizedDescription))")
        }
        do { self = try JSONDecoder().decode(BertConfig.self, from: data) } catch let error as DecodingError {
            throw ModelError.invalidConfig(path: url.path, reason: Self.describe(error))
        } catch {
            throw ModelError.invalidConfig(path: url.path, reason: "\(error)")
        }
        if let problem = validationProblem { throw ModelError.invalidConfig(path: url.path, reason: problem) }
    }

    /// Why the values cannot build a model, or nil.
    public var validationProblem: String? {
        if [vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, maxPositionEmbeddings, typeVocabSize].contains(where: { $0 <= 0 }) {
            return "sizes must be positive"
        }
        if hiddenSize % numAttentionHeads != 0 { return "hidden_size \(hiddenSize) is not divisible by num_attention_heads \(numAttentionHeads)" }
        if !["gelu", "gelu_new", "gelu_pytorch_tanh", "relu"].contains(hiddenAct) { return "unsupported hidden_act \"\(hiddenAct)\"" }
        if positionEmbeddingType != "absolute" { return "unsupported position_embedding_type \"\(positionEmbeddingType)\"" }
        if !(0...1).contains(hiddenDropoutProb) || !(0...1).contains(attentionProbsDropoutProb) { return "dropout probabilities must be in [0, 1]" }
        if padTokenId < 0 || padTokenId >= vocabSize { return "pad_token_id \(padTokenId) is outside the vocabulary" }
        return nil
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .keyNotFound(_, context), let .dataCorrupted(context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return (path.isEmpty ? "" : "\(path): ") + context.debugDescription
        @unknown default:
            return "\(error)"
        }
    }
}
