import XCTest
import Nabla
import NablaNN

/// Float64 finite-difference gradient checks of every loss (every reduction and the main options),
/// with respect to every floating-point argument, plus behaviour the fixtures cannot show.
final class LossTestsGradientChecks: XCTestCase {
    let reductions: [Reduction] = [.none, .mean, .sum]

    func testCrossEntropyClassIndices() {
        let logits = LossData.normal([4, 5], seed: 1, scale: 2)
        let target = Tensor([0, 4, -100, 2] as [Int64])
        let weight = LossData.uniform([5], seed: 2, 0.3, 2)
        for reduction in reductions {
            for smoothing in [0, 0.1] {
                checkLossGradients("crossEntropy \(reduction) ε=\(smoothing)", [logits, target], wrt: [0]) {
                    crossEntropy($0[0], $0[1], reduction: reduction, labelSmoothing: smoothing)
                }
                checkLossGradients("crossEntropy weighted \(reduction) ε=\(smoothing)", [logits, target, weight], wrt: [0, 2]) {
                    crossEntropy($0[0], $0[1], weight: $0[2], reduction: reduction, labelSmoothing: smoothing)
                }
            }
        }
    }

    func testCrossEntropyKDimensionalAndUnbatched() {
        let logits = LossData.normal([2, 3, 2, 2], seed: 3)
        let target = Tensor(shape: [2, 2, 2], scalars: [0, 2, -100, 1, 1, 0, 2, -100] as [Int64])
        let weight = LossData.uniform([3], seed: 4, 0.3, 2)
        for reduction in reductions {
            checkLossGradients("crossEntropy 4-d \(reduction)", [logits, target, weight], wrt: [0, 2]) {
                crossEntropy($0[0], $0[1], weight: $0[2], reduction: reduction, labelSmoothing: 0.1)
            }
        }
        checkLossGradients("crossEntropy unbatched", [LossData.normal([6], seed: 5), Tensor(Int64(4))], wrt: [0]) {
            crossEntropy($0[0], $0[1], labelSmoothing: 0.2)
        }
    }

    func testCrossEntropyProbabilityTargets() {
        let logits = LossData.normal([3, 4, 2], seed: 6)
        let target = LossData.probabilities([3, 4, 2], seed: 7)
        let weight = LossData.uniform([4], seed: 8, 0.3, 2)
        for reduction in reductions {
            checkLossGradients("crossEntropy probabilities \(reduction)", [logits, target, weight], wrt: [0, 1, 2]) {
                crossEntropy($0[0], $0[1], weight: $0[2], reduction: reduction, labelSmoothing: 0.1)
            }
            checkLossGradients("crossEntropy probabilities unweighted \(reduction)", [logits, target], wrt: [0, 1]) {
                crossEntropy($0[0], $0[1], reduction: reduction)
            }
        }
    }

    func testNLLLoss() {
        let input = logSoftmax(LossData.normal([5, 3], seed: 9), axis: 1).detached()
        let target = Tensor([2, -100, 0, 1, 2] as [Int64])
        let weight = LossData.uniform([3], seed: 10, 0.3, 2)
        for reduction in reductions {
            checkLossGradients("nllLoss \(reduction)", [input, target, weight], wrt: [0, 2]) {
                nllLoss($0[0], $0[1], weight: $0[2], reduction: reduction)
            }
            checkLossGradients("nllLoss ignoreIndex 1 \(reduction)", [input, Tensor([2, 1, 0, 1, 2] as [Int64])], wrt: [0]) {
                nllLoss($0[0], $0[1], ignoreIndex: 1, reduction: reduction)
            }
        }
    }

    func testRegressionLosses() {
        let (input, target) = LossData.spreadPairs([3, 4], seed: 11, kinks: [0.5, 1, 2])
        for reduction in reductions {
            checkLossGradients("mseLoss \(reduction)", [input, target], wrt: [0, 1]) { mseLoss($0[0], $0[1], reduction: reduction) }
            checkLossGradients("l1Loss \(reduction)", [input, target], wrt: [0, 1]) { l1Loss($0[0], $0[1], reduction: reduction) }
            for beta in [0, 0.5, 1] {
                checkLossGradients("smoothL1Loss β=\(beta) \(reduction)", [input, target], wrt: [0, 1]) {
                    smoothL1Loss($0[0], $0[1], reduction: reduction, beta: beta)
                }
            }
            for delta in [0.5, 1, 2] {
                checkLossGradients("huberLoss δ=\(delta) \(reduction)", [input, target], wrt: [0, 1]) {
                    huberLoss($0[0], $0[1], reduction: reduction, delta: delta)
                }
            }
        }
        let row = LossData.normal([4], seed: 12)
        checkLossGradients("mseLoss broadcast target", [input, row], wrt: [0, 1]) { mseLoss($0[0], $0[1]) }
    }

    func testBinaryCrossEntropy() {
        let input = LossData.uniform([3, 4], seed: 13, 0.05, 0.95)
        let target = LossData.uniform([3, 4], seed: 14, 0, 1)
        let weight = LossData.uniform([4], seed: 15, 0.3, 2)
        for reduction in reductions {
            checkLossGradients("binaryCrossEntropy \(reduction)", [input, target, weight], wrt: [0, 1, 2]) {
                binaryCrossEntropy($0[0], $0[1], weight: $0[2], reduction: reduction)
            }
        }
    }

    func testBinaryCrossEntropyWithLogits() {
        let input = LossData.normal([3, 4], seed: 16, scale: 3)
        let target = LossData.uniform([3, 4], seed: 17, 0, 1)
        let weight = LossData.uniform([3, 1], seed: 18, 0.3, 2)
        let posWeight = LossData.uniform([4], seed: 19, 0.5, 4)
        for reduction in reductions {
            checkLossGradients("binaryCrossEntropyWithLogits \(reduction)", [input, target, weight, posWeight], wrt: [0, 1, 2, 3]) {
                binaryCrossEntropyWithLogits($0[0], $0[1], weight: $0[2], reduction: reduction, posWeight: $0[3])
            }
            checkLossGradients("binaryCrossEntropyWithLogits plain \(reduction)", [input, target], wrt: [0, 1]) {
                binaryCrossEntropyWithLogits($0[0], $0[1], reduction: reduction)
            }
        }
        // log σ at exactly 0 has slope 1/2; `minimum`'s even split at the tie must give it.
        let zero = Tensor([0.0, 0.0]).requiringGrad()
        let g = gradients(of: binaryCrossEntropyWithLogits(zero, Tensor([1.0, 0.0]), reduction: .sum), wrt: [zero])[0]
        XCTAssertEqual(g.scalars, [-0.5, 0.5])
    }

    func testKLDiv() {
        let input = logSoftmax(LossData.normal([3, 5], seed: 20), axis: 1).detached()
        let target = LossData.probabilities([3, 5], seed: 21)
        let logTarget = logSoftmax(LossData.normal([3, 5], seed: 22), axis: 1).detached()
        for reduction in KLDivReduction.allCases {
            checkLossGradients("klDiv \(reduction)", [input, target], wrt: [0, 1]) { klDiv($0[0], $0[1], reduction: reduction) }
            checkLossGradients("klDiv logTarget \(reduction)", [input, logTarget], wrt: [0, 1]) {
                klDiv($0[0], $0[1], reduction: reduction, logTarget: true)
            }
        }
        // 0 · log 0 = 0, and a zero target gives finite gradients (-target for the input).
        let withZero = Tensor([0.0, 0.5, 0.5])
        let x = Tensor([-1.0, -0.5, -2.0]).requiringGrad(), t = withZero.requiringGrad()
        let kl = klDiv(x, t, reduction: .sum)
        XCTAssertEqual(kl.item(), 0.5 * (log(0.5) + 0.5) + 0.5 * (log(0.5) + 2), accuracy: 1e-12)
        let grads = gradients(of: kl, wrt: [x, t])
        XCTAssertEqual(grads[0].scalars, [0, -0.5, -0.5])
        XCTAssertTrue(grads[1].scalars.allSatisfy(\.isFinite))
    }

    func testPairLosses() {
        let a = LossData.normal([5, 4], seed: 23), b = LossData.normal([5, 4], seed: 24)
        let labels = LossData.signs([5], seed: 25)
        let s1 = LossData.normal([6], seed: 26), s2 = LossData.normal([6], seed: 27)
        let order = LossData.signs([6], seed: 28)
        for reduction in reductions {
            checkLossGradients("cosineEmbeddingLoss \(reduction)", [a, b, labels], wrt: [0, 1]) {
                cosineEmbeddingLoss($0[0], $0[1], $0[2], margin: -0.3, reduction: reduction)
            }
            checkLossGradients("marginRankingLoss \(reduction)", [s1, s2, order], wrt: [0, 1, 2]) {
                marginRankingLoss($0[0], $0[1], $0[2], margin: 0.5, reduction: reduction)
            }
        }
        checkLossGradients("cosineEmbeddingLoss unbatched", [LossData.normal([4], seed: 29), LossData.normal([4], seed: 30), Tensor(1.0)],
                           wrt: [0, 1]) { cosineEmbeddingLoss($0[0], $0[1], $0[2]) }
    }

    // MARK: - Behaviour

    /// With more than 100 classes, -100 would be a valid (wrapped) gather index: it must still be ignored.
    func testIgnoreIndexIsMaskedNotWrapped() {
        let logits = LossData.normal([3, 128], seed: 31).requiringGrad()
        let target = Tensor([5, -100, 127] as [Int64])
        let loss = crossEntropy(logits, target)
        let logp = logSoftmax(logits, axis: 1).detached().scalars
        XCTAssertEqual(loss.item(), -(logp[5] + logp[2 * 128 + 127]) / 2, accuracy: 1e-12)
        let g = gradients(of: loss, wrt: [logits])[0]
        XCTAssertEqual(g[1].abs().sum().item(), 0, "an ignored row gets no gradient")
        XCTAssertEqual(crossEntropy(logits, target, reduction: .none).scalars[1], 0)
    }

    func testReductionNoneKeepsTargetShape() {
        let logits = Tensor.randn([2, 3, 4, 5], seed: 32)
        XCTAssertEqual(crossEntropy(logits, Tensor.randint(0, 3, [2, 4, 5], generator: Generator(seed: 1)), reduction: .none).shape, [2, 4, 5])
        XCTAssertEqual(crossEntropy(logits, softmax(logits, axis: 1), reduction: .none).shape, [2, 4, 5])
        XCTAssertEqual(crossEntropy(Tensor.randn([7], seed: 3), Tensor(Int64(2)), reduction: .none).shape, [])
        XCTAssertEqual(crossEntropy(logits, softmax(logits, axis: 1)).shape, [])
        XCTAssertEqual(mseLoss(logits, logits, reduction: .none).shape, logits.shape)
    }

    /// The primitives recorded by the training-step form `crossEntropy(logits, labels)`: one log-softmax,
    /// one gather, no [N, C] one-hot or mask. Guards the op count of the hot path.
    func testCrossEntropyClassIndexTapeIsSmall() {
        let logits = Tensor.randn([64, 10], seed: 33).requiringGrad()
        let loss = crossEntropy(logits, Tensor.randint(0, 10, [64], generator: Generator(seed: 2)))
        var seen = Set<ObjectIdentifier>(), stack = [loss.gradFn].compactMap { $0 }, primitives: [String] = []
        while let node = stack.popLast() {
            guard seen.insert(ObjectIdentifier(node)).inserted else { continue }
            primitives.append("\(node.primitive)")
            stack += node.inputs.compactMap(\.gradFn)
        }
        XCTAssertLessThanOrEqual(primitives.count, 10, "\(primitives)")
        XCTAssertEqual(primitives.filter { $0.hasPrefix("gather") }.count, 1, "\(primitives)")
        XCTAssertEqual(primitives.filter { $0 == "exp" }.count, 1, "log-softmax is computed once: \(primitives)")
    }

    func testKLDivReductionFromReduction() {
        XCTAssertEqual(Reduction.allCases.map(KLDivReduction.init), [.none, .mean, .sum])
    }

    /// The float32 forward of the class-index path matches the float64 one (no cancellation from
    /// large logits): logits of 1e4 with a 3-unit gap.
    func testCrossEntropyLargeLogitsFloat32() {
        let logits = Tensor([[10_000, 10_003, 9_999]] as [[Float]])
        let loss = crossEntropy(logits, Tensor([0] as [Int64])).item()
        let expected = 3 + log(1 + exp(-3.0) + exp(-4.0))
        XCTAssertEqual(loss, expected, accuracy: 1e-5)
    }
}
