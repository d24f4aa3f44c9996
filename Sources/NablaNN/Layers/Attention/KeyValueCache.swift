import Nabla

/// The projected keys and values of one attention block, kept between calls for fast autoregressive
/// decoding: each step projects only its new tokens and attends to everything cached.
///
/// Keys and values are stored per head, [B, H, S, headDim], after the input projection (and after
/// any rotary embedding the caller applied), so past positions are never projected again.
///
/// - `.growing` (self-attention): every call appends the new chunk's keys and values; the chunk's
///   queries attend to all cached positions, causally within the chunk when the call is causal.
/// - `.fixed` (cross-attention): the first call projects `key`/`value` (the encoder memory) and stores
///   them; later calls reuse them and ignore their `key`/`value` arguments.
///
/// ```swift
/// let attention = MultiheadAttention(embedDim: 64, numHeads: 4, batchFirst: true)
/// let cache = KeyValueCache()
/// for step in 0..<10 {
///     let x = nextTokenEmbedding(step)                       // [B, 1, 64]
///     let (y, _) = attention(x, x, x, needWeights: false, isCausal: true, cache: cache)
///     // cache.length == step + 1
/// }
/// ```
public final class KeyValueCache {
    /// How a cache is filled.
    public enum Mode: Sendable, Hashable {
        /// Self-attention: each call appends its keys and values.
        case growing
        /// Cross-attention: filled once from the first call's key/value, then reused unchanged.
        case fixed
    }

    /// How this cache is filled.
    public let mode: Mode
    /// The cached keys, [B, H, S, headDim] (nil while empty).
    public private(set) var keys: Tensor?
    /// The cached values, [B, H, S, headDim] (nil while empty).
    public private(set) var values: Tensor?

    /// An empty cache.
    ///
    /// ```swift
    /// let selfAttention = KeyValueCache()              // grows by one chunk per call
    /// let crossAttention = KeyValueCache(mode: .fixed) // memory keys/values, computed once
    /// ```
    public init(mode: Mode = .growing) { self.mode = mode }

    /// The number of cached positions S (0 while empty); for a `.growing` cache, the absolute position
    /// of the next token, the offset to give positional embeddings.
    ///
    /// ```swift
    /// let y = positions(x, offset: cache.length)
    /// ```
    public var length: Int { keys?.shape[2] ?? 0 }

    /// Whether nothing is cached yet.
    public var isEmpty: Bool { keys == nil }

    /// Appends `keys` and `values` ([B, H, T, headDim]) along the sequence axis and returns everything
    /// cached, [B, H, S + T, headDim]. A `.fixed` cache accepts one call only.
    ///
    /// ```swift
    /// let (k, v) = cache.append(keys: newKeys, values: newValues)   // k: [B, H, cache.length, D]
    /// ```
    @discardableResult
    public func append(keys newKeys: Tensor, values newValues: Tensor, file: StaticString = #fileID,
                       line: UInt = #line) -> (keys: Tensor, values: Tensor) {
        guard newKeys.rank == 4, newValues.rank == 4, newKeys.shape[0] == newValues.shape[0],
              newKeys.shape[1] == newValues.shape[1], newKeys.shape[2] == newValues.shape[2] else {
            fatalError("KeyValueCache: keys \(newKeys.shape) and values \(newValues.shape) must be [B, H, T, headDim] with "
                       + "the same B, H and T", file: file, line: line)
        }
        guard let keys, let values else {
            (self.keys, self.values) = (newKeys, newValues)
            return (newKeys, newValues)
        }
        guard mode == .growing else {
            fatalError("KeyValueCache: a .fixed cache is filled once; call reset() before storing new keys", file: file, line: line)
        }
        guard Array(newKeys.shape[0..<2]) == Array(keys.shape[0..<2]), newKeys.shape[3] == keys.shape[3],
              newValues.shape[3] == values.shape[3], newKeys.dtype == keys.dtype, newValues.dtype == values.dtype else {
            fatalError("KeyValueCache: new keys \(newKeys.shape) (\(newKeys.dtype)) and values \(newValues.shape) do not extend "
                       + "the cached keys \(keys.shape) (\(keys.dtype)) and values \(values.shape) along the sequence axis",
                       file: file, line: line)
        }
        let (k, v) = (concat([keys, newKeys], axis: 2), concat([values, newValues], axis: 2))
        (self.keys, self.values) = (k, v)
        return (k, v)
    }

    /// Empties the cache (to decode a new sequence).
    ///
    /// ```swift
    /// cache.reset()   // cache.length == 0
    /// ```
    public func reset() { (keys, values) = (nil, nil) }

    /// Keeps only the first `length` cached positions (to roll back speculative or rejected tokens).
    ///
    /// ```swift
    /// cache.truncate(to: 5)   // cache.length == 5
    /// ```
    public func truncate(to length: Int) {
        precondition(length >= 0 && length <= self.length,
                     "KeyValueCache: cannot truncate \(self.length) cached positions to \(length)")
        guard let keys, let values else { return }
        if length == 0 { return reset() }
        self.keys = keys.slice(axis: 2, start: 0, end: length)
        self.values = values.slice(axis: 2, start: 0, end: length)
    }
}

/// The caches of one `TransformerDecoderLayer`: a growing self-attention cache and a fixed
/// cross-attention cache (the memory's keys and values, projected on the first call only).
///
/// ```swift
/// let caches = decoder.makeCache()                 // [DecoderLayerCache], one per layer
/// let y = decoder(step, memory: memory, cache: caches)
/// ```
public final class DecoderLayerCache {
    /// The self-attention keys and values of the decoded positions.
    public let selfAttention: KeyValueCache
    /// The cross-attention keys and values of the memory.
    public let crossAttention: KeyValueCache

    /// Empty caches.
    ///
    /// ```swift
    /// let cache = DecoderLayerCache()
    /// let y = layer(step, memory: memory, cache: cache)
    /// ```
    public init() {
        selfAttention = KeyValueCache(mode: .growing)
        crossAttention = KeyValueCache(mode: .fixed)
    }

    /// The number of decoded positions cached (the next token's position).
    ///
    /// ```swift
    /// let offset = cache.length
    /// ```
    public var length: Int { selfAttention.length }

    /// Empties both caches (a new sequence, or a new memory).
    ///
    /// ```swift
    /// cache.reset()
    /// ```
    public func reset() {
        selfAttention.reset()
        crossAttention.reset()
    }
}
