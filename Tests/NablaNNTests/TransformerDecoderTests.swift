import Foundation
import XCTest
import NablaTestSupport
import Nabla
import NablaNN

// Golden tests of TransformerDecoderLayer and TransformerDecoder against PyTorch
// (Tests/NablaNNTests/Fixtures/attention.json, kinds "decoder_layer" and "decoder", written by
// scripts/generate_attention_fixtures.py, whose header documents the format), float64
// finite-difference checks of the decoder layer, and its state-dict names.

final class TransformerDecoderTests: XCTestCase {
    private func makeLayer(_ c: SequenceFixtureCase) -> TransformerDecoderLayer {
        TransformerDecoderLayer(dModel: c.int("d_model"), nhead: c.int("nhead"), dimFeedforward: c.int("dim_feedforward"),
                                dropout: c.double("dropout") ?? 0.1, activation: c.activation,
                                layerNormEps: c.double("layer_norm_eps") ?? 1e-5, batchFirst: c.bool("batch_first"),
                                normFirst: c.bool("norm_first"))
    }

    func testDecoderLayerMatchesPyTorch() throws {
        for c in try SequenceFixtures.cases("decoder_layer") {
            let layer = makeLayer(c)
            try SequenceFixtures.check(c, module: layer) { x in
                layer(x["tgt"]!, memory: x["memory"]!, tgtMask: x["tgt_mask"], memoryMask: x["memory_mask"],
                      tgtKeyPaddingMask: x["tgt_key_padding_mask"], memoryKeyPaddingMask: x["memory_key_padding_mask"],
                      tgtIsCausal: c.bool("tgt_is_causal"))
            }
        }
    }

    func testDecoderMatchesPyTorch() throws {
        for c in try SequenceFixtures.cases("decoder") {
            let d = c.int("d_model")
            let decoder = TransformerDecoder(numLayers: c.int("num_layers"), norm: c.bool("norm") ? LayerNorm(d) : nil) {
                TransformerDecoderLayer(dModel: d, nhead: c.int("nhead"), dimFeedforward: c.int("dim_feedforward"), activation: c.activation,
                                        batchFirst: c.bool("batch_first"), normFirst: c.bool("norm_first"))
            }
            try SequenceFixtures.check(c, module: decoder) { x in
                decoder(x["tgt"]!, memory: x["memory"]!, tgtMask: x["tgt_mask"], memoryMask: x["memory_mask"],
                        tgtKeyPaddingMask: x["tgt_key_padding_mask"], memoryKeyPaddingMask: x["memory_key_padding_mask"],
                        tgtIsCausal: c.bool("tgt_is_causal"))
            }
        }
    }

    func testParameterNamesFollowPyTorch() {
        let layer = TransformerDecoderLayer(dModel: 8, nhead: 2, dimFeedforward: 4)
        XCTAssertEqual(layer.namedParameters().map(\.0), [
            "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
            "multihead_attn.in_proj_weight", "multihead_attn.in_proj_bias", "multihead_attn.out_proj.weight",
            "multihead_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
            "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias", "norm3.weight", "norm3.bias",
        ])
        XCTAssertEqual(layer.linear1.weight.shape, [4, 8])
        XCTAssertEqual(layer.multiheadAttn.inProjWeight.shape, [24, 8])
        XCTAssertEqual(layer.norm3.weight?.value.scalars, [Double](repeating: 1, count: 8))
        XCTAssertEqual(layer.multiheadAttn.inProjBias?.value.scalars, [Double](repeating: 0, count: 24), "PyTorch zeroes in_proj_bias")
        XCTAssertEqual(layer.namedModules().map(\.0).filter { $0.hasPrefix("dropout") }, ["dropout", "dropout1", "dropout2", "dropout3"])
        let decoder = TransformerDecoder(numLayers: 2, norm: LayerNorm(8)) { TransformerDecoderLayer(dModel: 8, nhead: 2, dimFeedforward: 4) }
        let names = decoder.namedParameters().map(\.0)
        XCTAssertEqual(names.first, "layers.0.self_attn.in_proj_weight")
        XCTAssertTrue(names.contains("layers.1.multihead_attn.out_proj.bias"))
        XCTAssertEqual(Array(names.suffix(2)), ["norm.weight", "norm.bias"])
        XCTAssertEqual(names.count, 2 * 18 + 2)
        XCTAssertFalse(decoder.layers[0].linear1.weight === decoder.layers[1].linear1.weight)
        XCTAssertNotEqual(decoder.layers[0].linear1.weight.value.scalars, decoder.layers[1].linear1.weight.value.scalars,
                          "each layer gets its own initial values")
    }

    func testCausalFlagWithoutMaskEqualsTheCausalMask() {
        let layer = TransformerDecoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16, dropout: 0, batchFirst: true)
        let tgt = Tensor.randn([2, 5, 8], seed: 1), memory = Tensor.randn([2, 3, 8], seed: 2)
        let upper = Tensor.arange(0, 5, dtype: .int64).unsqueezed(axis: 0) .> Tensor.arange(0, 5, dtype: .int64).unsqueezed(axis: 1)
        let flagged = layer(tgt, memory: memory, tgtIsCausal: true)
        let masked = layer(tgt, memory: memory, tgtMask: upper)
        XCTAssertNil(layerMismatch(flagged.scalars, masked.scalars, rtol: 1e-6, atol: 1e-6))
        let unmasked = layer(tgt, memory: memory)
        XCTAssertNotNil(layerMismatch(flagged.scalars, unmasked.scalars, rtol: 1e-6, atol: 1e-6), "the causal mask must matter")
        // The first position sees only itself: changing later target positions leaves it unchanged.
        let changed = concat([tgt.slice(axis: 1, end: 1), Tensor.randn([2, 4, 8], seed: 3)], axis: 1)
        XCTAssertNil(layerMismatch(layer(changed, memory: memory, tgtIsCausal: true).slice(axis: 1, end: 1).scalars,
                                   flagged.slice(axis: 1, end: 1).scalars, rtol: 1e-6, atol: 1e-6))
    }

    func testDropoutOnlyInTraining() {
        let layer = TransformerDecoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16, dropout: 0.5, batchFirst: true, generator: Generator(seed: 5))
        let tgt = Tensor.randn([2, 4, 8], seed: 1), memory = Tensor.randn([2, 3, 8], seed: 2)
        layer.eval()
        XCTAssertEqual(layer(tgt, memory: memory).scalars, layer(tgt, memory: memory).scalars, "evaluation mode is deterministic")
        let evaluated = layer(tgt, memory: memory)
        layer.train()
        XCTAssertNotEqual(layer(tgt, memory: memory).scalars, evaluated.scalars, "dropout changes the output in training mode")
    }

    /// Installs float64 values as every parameter (in `namedParameters()` order) of `module`.
    private func float64Parameters(_ module: Module, seed: UInt64) -> [Tensor] {
        module.namedParameters().enumerated().map { i, named in
            let (name, p) = named
            let noise = Tensor.randn(p.shape, seed: seed + UInt64(i), dtype: .float64)
            // Norm scales near 1, everything else small, as trained values are.
            return name.contains("norm") && name.hasSuffix("weight") ? noise * 0.2 + 1 : noise * 0.4
        }
    }

    private func checkDecoderLayerGradients(_ label: String, _ layer: TransformerDecoderLayer, tgt: Tensor, memory: Tensor,
                                            tgtMask: Tensor? = nil, memoryMask: Tensor? = nil, tgtKeyPaddingMask: Tensor? = nil,
                                            memoryKeyPaddingMask: Tensor? = nil, tgtIsCausal: Bool = false, seed: UInt64) {
        let parameters = layer.parameters()
        let values = float64Parameters(layer, seed: seed)
        checkLayerGradients(label, [tgt, memory] + values, rtol: 1e-5, atol: 1e-7) { xs in
            for (p, v) in zip(parameters, xs.dropFirst(2)) { p.value = v }
            return layer(xs[0], memory: xs[1], tgtMask: tgtMask, memoryMask: memoryMask, tgtKeyPaddingMask: tgtKeyPaddingMask,
                         memoryKeyPaddingMask: memoryKeyPaddingMask, tgtIsCausal: tgtIsCausal)
        }
    }

    func testDecoderLayerFiniteDifferencesPostNorm() {
        let layer = TransformerDecoderLayer(dModel: 4, nhead: 2, dimFeedforward: 6, dropout: 0, batchFirst: true)
        let tgt = Tensor.randn([2, 3, 4], seed: 21, dtype: .float64), memory = Tensor.randn([2, 4, 4], seed: 22, dtype: .float64)
        let memoryPadding = Tensor(shape: [2, 4], scalars: [false, false, false, true, false, false, false, false])
        let memoryMask = Tensor.randn([3, 4], seed: 23, dtype: .float64)
        checkDecoderLayerGradients("decoder layer post-norm, causal, memory masks", layer, tgt: tgt, memory: memory,
                                   memoryMask: memoryMask, memoryKeyPaddingMask: memoryPadding, tgtIsCausal: true, seed: 100)
    }

    func testDecoderLayerFiniteDifferencesPreNormGelu() {
        let layer = TransformerDecoderLayer(dModel: 4, nhead: 2, dimFeedforward: 6, dropout: 0, activation: .gelu, normFirst: true)
        let tgt = Tensor.randn([3, 2, 4], seed: 31, dtype: .float64), memory = Tensor.randn([2, 2, 4], seed: 32, dtype: .float64)
        let tgtPadding = Tensor(shape: [2, 3], scalars: [false, false, true, false, false, false])
        let tgtMask = Tensor(shape: [3, 3], scalars: [false, true, false, false, false, true, false, false, false])
        checkDecoderLayerGradients("decoder layer pre-norm, gelu, target masks", layer, tgt: tgt, memory: memory, tgtMask: tgtMask,
                                   tgtKeyPaddingMask: tgtPadding, seed: 200)
    }
}
