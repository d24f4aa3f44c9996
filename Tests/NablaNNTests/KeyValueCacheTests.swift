import Foundation
import XCTest
import NablaTestSupport
import Nabla
import NablaNN

// Incremental decoding with KeyValueCache: MultiheadAttention, TransformerEncoderLayer/Encoder (as GPT
// blocks), TransformerDecoderLayer/Decoder and a rotary attention built by hand must give, chunk by
// chunk, the outputs of one causal pass over the whole prefix (1e-5 in float32, 1e-10 in float64),
// while projecting only the new positions. Also the trap harness of the sequence-model tests: bad
// shapes must trap with a message that names the layer and the shapes.

/// Runs programmer-error cases in a child copy of the test binary (a trap ends the process).
enum SequenceTrapHarness {
    static let variable = "NABLA_SEQUENCE_TRAP_CASE"

    /// The cases, by name: each must trap.
    static let cases: [String: @Sendable () -> Void] = [
        "cacheBatchMismatch": {
            let mha = MultiheadAttention(embedDim: 8, numHeads: 2, batchFirst: true)
            let cache = KeyValueCache()
            let x = Tensor.randn([2, 3, 8])
            _ = mha(x, x, x, cache: cache)
            let y = Tensor.randn([3, 1, 8])
            _ = mha(y, y, y, cache: cache)
        },
        "fixedCacheAppendedTwice": {
            let cache = KeyValueCache(mode: .fixed)
            cache.append(keys: Tensor.zeros([1, 2, 3, 4]), values: Tensor.zeros([1, 2, 3, 4]))
            cache.append(keys: Tensor.zeros([1, 2, 1, 4]), values: Tensor.zeros([1, 2, 1, 4]))
        },
        "cacheKeysNotRank4": {
            KeyValueCache().append(keys: Tensor.zeros([2, 3, 4]), values: Tensor.zeros([2, 3, 4]))
        },
        "causalWithFixedCache": {
            let mha = MultiheadAttention(embedDim: 8, numHeads: 2)
            let x = Tensor.randn([3, 1, 8])
            _ = mha(x, x, x, isCausal: true, cache: KeyValueCache(mode: .fixed))
        },
        "encoderCacheCount": {
            let encoder = TransformerEncoder(numLayers: 2) { TransformerEncoderLayer(dModel: 8, nhead: 2, dimFeedforward: 8) }
            _ = encoder(Tensor.randn([3, 1, 8]), mask: nil, isCausal: true, cache: [KeyValueCache()])
        },
        "decoderCacheCount": {
            let decoder = TransformerDecoder(numLayers: 2) { TransformerDecoderLayer(dModel: 8, nhead: 2, dimFeedforward: 8) }
            _ = decoder(Tensor.randn([3, 1, 8]), memory: Tensor.randn([4, 1, 8]), cache: [])
        },
        "decoderMemoryWidth": {
            let layer = TransformerDecoderLayer(dModel: 8, nhead: 2, dimFeedforward: 8, batchFirst: true)
            _ = layer(Tensor.randn([2, 3, 8]), memory: Tensor.randn([2, 4, 6]))
        },
        "decoderMemoryMaskShape": {
            let layer = TransformerDecoderLayer(dModel: 8, nhead: 2, dimFeedforward: 8, batchFirst: true)
            _ = layer(Tensor.randn([2, 3, 8]), memory: Tensor.randn([2, 4, 8]), memoryMask: Tensor.zeros([3, 3]))
        },
        "decoderMemoryBatch": {
            let layer = TransformerDecoderLayer(dModel: 8, nhead: 2, dimFeedforward: 8, batchFirst: true)
            _ = layer(Tensor.randn([2, 3, 8]), memory: Tensor.randn([3, 4, 8]))
        },
        "sinusoidalBeyondTable": {
            _ = SinusoidalPositionalEncoding(dModel: 4, maxLength: 10)(Tensor.randn([3, 2, 4]), offset: 8)
        },
        "learnedWrongWidth": {
            _ = LearnedPositionalEmbedding(maxLength: 10, dModel: 4, batchFirst: true)(Tensor.randn([2, 3, 5]))
        },
        "rotaryOddHeadDim": { _ = RotaryEmbedding(headDim: 7) },
        "rotaryWrongHeadDim": { _ = RotaryEmbedding(headDim: 8)(Tensor.randn([2, 3, 6])) },
    ]

    /// Runs case `name` in a child process and asserts that it traps with `message` in its output.
    static func expectTrap(_ name: String, message: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try TrapChild.expectTrap(name, message: message, childTest: "NablaNNTests.KeyValueCacheTests/testTrapChild",
                                 variable: variable, file: file, line: line)
    }
}

final class KeyValueCacheTests: XCTestCase {
    /// The body a child process runs (skipped in a normal run).
    func testTrapChild() throws {
        try TrapChild.runCase(from: SequenceTrapHarness.cases, variable: SequenceTrapHarness.variable)
    }

    func testBadShapesTrapWithAMessage() throws {
        let expected: [(String, String)] = [
            ("cacheBatchMismatch", "MultiheadAttention: the cache holds keys [2, 2, 3, 4] (float32), which do not fit a batch of 3"),
            ("fixedCacheAppendedTwice", "KeyValueCache: a .fixed cache is filled once"),
            ("cacheKeysNotRank4", "KeyValueCache: keys [2, 3, 4] and values [2, 3, 4] must be [B, H, T, headDim]"),
            ("causalWithFixedCache", "MultiheadAttention: isCausal needs a .growing cache"),
            ("encoderCacheCount", "TransformerEncoder: 1 caches for 2 layers"),
            ("decoderCacheCount", "TransformerDecoder: 0 caches for 2 layers"),
            ("decoderMemoryWidth", "TransformerDecoderLayer: tgt [2, 3, 8] and memory [2, 4, 6] must both be [B, T, dModel]"),
            ("decoderMemoryMaskShape", "MultiheadAttention: attnMask [3, 3] must be [3, 4] or [4, 3, 4]"),
            ("decoderMemoryBatch", "disagree on batch or source length"),
            ("sinusoidalBeyondTable", "SinusoidalPositionalEncoding: positions 8 ..< 11 exceed the table's 10 positions"),
            ("learnedWrongWidth", "LearnedPositionalEmbedding: input [2, 3, 5] must be [B, T, 4] or [T, 4]"),
            ("rotaryOddHeadDim", "RotaryEmbedding: headDim must be even and positive, got 7"),
            ("rotaryWrongHeadDim", "RotaryEmbedding: input [2, 3, 6] (float32) must be floating-point heads [..., T, 8]"),
        ]
        XCTAssertEqual(Set(expected.map(\.0)), Set(SequenceTrapHarness.cases.keys), "every trap case is checked")
        for (name, message) in expected { try SequenceTrapHarness.expectTrap(name, message: message) }
    }

    // MARK: - Helpers

    /// Gives every parameter of `module` float64 values (the same numbers).
    private func useFloat64(_ module: Module) {
        for p in module.parameters() { p.value = p.value.detached().cast(to: .float64) }
    }

    private func tolerance(_ dtype: DType) -> Double { dtype == .float64 ? 1e-10 : 1e-5 }

    private func assertClose(_ a: Tensor, _ b: Tensor, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, "\(message): shapes", file: file, line: line)
        let tol = tolerance(a.dtype)
        if let problem = layerMismatch(a.scalars, b.scalars, rtol: tol, atol: tol) { XCTFail("\(message): \(problem)", file: file, line: line) }
    }

    /// `step` applied to consecutive chunks of `x` along `axis`, the results concatenated.
    private func chunked(_ x: Tensor, axis: Int, sizes: [Int], _ step: (Tensor) -> Tensor) -> Tensor {
        concat(x.split(sizes: sizes, axis: axis).map(step), axis: axis)
    }

    // MARK: - MultiheadAttention

    func testMultiheadAttentionCacheMatchesFullCausalPass() {
        for dtype in [DType.float32, .float64] {
            for batchFirst in [true, false] {
                let mha = MultiheadAttention(embedDim: 12, numHeads: 3, batchFirst: batchFirst)
                if dtype == .float64 { useFloat64(mha) }
                let x = Tensor.randn(batchFirst ? [2, 7, 12] : [7, 2, 12], seed: 1, dtype: dtype)
                let axis = batchFirst ? 1 : 0
                let (full, _) = mha(x, x, x, needWeights: false, isCausal: true)
                let cache = KeyValueCache()
                let incremental = chunked(x, axis: axis, sizes: [3, 1, 2, 1]) { chunk in
                    mha(chunk, chunk, chunk, needWeights: false, isCausal: true, cache: cache).output
                }
                assertClose(incremental, full, "MHA \(dtype) batchFirst \(batchFirst)")
                XCTAssertEqual(cache.length, 7)
                XCTAssertEqual(cache.keys?.shape, [2, 3, 7, 4])
                XCTAssertEqual(cache.values?.shape, [2, 3, 7, 4])
            }
        }
    }

    func testMultiheadAttentionCacheWithMasksAndWeights() {
        // Key padding over every cached position, and an explicit attention mask for the chunk's rows.
        let mha = MultiheadAttention(embedDim: 8, numHeads: 2, batchFirst: true)
        useFloat64(mha)
        let x = Tensor.randn([2, 5, 8], seed: 2, dtype: .float64)
        let padding = Tensor(shape: [2, 5], scalars: [false, true, false, false, false, false, false, false, true, false])
        let causal = Tensor.arange(0, 5, dtype: .int64).unsqueezed(axis: 0) .> Tensor.arange(0, 5, dtype: .int64).unsqueezed(axis: 1)
        let (full, fullWeights) = mha(x, x, x, keyPaddingMask: padding, attnMask: causal)
        let cache = KeyValueCache()
        let (first, _) = mha(x.slice(axis: 1, end: 3), x.slice(axis: 1, end: 3), x.slice(axis: 1, end: 3),
                             keyPaddingMask: padding.slice(axis: 1, end: 3), attnMask: causal.slice(axis: 0, end: 3).slice(axis: 1, end: 3),
                             cache: cache)
        let rest = x.slice(axis: 1, start: 3)
        let (second, weights) = mha(rest, rest, rest, keyPaddingMask: padding, attnMask: causal.slice(axis: 0, start: 3), cache: cache)
        assertClose(concat([first, second], axis: 1), full, "MHA cache with masks")
        assertClose(weights!, fullWeights!.slice(axis: 1, start: 3), "MHA cache weights")
        // isCausal with key padding gives the same as the explicit mask.
        cache.reset()
        let viaFlag = chunked(x, axis: 1, sizes: [2, 3]) { chunk in
            mha(chunk, chunk, chunk, keyPaddingMask: padding.slice(axis: 1, end: cache.length + chunk.shape[1]), isCausal: true,
                cache: cache).output
        }
        assertClose(viaFlag, full, "MHA cache, isCausal and key padding")
    }

    func testCacheKeepsPastKeysAndValuesUnchanged() {
        let mha = MultiheadAttention(embedDim: 8, numHeads: 2, batchFirst: true)
        let x = Tensor.randn([1, 6, 8], seed: 3)
        let cache = KeyValueCache()
        _ = mha(x.slice(axis: 1, end: 4), x.slice(axis: 1, end: 4), x.slice(axis: 1, end: 4), isCausal: true, cache: cache)
        let keysAfterPrompt = cache.keys!.scalars, valuesAfterPrompt = cache.values!.scalars
        for t in 4..<6 {
            let step = x.slice(axis: 1, start: t, end: t + 1)
            _ = mha(step, step, step, isCausal: true, cache: cache)
        }
        // The prompt's keys and values are reused as they were, bit for bit: never projected again.
        XCTAssertEqual(cache.keys!.slice(axis: 2, end: 4).contiguous().scalars, keysAfterPrompt)
        XCTAssertEqual(cache.values!.slice(axis: 2, end: 4).contiguous().scalars, valuesAfterPrompt)
        // Each step only projects its own token: the keys of position 5 are the projection of x[5] alone.
        let w = mha.inProjWeight.value.slice(axis: 0, start: 8, end: 16), b = mha.inProjBias!.value.slice(axis: 0, start: 8, end: 16)
        let k5 = linear(x.slice(axis: 1, start: 5), weight: w, bias: b).reshaped([1, 1, 2, 4]).permuted([0, 2, 1, 3])
        XCTAssertNil(layerMismatch(cache.keys!.slice(axis: 2, start: 5).contiguous().scalars, k5.contiguous().scalars, rtol: 1e-6, atol: 1e-6))
        // The cached keys are what attention uses: replacing the inputs of cached positions changes nothing.
        cache.truncate(to: 4)
        XCTAssertEqual(cache.length, 4)
        let last = x.slice(axis: 1, start: 4, end: 5)
        let (a, _) = mha(last, last, last, isCausal: true, cache: cache)
        let (full, _) = mha(x.slice(axis: 1, end: 5), x.slice(axis: 1, end: 5), x.slice(axis: 1, end: 5), isCausal: true)
        assertClose(a, full.slice(axis: 1, start: 4), "after truncate")
    }

    func testCacheBookkeeping() {
        let cache = KeyValueCache()
        XCTAssertTrue(cache.isEmpty)
        XCTAssertEqual(cache.length, 0)
        XCTAssertEqual(cache.mode, .growing)
        let (k, v) = cache.append(keys: Tensor.ones([1, 2, 3, 4]), values: Tensor.zeros([1, 2, 3, 4]))
        XCTAssertEqual(k.shape, [1, 2, 3, 4])
        XCTAssertEqual(v.shape, [1, 2, 3, 4])
        let (k2, _) = cache.append(keys: Tensor.full([1, 2, 2, 4], value: 2), values: Tensor.zeros([1, 2, 2, 4]))
        XCTAssertEqual(k2.shape, [1, 2, 5, 4])
        XCTAssertEqual(k2.slice(axis: 2, start: 3).contiguous().scalars, [Double](repeating: 2, count: 16))
        XCTAssertEqual(cache.length, 5)
        cache.truncate(to: 3)
        XCTAssertEqual(cache.keys?.contiguous().scalars, [Double](repeating: 1, count: 24))
        cache.reset()
        XCTAssertTrue(cache.isEmpty)
        let layerCache = DecoderLayerCache()
        XCTAssertEqual(layerCache.selfAttention.mode, .growing)
        XCTAssertEqual(layerCache.crossAttention.mode, .fixed)
        XCTAssertEqual(layerCache.length, 0)
    }

    // MARK: - Encoder blocks as a decoder-only (GPT) model

    func testEncoderLayerCacheMatchesFullCausalPass() {
        for dtype in [DType.float32, .float64] {
            for normFirst in [true, false] {
                let layer = TransformerEncoderLayer(dModel: 16, nhead: 4, dimFeedforward: 24, activation: .gelu, batchFirst: true,
                                                    normFirst: normFirst)
                layer.eval()
                if dtype == .float64 { useFloat64(layer) }
                let x = Tensor.randn([2, 6, 16], seed: 4, dtype: dtype)
                let full = layer(x, srcMask: nil, isCausal: true)
                let cache = KeyValueCache()
                let incremental = chunked(x, axis: 1, sizes: [2, 1, 1, 2]) { layer($0, srcMask: nil, isCausal: true, cache: cache) }
                assertClose(incremental, full, "encoder layer \(dtype) normFirst \(normFirst)")
            }
        }
    }

    func testGPTStackGreedyDecodingMatchesFullPrefix() {
        // Autoregressive: each step's input is computed from the previous output, and the cached step must
        // equal the last row of a full causal pass over the prefix so far.
        for dtype in [DType.float32, .float64] {
            let gpt = TransformerEncoder(numLayers: 3, norm: LayerNorm(16)) {
                TransformerEncoderLayer(dModel: 16, nhead: 2, dimFeedforward: 32, batchFirst: true, normFirst: true)
            }
            gpt.eval()
            let positions = LearnedPositionalEmbedding(maxLength: 16, dModel: 16, batchFirst: true)
            if dtype == .float64 { useFloat64(gpt); useFloat64(positions) }
            let cache = gpt.makeCache()
            XCTAssertEqual(cache.count, 3)
            var tokens = Tensor.randn([2, 3, 16], seed: 5, dtype: dtype)    // the prompt
            var step = tokens
            for _ in 0..<5 {
                let cached = gpt(positions(step, offset: cache[0].length), mask: nil, isCausal: true, cache: cache)
                let full = gpt(positions(tokens), mask: nil, isCausal: true)
                assertClose(cached, full.slice(axis: 1, start: tokens.shape[1] - step.shape[1]), "GPT step \(tokens.shape[1]) \(dtype)")
                step = cached.slice(axis: 1, start: cached.shape[1] - 1).tanh()
                tokens = concat([tokens, step], axis: 1)
            }
            XCTAssertEqual(cache.map(\.length), [7, 7, 7])
        }
    }

    // MARK: - Decoder

    func testDecoderLayerCacheMatchesFullCausalPass() {
        for dtype in [DType.float32, .float64] {
            for normFirst in [true, false] {
                let layer = TransformerDecoderLayer(dModel: 12, nhead: 3, dimFeedforward: 20, normFirst: normFirst)
                layer.eval()
                if dtype == .float64 { useFloat64(layer) }
                let tgt = Tensor.randn([5, 2, 12], seed: 6, dtype: dtype), memory = Tensor.randn([4, 2, 12], seed: 7, dtype: dtype)
                let memoryPadding = Tensor(shape: [2, 4], scalars: [false, false, false, false, false, false, true, true])
                let full = layer(tgt, memory: memory, memoryKeyPaddingMask: memoryPadding, tgtIsCausal: true)
                let cache = DecoderLayerCache()
                let incremental = chunked(tgt, axis: 0, sizes: [2, 1, 2]) {
                    layer($0, memory: memory, memoryKeyPaddingMask: memoryPadding, tgtIsCausal: true, cache: cache)
                }
                assertClose(incremental, full, "decoder layer \(dtype) normFirst \(normFirst)")
                XCTAssertEqual(cache.length, 5)
                XCTAssertEqual(cache.crossAttention.length, 4)
            }
        }
    }

    func testDecoderCachesMemoryKeysOnce() {
        let decoder = TransformerDecoder(numLayers: 2, norm: LayerNorm(8)) {
            TransformerDecoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16, batchFirst: true)
        }
        decoder.eval()
        let tgt = Tensor.randn([1, 4, 8], seed: 8), memory = Tensor.randn([1, 3, 8], seed: 9)
        let full = decoder(tgt, memory: memory, tgtIsCausal: true)
        let cache = decoder.makeCache()
        let prompt = decoder(tgt.slice(axis: 1, end: 2), memory: memory, tgtIsCausal: true, cache: cache)
        let memoryKeys = cache.map { $0.crossAttention.keys!.scalars }
        // Later steps reuse the memory's cached keys and values: a different memory of the same shape is ignored.
        let other = Tensor.randn([1, 3, 8], seed: 10)
        let rest = chunked(tgt.slice(axis: 1, start: 2), axis: 1, sizes: [1, 1]) { decoder($0, memory: other, tgtIsCausal: true, cache: cache) }
        assertClose(concat([prompt, rest], axis: 1), full, "decoder stack with cached memory")
        XCTAssertEqual(cache.map { $0.crossAttention.keys!.scalars }, memoryKeys, "memory keys are computed once")
        XCTAssertEqual(cache.map(\.length), [4, 4])
        // After reset, the new memory is used.
        cache.forEach { $0.reset() }
        let fresh = decoder(tgt, memory: other, tgtIsCausal: true, cache: cache)
        assertClose(fresh, decoder(tgt, memory: other, tgtIsCausal: true), "decoder after reset")
    }

    func testDecoderGreedyDecodingMatchesFullPrefix() {
        for dtype in [DType.float32, .float64] {
            let decoder = TransformerDecoder(numLayers: 2) {
                TransformerDecoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16, activation: .gelu, batchFirst: true, normFirst: true)
            }
            decoder.eval()
            let positions = SinusoidalPositionalEncoding(dModel: 8, maxLength: 32, dropout: 0, batchFirst: true, dtype: dtype)
            if dtype == .float64 { useFloat64(decoder) }
            let memory = Tensor.randn([2, 5, 8], seed: 11, dtype: dtype)
            let memoryPadding = Tensor(shape: [2, 5], scalars: [false, false, false, false, true, false, false, false, false, false])
            let cache = decoder.makeCache()
            var tokens = Tensor.randn([2, 1, 8], seed: 12, dtype: dtype)   // a start token
            var step = tokens
            for _ in 0..<6 {
                let cached = decoder(positions(step, offset: cache[0].length), memory: memory, memoryKeyPaddingMask: memoryPadding,
                                     tgtIsCausal: true, cache: cache)
                let full = decoder(positions(tokens), memory: memory, memoryKeyPaddingMask: memoryPadding, tgtIsCausal: true)
                assertClose(cached, full.slice(axis: 1, start: tokens.shape[1] - 1), "decoder step \(tokens.shape[1]) \(dtype)")
                step = cached.tanh()
                tokens = concat([tokens, step], axis: 1)
            }
        }
    }

    // MARK: - Rotary attention with a cache

    func testRotaryAttentionWithCacheMatchesFullPass() {
        // A Llama-style attention: project, rotate queries and keys at their absolute positions, cache
        // the rotated keys, attend with a causal mask aligned to the end of the cache.
        for dtype in [DType.float32, .float64] {
            let (heads, headDim) = (2, 8)
            let wq = Tensor.randn([16, 16], seed: 13, dtype: dtype) * 0.25, wk = Tensor.randn([16, 16], seed: 14, dtype: dtype) * 0.25
            let wv = Tensor.randn([16, 16], seed: 15, dtype: dtype) * 0.25
            let rope = RotaryEmbedding(headDim: headDim, maxLength: 4)   // grows while decoding
            func split(_ x: Tensor) -> Tensor { x.reshaped([x.shape[0], x.shape[1], heads, headDim]).permuted([0, 2, 1, 3]) }
            func attend(_ x: Tensor, cache: KeyValueCache?) -> Tensor {
                let offset = cache?.length ?? 0
                let (q, k) = rope(query: split(matmul(x, wq)), key: split(matmul(x, wk)), offset: offset)
                var (keys, values) = (k, split(matmul(x, wv)))
                if let cache { (keys, values) = cache.append(keys: keys, values: values) }
                let (l, s) = (q.shape[2], keys.shape[2])
                let keep = Tensor.arange(0, Double(s), dtype: .int64).unsqueezed(axis: 0)
                    .<= Tensor.arange(Double(s - l), Double(s), dtype: .int64).unsqueezed(axis: 1)
                return scaledDotProductAttention(query: q, key: keys, value: values, mask: keep)
            }
            let x = Tensor.randn([2, 9, 16], seed: 16, dtype: dtype)
            let full = attend(x, cache: nil)
            let cache = KeyValueCache()
            let incremental = concat(x.split(sizes: [4, 1, 3, 1], axis: 1).map { attend($0, cache: cache) }, axis: 2)
            assertClose(incremental, full, "rotary attention \(dtype)")
            XCTAssertGreaterThanOrEqual(rope.cachedLength, 9)
        }
    }
}
