import Nabla
import NablaNN

/// A BERT encoder (Hugging Face's `BertModel`): token, position and token-type embeddings, then
/// `numHiddenLayers` post-norm transformer layers, and an optional pooler over the first token.
///
/// The module tree reproduces the Hugging Face state-dict names, so a `model.safetensors` loads
/// strictly: `embeddings.word_embeddings.weight`, `embeddings.LayerNorm.weight`,
/// `encoder.layer.0.attention.self.query.weight`, `encoder.layer.0.attention.output.dense.weight`,
/// `encoder.layer.0.attention.output.LayerNorm.weight`, `encoder.layer.0.intermediate.dense.weight`,
/// `encoder.layer.0.output.dense.weight`, `encoder.layer.0.output.LayerNorm.weight`, `pooler.dense.weight`, …
/// and the buffer `embeddings.position_ids`.
///
/// ```swift
/// let bert = try BertModel.pretrained(directory: modelDirectory)
/// bert.eval()
/// let hidden = bert(inputIDs: ids, attentionMask: mask)    // [B, T, hiddenSize]
/// ```
public final class BertModel: Module {
    /// The hyperparameters.
    public let config: BertConfig
    /// Token, position and token-type embeddings (`embeddings`).
    public let embeddings: BertEmbeddings
    /// The transformer layers (`encoder.layer.N`).
    public let encoder: BertEncoder
    /// The pooler over the first token (`pooler`), if the model has one.
    public let pooler: BertPooler?

    /// A randomly initialised model (load weights with `loadStateDict` or `pretrained(directory:)`).
    public init(config: BertConfig, addPoolingLayer: Bool = true) {
        precondition(config.validationProblem == nil, "BertModel: \(config.validationProblem ?? "")")
        self.config = config
        embeddings = BertEmbeddings(config: config)
        encoder = BertEncoder(config: config)
        pooler = addPoolingLayer ? BertPooler(config: config) : nil
        super.init()
    }

    public override func namedChildren() -> [(String, Module)] {
        [("embeddings", embeddings), ("encoder", encoder)] + (pooler.map { [("pooler", $0 as Module)] } ?? [])
    }

    /// The last hidden states [B, T, hiddenSize] of integer `inputIDs` [B, T].
    ///
    /// `attentionMask` [B, T] is 1 (or true) for real tokens and 0 for padding, which no token attends
    /// to; `tokenTypeIDs` [B, T] defaults to zeros.
    public func callAsFunction(inputIDs: Tensor, attentionMask: Tensor? = nil, tokenTypeIDs: Tensor? = nil) -> Tensor {
        precondition(inputIDs.rank == 2 && inputIDs.dtype.isInteger, "BertModel: inputIDs must be an integer [B, T] tensor, got \(inputIDs.dtype) \(inputIDs.shape)")
        if let attentionMask {
            precondition(attentionMask.shape == inputIDs.shape, "BertModel: attentionMask \(attentionMask.shape) must match inputIDs \(inputIDs.shape)")
        }
        let hidden = embeddings(inputIDs: inputIDs, tokenTypeIDs: tokenTypeIDs)
        // [B, 1, 1, T]: true for keys that may be attended to.
        let keep = attentionMask.map { ($0.dtype == .bool ? $0 : $0 .!= 0.0).reshaped([inputIDs.shape[0], 1, 1, inputIDs.shape[1]]) }
        return reportOutput(encoder(hidden, keep: keep))
    }
}

/// BERT's input embeddings: `LayerNorm(word + position + tokenType)` then dropout.
public final class BertEmbeddings: Module {
    /// `word_embeddings`, [vocabSize, H].
    public let wordEmbeddings: Embedding
    /// `position_embeddings`, [maxPositionEmbeddings, H].
    public let positionEmbeddings: Embedding
    /// `token_type_embeddings`, [typeVocabSize, H].
    public let tokenTypeEmbeddings: Embedding
    /// `LayerNorm`.
    public let layerNorm: LayerNorm
    /// The dropout after the norm (training only).
    public let dropout: Dropout
    /// `position_ids`, [1, maxPositionEmbeddings] int64: 0, 1, 2, … (a buffer, saved in checkpoints).
    public let positionIDs: Buffer

    /// Embeddings sized by `config`.
    public init(config: BertConfig) {
        wordEmbeddings = Embedding(config.vocabSize, config.hiddenSize, paddingIdx: config.padTokenId)
        positionEmbeddings = Embedding(config.maxPositionEmbeddings, config.hiddenSize)
        tokenTypeEmbeddings = Embedding(config.typeVocabSize, config.hiddenSize)
        layerNorm = LayerNorm(config.hiddenSize, eps: config.layerNormEps)
        dropout = Dropout(p: config.hiddenDropoutProb)
        positionIDs = Buffer(Tensor.arange(0, Double(config.maxPositionEmbeddings), dtype: .int64).reshaped([1, config.maxPositionEmbeddings]))
        super.init()
    }

    public override func namedChildren() -> [(String, Module)] {
        [("word_embeddings", wordEmbeddings), ("position_embeddings", positionEmbeddings),
         ("token_type_embeddings", tokenTypeEmbeddings), ("LayerNorm", layerNorm), ("dropout", dropout)]
    }

    public override func namedDirectBuffers() -> [(String, Buffer)] { [("position_ids", positionIDs)] }

    /// The embeddings [B, T, H] of `inputIDs` [B, T].
    public func callAsFunction(inputIDs: Tensor, tokenTypeIDs: Tensor? = nil) -> Tensor {
        let length = inputIDs.shape[1]
        precondition(length <= positionEmbeddings.numEmbeddings,
                     "BertEmbeddings: sequence length \(length) exceeds max_position_embeddings \(positionEmbeddings.numEmbeddings)")
        let positions = positionIDs.value.slice(axis: 1, start: 0, end: length)
        let types = tokenTypeIDs ?? Tensor.zeros(inputIDs.shape, dtype: .int64)
        let sum = wordEmbeddings(inputIDs) + tokenTypeEmbeddings(types) + positionEmbeddings(positions)
        return dropout(layerNorm(sum))
    }
}

/// The stack of BERT layers (`encoder.layer.N`).
public final class BertEncoder: Module {
    /// The layers, in order.
    public let layers: [BertLayer]

    /// `config.numHiddenLayers` layers.
    public init(config: BertConfig) {
        layers = (0..<config.numHiddenLayers).map { _ in BertLayer(config: config) }
        super.init()
    }

    public override func namedChildren() -> [(String, Module)] {
        layers.enumerated().map { ("layer.\($0.offset)", $0.element as Module) }
    }

    /// Every layer applied to `hidden` [B, T, H]; `keep` [B, 1, 1, T] marks the keys that may be attended to.
    public func callAsFunction(_ hidden: Tensor, keep: Tensor? = nil) -> Tensor {
        layers.reduce(hidden) { x, layer in layer(x, keep: keep) }
    }
}

/// One BERT layer: self-attention (`attention`), then the feed-forward block (`intermediate`, `output`).
public final class BertLayer: Module {
    /// `attention`: self-attention with its output projection and norm.
    public let attention: BertAttention
    /// `intermediate`: dense H → intermediateSize and the activation.
    public let intermediate: BertIntermediate
    /// `output`: dense intermediateSize → H, dropout, residual and norm.
    public let output: BertOutput

    /// A layer sized by `config`.
    public init(config: BertConfig) {
        attention = BertAttention(config: config)
        intermediate = BertIntermediate(config: config)
        output = BertOutput(config: config, inputSize: config.intermediateSize)
        super.init()
    }

    public override func namedChildren() -> [(String, Module)] {
        [("attention", attention), ("intermediate", intermediate), ("output", output)]
    }

    /// The layer applied to `hidden` [B, T, H].
    public func callAsFunction(_ hidden: Tensor, keep: Tensor? = nil) -> Tensor {
        let attended = attention(hidden, keep: keep)
        return output(intermediate(attended), residual: attended)
    }
}

/// BERT's attention block: `self` (query/key/value) and `output` (dense, dropout, residual, LayerNorm).
public final class BertAttention: Module {
    /// `self`: the query, key and value projections and the attention itself.
    public let selfAttention: BertSelfAttention
    /// `output`: the output projection, residual and norm.
    public let output: BertOutput

    /// An attention block sized by `config`.
    public init(config: BertConfig) {
        selfAttention = BertSelfAttention(config: config)
        output = BertOutput(config: config, inputSize: config.hiddenSize)
        super.init()
    }

    public override func namedChildren() -> [(String, Module)] { [("self", selfAttention), ("output", output)] }

    /// `LayerNorm(hidden + dropout(dense(attention(hidden))))`.
    public func callAsFunction(_ hidden: Tensor, keep: Tensor? = nil) -> Tensor {
        output(selfAttention(hidden, keep: keep), residual: hidden)
    }
}

/// Multi-head self-attention with separate `query`, `key` and `value` projections.
public final class BertSelfAttention: Module {
    /// `query`, `key`, `value`: H → H.
    public let query: Linear, key: Linear, value: Linear
    /// The dropout of the attention weights (training only).
    public let dropout: Dropout
    /// The number of heads.
    public let numHeads: Int

    /// Projections sized by `config`.
    public init(config: BertConfig) {
        let h = config.hiddenSize
        (query, key, value) = (Linear(h, h), Linear(h, h), Linear(h, h))
        dropout = Dropout(p: config.attentionProbsDropoutProb)
        numHeads = config.numAttentionHeads
        super.init()
    }

    public override func namedChildren() -> [(String, Module)] {
        [("query", query), ("key", key), ("value", value), ("dropout", dropout)]
    }

    /// The attended values [B, T, H] (heads concatenated) of `hidden` [B, T, H].
    public func callAsFunction(_ hidden: Tensor, keep: Tensor? = nil) -> Tensor {
        let (b, t, h) = (hidden.shape[0], hidden.shape[1], hidden.shape[2])
        func heads(_ x: Tensor) -> Tensor { x.reshaped([b, t, numHeads, h / numHeads]).permuted([0, 2, 1, 3]) }
        let y = scaledDotProductAttention(query: heads(query(hidden)), key: heads(key(hidden)), value: heads(value(hidden)),
                                          mask: keep, dropout: isTraining ? dropout.p : 0, generator: dropout.generator)
        return y.permuted([0, 2, 1, 3]).reshaped([b, t, h])
    }
}

/// `LayerNorm(residual + dropout(dense(x)))`: BERT's `attention.output` and `output` blocks.
public final class BertOutput: Module {
    /// `dense`: inputSize → H.
    public let dense: Linear
    /// `LayerNorm`.
    public let layerNorm: LayerNorm
    /// The dropout before the residual (training only).
    public let dropout: Dropout

    /// A block projecting `inputSize` features to `config.hiddenSize`.
    public init(config: BertConfig, inputSize: Int) {
        dense = Linear(inputSize, config.hiddenSize)
        layerNorm = LayerNorm(config.hiddenSize, eps: config.layerNormEps)
        dropout = Dropout(p: config.hiddenDropoutProb)
        super.init()
    }

    public override func namedChildren() -> [(String, Module)] { [("dense", dense), ("LayerNorm", layerNorm), ("dropout", dropout)] }

    /// `LayerNorm(residual + dropout(dense(x)))`.
    public func callAsFunction(_ x: Tensor, residual: Tensor) -> Tensor {
        layerNorm(residual + dropout(dense(x)))
    }
}

/// BERT's `intermediate` block: dense H → intermediateSize, then the activation (`hidden_act`).
public final class BertIntermediate: Module {
    /// `dense`: H → intermediateSize.
    public let dense: Linear
    /// The config's `hidden_act`.
    public let activation: String

    /// A block sized by `config`.
    public init(config: BertConfig) {
        dense = Linear(config.hiddenSize, config.intermediateSize)
        activation = config.hiddenAct
        super.init()
    }

    public override func namedChildren() -> [(String, Module)] { [("dense", dense)] }

    /// `activation(dense(x))`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let y = dense(x)
        switch activation {
        case "relu": return relu(y)
        case "gelu_new", "gelu_pytorch_tanh": return gelu(y, approximate: .tanh)
        default: return gelu(y)   // "gelu": exact, with erf
        }
    }
}

/// BERT's pooler: `tanh(dense(hidden[:, 0]))`, the first ([CLS]) token's state.
public final class BertPooler: Module {
    /// `dense`: H → H.
    public let dense: Linear

    /// A pooler sized by `config`.
    public init(config: BertConfig) {
        dense = Linear(config.hiddenSize, config.hiddenSize)
        super.init()
    }

    public override func namedChildren() -> [(String, Module)] { [("dense", dense)] }

    /// The pooled output [B, H] of hidden states [B, T, H].
    public func callAsFunction(_ hidden: Tensor) -> Tensor {
        dense(hidden.slice(axis: 1, start: 0, end: 1).squeezed(axis: 1)).tanh()
    }
}
