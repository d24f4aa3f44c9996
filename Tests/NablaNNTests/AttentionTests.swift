import Foundation
import XCTest
import NablaTestSupport
import Nabla
import NablaNN

// Golden tests of scaledDotProductAttention, MultiheadAttention, TransformerEncoderLayer and
// TransformerEncoder against PyTorch (Tests/NablaNNTests/Fixtures/attention.json, written by
// scripts/generate_attention_fixtures.py, whose header documents the format), plus a float64
// finite-difference check of scaledDotProductAttention.

final class AttentionTests: XCTestCase {
    private func cases(_ kind: String) throws -> [SequenceFixtureCase] {
        try SequenceFixtures.cases(kind)
    }

    /// `SequenceFixtures.check` at float32 tolerances, with attention weights.
    private func check(_ c: SequenceFixtureCase, module: Module?, rtol: Double = 1e-4, atol: Double = 2e-5,
                       _ forward: ([String: Tensor]) -> (Tensor, Tensor?)) throws {
        try SequenceFixtures.check(c, module: module, rtol: rtol, atol: atol) { x in
            let (output, weights) = forward(x)
            return (output, weights)
        }
    }

    func testScaledDotProductAttentionMatchesPyTorch() throws {
        for c in try cases("sdpa") {
            try check(c, module: nil) { x in
                (scaledDotProductAttention(query: x["query"]!, key: x["key"]!, value: x["value"]!, mask: x["mask"],
                                           isCausal: c.bool("is_causal"), scale: c.double("scale")), nil)
            }
        }
    }

    func testMultiheadAttentionMatchesPyTorch() throws {
        for c in try cases("mha") {
            let mha = MultiheadAttention(embedDim: c.int("embed_dim"), numHeads: c.int("num_heads"), dropout: c.double("dropout") ?? 0,
                                         bias: c.bool("bias"), batchFirst: c.bool("batch_first"))
            try check(c, module: mha) { x in
                let q = x["query"]!
                let (k, v) = c.bool("self_attention") ? (q, q) : (x["key"]!, x["value"]!)
                return mha(q, k, v, keyPaddingMask: x["key_padding_mask"], needWeights: c.bool("need_weights"), attnMask: x["attn_mask"],
                           averageAttnWeights: c.bool("average_attn_weights"), isCausal: c.bool("is_causal"))
            }
        }
    }

    func testTransformerEncoderLayerMatchesPyTorch() throws {
        for c in try cases("encoder_layer") {
            let layer = TransformerEncoderLayer(dModel: c.int("d_model"), nhead: c.int("nhead"), dimFeedforward: c.int("dim_feedforward"),
                                                dropout: c.double("dropout") ?? 0, activation: c.activation,
                                                layerNormEps: c.double("layer_norm_eps") ?? 1e-5, batchFirst: c.bool("batch_first"),
                                                normFirst: c.bool("norm_first"))
            try check(c, module: layer) { x in
                (layer(x["src"]!, srcMask: x["src_mask"], srcKeyPaddingMask: x["src_key_padding_mask"], isCausal: c.bool("is_causal")), nil)
            }
        }
    }

    func testTransformerEncoderMatchesPyTorch() throws {
        for c in try cases("encoder") {
            let d = c.int("d_model")
            let encoder = TransformerEncoder(numLayers: c.int("num_layers"), norm: c.bool("norm") ? LayerNorm(d) : nil) {
                TransformerEncoderLayer(dModel: d, nhead: c.int("nhead"), dimFeedforward: c.int("dim_feedforward"), activation: c.activation,
                                        batchFirst: c.bool("batch_first"), normFirst: c.bool("norm_first"))
            }
            try check(c, module: encoder) { x in
                (encoder(x["src"]!, mask: x["src_mask"], srcKeyPaddingMask: x["src_key_padding_mask"]), nil)
            }
        }
    }

    func testParameterNamesFollowPyTorch() {
        let mha = MultiheadAttention(embedDim: 8, numHeads: 2)
        XCTAssertEqual(mha.namedParameters().map(\.0), ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
        XCTAssertEqual(mha.inProjWeight.shape, [24, 8])
        XCTAssertEqual(mha.outProj.bias?.value.scalars, [Double](repeating: 0, count: 8))
        let encoder = TransformerEncoder(numLayers: 2) { TransformerEncoderLayer(dModel: 8, nhead: 2, dimFeedforward: 4) }
        let names = encoder.namedParameters().map(\.0)
        XCTAssertEqual(names.first, "layers.0.self_attn.in_proj_weight")
        XCTAssertTrue(names.contains("layers.1.norm2.bias"))
        XCTAssertEqual(names.count, 2 * 12)
    }

    func testScaledDotProductAttentionFiniteDifferences() {
        let q = Tensor.randn([2, 3, 4], seed: 1, dtype: .float64)
        let k = Tensor.randn([2, 5, 4], seed: 2, dtype: .float64)
        let v = Tensor.randn([2, 5, 3], seed: 3, dtype: .float64)
        let floatMask = Tensor.randn([1, 3, 5], seed: 4, dtype: .float64)
        checkLayerGradients("sdpa", [q, k, v]) { x in scaledDotProductAttention(query: x[0], key: x[1], value: x[2]) }
        checkLayerGradients("sdpa float mask", [q, k, v, floatMask]) { x in
            scaledDotProductAttention(query: x[0], key: x[1], value: x[2], mask: x[3], scale: 0.3)
        }
        let square = Tensor.randn([2, 5, 4], seed: 5, dtype: .float64)
        let keep = Tensor.randn([5, 5], seed: 6) .> -0.5
        checkLayerGradients("sdpa causal + bool mask", [square, k, v]) { x in
            scaledDotProductAttention(query: x[0], key: x[1], value: x[2], mask: keep, isCausal: true)
        }
    }

    func testDropoutOnlyInTraining() {
        let mha = MultiheadAttention(embedDim: 8, numHeads: 2, dropout: 0.5, batchFirst: true, generator: Generator(seed: 3))
        let x = Tensor.randn([2, 4, 8], seed: 11)
        mha.eval()
        let (a, _) = mha(x, x, x)
        let (b, _) = mha(x, x, x)
        XCTAssertEqual(a.scalars, b.scalars, "evaluation mode must be deterministic")
        mha.train()
        let (c, weights) = mha(x, x, x, averageAttnWeights: false)
        XCTAssertNotEqual(a.scalars, c.scalars, "dropout must change the output in training mode")
        let zeros = weights!.scalars.filter { $0 == 0 }.count
        XCTAssertGreaterThan(zeros, 0, "dropped attention weights are zero")
        let plain = scaledDotProductAttention(query: x, key: x, value: x)
        XCTAssertEqual(plain.scalars, scaledDotProductAttention(query: x, key: x, value: x, dropout: 0).scalars)
    }

    func testCausalMaskIgnoresTheFuture() {
        // Changing the last key/value must not change any earlier query's output.
        let q = Tensor.randn([1, 4, 8], seed: 1), k = Tensor.randn([1, 4, 8], seed: 2), v = Tensor.randn([1, 4, 8], seed: 3)
        let y1 = scaledDotProductAttention(query: q, key: k, value: v, isCausal: true)
        let k2 = concat([k.slice(axis: 1, start: 0, end: 3), Tensor.randn([1, 1, 8], seed: 4)], axis: 1)
        let y2 = scaledDotProductAttention(query: q, key: k2, value: v, isCausal: true)
        XCTAssertEqual(y1.slice(axis: 1, start: 0, end: 3).scalars, y2.slice(axis: 1, start: 0, end: 3).scalars)
        XCTAssertNotEqual(y1.slice(axis: 1, start: 3).scalars, y2.slice(axis: 1, start: 3).scalars)
    }
}
