import XCTest
import Nabla
import NablaNN

/// Golden values from PyTorch (Fixtures/losses.json, written by scripts/generate_loss_fixtures.py)
/// replayed forward and backward, plus float64 finite-difference gradient checks of every loss.
final class LossTests: XCTestCase {
    /// Every loss the fixtures must cover, by its torch.nn.functional name.
    static let losses: Set<String> = [
        "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
        "binary_cross_entropy_with_logits", "kl_div", "cosine_embedding_loss", "margin_ranking_loss",
    ]

    /// Calls the Swift loss named by a fixture case (throws for an unknown name).
    static func evaluate(_ c: LossFixtureCase, _ x: LossFixtureInputs) throws -> Tensor {
        switch c.loss {
        case "cross_entropy":
            return crossEntropy(try x.required("input"), try x.required("target"), weight: x.optional("weight"),
                                ignoreIndex: try c.int("ignore_index"), reduction: try c.reduction(),
                                labelSmoothing: try c.double("label_smoothing"))
        case "nll_loss":
            return nllLoss(try x.required("input"), try x.required("target"), weight: x.optional("weight"),
                           ignoreIndex: try c.int("ignore_index"), reduction: try c.reduction())
        case "mse_loss":
            return mseLoss(try x.required("input"), try x.required("target"), reduction: try c.reduction())
        case "l1_loss":
            return l1Loss(try x.required("input"), try x.required("target"), reduction: try c.reduction())
        case "smooth_l1_loss":
            return smoothL1Loss(try x.required("input"), try x.required("target"), reduction: try c.reduction(),
                                beta: try c.double("beta"))
        case "huber_loss":
            return huberLoss(try x.required("input"), try x.required("target"), reduction: try c.reduction(),
                             delta: try c.double("delta"))
        case "binary_cross_entropy":
            return binaryCrossEntropy(try x.required("input"), try x.required("target"), weight: x.optional("weight"),
                                      reduction: try c.reduction())
        case "binary_cross_entropy_with_logits":
            return binaryCrossEntropyWithLogits(try x.required("input"), try x.required("target"), weight: x.optional("weight"),
                                                reduction: try c.reduction(), posWeight: x.optional("pos_weight"))
        case "kl_div":
            return klDiv(try x.required("input"), try x.required("target"), reduction: try c.klReduction(),
                         logTarget: try c.bool("log_target"))
        case "cosine_embedding_loss":
            return cosineEmbeddingLoss(try x.required("input1"), try x.required("input2"), try x.required("target"),
                                       margin: try c.double("margin"), reduction: try c.reduction())
        case "margin_ranking_loss":
            return marginRankingLoss(try x.required("input1"), try x.required("input2"), try x.required("target"),
                                     margin: try c.double("margin"), reduction: try c.reduction())
        default:
            throw LossFixtureError("unknown loss \"\(c.loss)\"")
        }
    }

    /// Replays one case: the output, then the gradients of sum(output · upstream) for the listed roles.
    static func replay(_ c: LossFixtureCase) throws -> [String] {
        var tensors: [String: Tensor] = [:]
        for (role, t) in c.inputs { tensors[role] = try t.makeTensor() }
        let gradRoles = c.grads.keys.sorted()
        for role in gradRoles {
            guard let t = tensors[role] else { throw LossFixtureError("a gradient for \"\(role)\", which is not an input") }
            tensors[role] = t.requiringGrad()
        }
        let inputs = LossFixtureInputs(tensors)
        let output = try evaluate(c, inputs)
        var problems: [String] = []
        if !inputs.unused.isEmpty { problems.append("inputs \(inputs.unused) were not passed to the loss") }
        if let problem = lossMismatch(output, c.output) { problems.append("output: \(problem)") }
        guard !gradRoles.isEmpty else { return problems }
        guard let upstreamFixture = c.upstream else { throw LossFixtureError("grads without an upstream") }
        guard output.requiresGrad else { return problems + ["the output does not require a gradient"] }
        let upstream = try upstreamFixture.makeTensor()
        guard upstream.shape == output.shape else { return problems + ["upstream \(upstream.shape) for output \(output.shape)"] }
        let grads = gradients(of: output, wrt: gradRoles.map { tensors[$0]! }, seed: upstream)
        for (role, g) in zip(gradRoles, grads) {
            if let problem = lossMismatch(g, c.grads[role]!) { problems.append("gradient of \(role): \(problem)") }
        }
        return problems
    }

    /// Replays every case of `loss`, asserting that there are at least `minimum` of them.
    func replayCases(of loss: String, minimum: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let cases = try LossFixtureFile.load().cases.filter { $0.loss == loss }
        XCTAssertGreaterThanOrEqual(cases.count, minimum, "too few \(loss) fixtures", file: file, line: line)
        for c in cases {
            do {
                for problem in try Self.replay(c) { XCTFail("\(c.name): \(problem)", file: file, line: line) }
            } catch {
                XCTFail("\(c.name): \(error)", file: file, line: line)
            }
        }
    }

    // MARK: - Fixture file

    func testFixtureFileNamesOnlyKnownLosses() throws {
        let file = try LossFixtureFile.load()
        XCTAssertEqual(file.generator, "scripts/generate_loss_fixtures.py")
        XCTAssertGreaterThanOrEqual(file.cases.count, 150)
        XCTAssertEqual(Set(file.cases.map(\.name)).count, file.cases.count, "case names must be unique")
        for c in file.cases where !Self.losses.contains(c.loss) {
            XCTFail("\(c.name): unknown loss \"\(c.loss)\"")
        }
        XCTAssertEqual(Set(file.cases.map(\.loss)), Self.losses, "every loss needs fixtures")
    }

    func testUnknownLossNameFailsReplay() throws {
        var c = try LossFixtureFile.load().cases.first { $0.loss == "mse_loss" }!
        c = LossFixtureCase(name: "bogus", loss: "mse_loss_v2", attrs: c.attrs, inputs: c.inputs, output: c.output,
                            upstream: c.upstream, grads: c.grads)
        XCTAssertThrowsError(try Self.replay(c))
    }

    func testReplayDetectsWrongValues() throws {
        let c = try LossFixtureFile.load().cases.first { $0.name == "ce_index_mean_weight_ignore" }!
        XCTAssertEqual(try Self.replay(c), [])
        // The same inputs without the class weight must not match PyTorch's weighted value.
        var inputs = c.inputs
        inputs["weight"] = nil
        let unweighted = LossFixtureCase(name: c.name, loss: c.loss, attrs: c.attrs, inputs: inputs, output: c.output,
                                         upstream: c.upstream, grads: c.grads)
        XCTAssertFalse(try Self.replay(unweighted).isEmpty)
    }

    // MARK: - Golden replays, one test per loss

    func testCrossEntropyGolden() throws { try replayCases(of: "cross_entropy", minimum: 60) }
    func testNLLLossGolden() throws { try replayCases(of: "nll_loss", minimum: 15) }
    func testMSELossGolden() throws { try replayCases(of: "mse_loss", minimum: 5) }
    func testL1LossGolden() throws { try replayCases(of: "l1_loss", minimum: 4) }
    func testSmoothL1LossGolden() throws { try replayCases(of: "smooth_l1_loss", minimum: 9) }
    func testHuberLossGolden() throws { try replayCases(of: "huber_loss", minimum: 9) }
    func testBinaryCrossEntropyGolden() throws { try replayCases(of: "binary_cross_entropy", minimum: 8) }
    func testBinaryCrossEntropyWithLogitsGolden() throws { try replayCases(of: "binary_cross_entropy_with_logits", minimum: 16) }
    func testKLDivGolden() throws { try replayCases(of: "kl_div", minimum: 10) }
    func testCosineEmbeddingLossGolden() throws { try replayCases(of: "cosine_embedding_loss", minimum: 8) }
    func testMarginRankingLossGolden() throws { try replayCases(of: "margin_ranking_loss", minimum: 7) }
}
