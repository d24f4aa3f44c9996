import Nabla

/// What `TransformerEncoder` and `TransformerDecoder` share: distinct blocks applied in order, an
/// optional final norm, PyTorch's parameter names (`layers.0.…`, `norm.…`) and the per-layer cache
/// check of incremental decoding.
open class TransformerStack<Block: Module>: Module {
    /// The blocks, applied in order.
    public let layers: [Block]
    /// The norm applied after the last block, if any.
    public let norm: LayerNorm?

    /// A stack made of `layers` (distinct instances) and an optional final `norm`.
    ///
    /// ```swift
    /// let decoder = TransformerDecoder([TransformerDecoderLayer(dModel: 64, nhead: 4)], norm: LayerNorm(64))
    /// ```
    public init(_ layers: [Block], norm: LayerNorm? = nil) {
        precondition(Set(layers.map(ObjectIdentifier.init)).count == layers.count,
                     "\(Self.self): each layer must be a distinct instance (PyTorch deep-copies the layer)")
        (self.layers, self.norm) = (layers, norm)
        super.init()
    }

    /// A stack of `numLayers` blocks, each made by `makeLayer` (PyTorch deep-copies one layer; here
    /// each call builds a fresh one, with its own initial values).
    ///
    /// ```swift
    /// let encoder = TransformerEncoder(numLayers: 3) { TransformerEncoderLayer(dModel: 64, nhead: 4) }
    /// ```
    public convenience init(numLayers: Int, norm: LayerNorm? = nil, makeLayer: () -> Block) {
        self.init((0..<numLayers).map { _ in makeLayer() }, norm: norm)
    }

    open override func namedChildren() -> [(String, Module)] {
        layers.enumerated().map { ("layers.\($0.offset)", $0.element as Module) } + (norm.map { [("norm", $0 as Module)] } ?? [])
    }

    /// `input` through every block (`step(x, block, its cache)`), then the final norm; traps unless
    /// `cache` is nil or has one entry per layer.
    func run<Cache>(_ input: Tensor, cache: [Cache]?, _ step: (Tensor, Block, Cache?) -> Tensor) -> Tensor {
        precondition(cache.map { $0.count == layers.count } ?? true,
                     "\(Self.self): \(cache?.count ?? 0) caches for \(layers.count) layers (use makeCache())")
        var x = input
        for (i, layer) in layers.enumerated() { x = step(x, layer, cache?[i]) }
        if let norm { x = norm(x) }
        return reportOutput(x)
    }
}

/// One residual sub-block of a transformer layer: `x + block(norm(x))` pre-norm, `norm(x + block(x))` post-norm.
func residual(_ x: Tensor, _ norm: LayerNorm, normFirst: Bool, _ block: (Tensor) -> Tensor) -> Tensor {
    normFirst ? x + block(norm(x)) : norm(x + block(x))
}
