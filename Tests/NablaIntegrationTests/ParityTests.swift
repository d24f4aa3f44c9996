import Foundation
import XCTest
import Nabla
import NablaNN
import NablaOptim

/// End-to-end parity with PyTorch (`scripts/generate_parity_fixtures.py`): a small CNN+MLP with
/// PyTorch's weights and batch gives the same logits, loss and parameter gradients, and the same
/// parameters after 3 steps of each optimizer, within 1e-5 relative (float32).
final class ParityTests: XCTestCase {
    private struct Fixture {
        let json: [String: Any]
        func tensor(_ object: Any?) -> Tensor {
            let t = object as! [String: Any]
            let shape = (t["shape"] as! [NSNumber]).map(\.intValue)
            let data = t["data"] as! [NSNumber]
            if t["dtype"] as! String == "int64" { return Tensor(shape: shape, scalars: data.map(\.int64Value)) }
            return Tensor(shape: shape, scalars: data.map(\.floatValue))
        }
        func tensors(_ object: Any?) -> [String: Tensor] {
            (object as! [String: Any]).mapValues { tensor($0) }
        }
    }

    private func loadFixture() throws -> Fixture {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/parity", withExtension: "json"))
        return Fixture(json: try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any])
    }

    private func makeModel(_ fixture: Fixture) throws -> Sequential {
        let model = Sequential(Conv2d(1, 4, kernelSize: 3), ReLU(), MaxPool2d(kernelSize: 2), Flatten(),
                               Linear(36, 16), ReLU(), Linear(16, 10))
        try model.loadStateDict(fixture.tensors(fixture.json["state_dict"]))
        return model
    }

    /// |a - b| <= atol + rtol * |b| elementwise.
    private func assertClose(_ actual: Tensor, _ expected: Tensor, rtol: Double = 1e-5, atol: Double = 1e-6, _ what: String) {
        XCTAssertEqual(actual.shape, expected.shape, what)
        guard actual.shape == expected.shape else { return }
        for (i, (a, b)) in zip(actual.scalars, expected.scalars).enumerated() where Swift.abs(a - b) > atol + rtol * Swift.abs(b) {
            XCTFail("\(what): element \(i) is \(a), PyTorch has \(b)")
            return
        }
    }

    func testForwardLossAndGradientsMatchPyTorch() throws {
        let fixture = try loadFixture()
        let model = try makeModel(fixture)
        let x = fixture.tensor(fixture.json["input"]), y = fixture.tensor(fixture.json["labels"])
        let logits = model(x)
        assertClose(logits, fixture.tensor(fixture.json["logits"]), "logits")
        let loss = crossEntropy(logits, y)
        let expectedLoss = (fixture.json["loss"] as! NSNumber).doubleValue
        XCTAssertEqual(loss.item(), expectedLoss, accuracy: 1e-5 * Swift.abs(expectedLoss))
        loss.backward()
        let grads = fixture.tensors(fixture.json["grads"])
        let named = Dictionary(uniqueKeysWithValues: model.namedParameters())
        XCTAssertEqual(Set(named.keys), Set(grads.keys), "parameter names must be PyTorch's")
        for (name, expected) in grads {
            assertClose(try XCTUnwrap(named[name]?.grad, name), expected, "gradient of \(name)")
        }
    }

    private func makeOptimizer(_ name: String, _ model: Module) -> Optimizer? {
        switch name {
        case "sgd": return SGD(model, learningRate: 0.1)
        case "sgd_momentum_nesterov_wd": return SGD(model, learningRate: 0.05, momentum: 0.9, weightDecay: 1e-2, nesterov: true)
        case "adam": return Adam(model, learningRate: 1e-2)
        case "adam_amsgrad_wd": return Adam(model, learningRate: 1e-2, weightDecay: 1e-2, amsgrad: true)
        case "adamw": return AdamW(model, learningRate: 1e-2, weightDecay: 0.1)
        case "rmsprop": return RMSprop(model, learningRate: 1e-2)
        case "rmsprop_centered_momentum": return RMSprop(model, learningRate: 1e-2, momentum: 0.5, centered: true)
        case "adagrad": return Adagrad(model, learningRate: 0.1)
        case "adadelta": return Adadelta(model, learningRate: 1.0)
        default: return nil
        }
    }

    func testThreeStepsOfEachOptimizerMatchPyTorch() throws {
        let fixture = try loadFixture()
        let x = fixture.tensor(fixture.json["input"]), y = fixture.tensor(fixture.json["labels"])
        let optimizers = fixture.json["optimizers"] as! [String: Any]
        XCTAssertEqual(optimizers.count, 9)
        for (name, entry) in optimizers.sorted(by: { $0.key < $1.key }) {
            let model = try makeModel(fixture)
            let optimizer = try XCTUnwrap(makeOptimizer(name, model), "optimizer \(name) has no Nabla counterpart in this test")
            let steps = (entry as! [String: Any])["steps"] as! [Any]
            for (i, step) in steps.enumerated() {
                optimizer.zeroGrad()
                crossEntropy(model(x), y).backward()
                optimizer.step()
                let state = Dictionary(uniqueKeysWithValues: model.stateDict())
                for (key, expected) in fixture.tensors(step) {
                    assertClose(try XCTUnwrap(state[key]), expected, "\(name) step \(i + 1): \(key)")
                }
            }
        }
    }
}
