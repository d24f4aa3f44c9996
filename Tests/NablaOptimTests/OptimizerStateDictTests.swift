import XCTest
import Nabla
import NablaNN
@testable import NablaOptim

final class OptimizerStateDictTests: XCTestCase {
    /// Each optimizer kind with options that create every kind of state tensor.
    private let makers: [(String, (Module) -> Optimizer)] = [
        ("SGD", { SGD($0, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true) }),
        ("Adam", { Adam($0, learningRate: 0.01, weightDecay: 0.1, amsgrad: true) }),
        ("AdamW", { AdamW($0, learningRate: 0.01) }),
        ("RMSprop", { RMSprop($0, learningRate: 0.01, momentum: 0.9, centered: true) }),
        ("Adagrad", { Adagrad($0, learningRate: 0.1, learningRateDecay: 0.01, initialAccumulatorValue: 0.1) }),
        ("Adadelta", { Adadelta($0) }),
        ("Lion", { Lion($0, learningRate: 0.001, weightDecay: 0.1) }),
    ]

    func testRoundTripMakesLaterStepsIdentical() throws {
        for (name, make) in makers {
            let model = TinyNet(seed: 5)
            let optimizer = make(model)
            for step in 0..<3 {
                setGradients(model.parameters(), step: step)
                optimizer.step()
            }
            let saved = optimizer.stateDict()
            let savedModel = model.stateDict()
            for step in 3..<6 {
                setGradients(model.parameters(), step: step)
                optimizer.step()
            }

            // A fresh model and optimizer (with a different learning rate, which the state restores).
            let restoredModel = TinyNet(seed: 99)
            try restoredModel.loadStateDict(Dictionary(uniqueKeysWithValues: savedModel))
            let restored = make(restoredModel)
            restored.setLearningRate(123, forGroup: 0)
            try restored.loadStateDict(saved)
            XCTAssertEqual(restored.learningRates, optimizer.learningRates, name)
            for step in 3..<6 {
                setGradients(restoredModel.parameters(), step: step)
                restored.step()
            }
            for ((key, a), (_, b)) in zip(model.namedParameters(), restoredModel.namedParameters()) {
                XCTAssertEqual(floats(a.value), floats(b.value), "\(name) \(key) after restore")
            }
        }
    }

    func testStateDictLayout() {
        let model = TinyNet()
        let optimizer = Adam(model, learningRate: 0.01, betas: (0.8, 0.99))
        setGradients(model.parameters(), step: 0)
        model.fc2.bias.zeroGrad()
        optimizer.step()
        let (tensors, metadata) = optimizer.stateDict()
        XCTAssertEqual(Set(tensors.keys), ["state.fc1.weight.exp_avg", "state.fc1.weight.exp_avg_sq", "state.fc1.bias.exp_avg",
                                           "state.fc1.bias.exp_avg_sq", "state.fc2.weight.exp_avg", "state.fc2.weight.exp_avg_sq"])
        XCTAssertEqual(tensors["state.fc1.weight.exp_avg"]?.shape, [3, 4])
        XCTAssertEqual(metadata["optimizer"], "Adam")
        XCTAssertEqual(metadata["param_groups"], "1")
        XCTAssertEqual(metadata["param_groups.0.params"], #"["fc1.weight","fc1.bias","fc2.weight","fc2.bias"]"#)
        XCTAssertEqual(metadata["param_groups.0.lr"], "0.01")
        XCTAssertEqual(metadata["param_groups.0.beta1"], "0.8")
        XCTAssertEqual(metadata["param_groups.0.amsgrad"], "0.0")
        XCTAssertEqual(metadata["state.fc1.weight.step"], "1")
        XCTAssertNil(metadata["state.fc2.bias.step"])
    }

    func testLoadRejectsMismatchesNamingTheKey() throws {
        let model = TinyNet()
        let optimizer = Adam(model, learningRate: 0.01)
        setGradients(model.parameters(), step: 0)
        optimizer.step()
        let good = optimizer.stateDict()

        func expectFailure(_ key: String, _ edit: (inout [String: Tensor], inout [String: String]) -> Void,
                           line: UInt = #line) {
            var (tensors, metadata) = good
            edit(&tensors, &metadata)
            let target = Adam(TinyNet(seed: 3), learningRate: 0.5)
            XCTAssertThrowsError(try target.loadStateDict((tensors, metadata)), line: line) { error in
                guard let e = error as? OptimizerStateError else { return XCTFail("unexpected error \(error)", line: line) }
                XCTAssertTrue(e.keys.contains(key), "\(e) does not name \(key)", line: line)
                XCTAssertTrue(e.description.contains(key), line: line)
            }
            XCTAssertEqual(target.learningRates, [0.5], "a failed load must change nothing", line: line)
            XCTAssertNil(target.state(for: target.parameters[0]), line: line)
        }

        expectFailure("state.fc1.weight.exp_avg") { t, _ in t["state.fc1.weight.exp_avg"] = Tensor.zeros([4, 3]) }
        expectFailure("state.fc9.weight.exp_avg") { t, _ in t["state.fc9.weight.exp_avg"] = Tensor.zeros([3, 4]) }
        expectFailure("state.fc1.weight.momentum_buffer") { t, _ in t["state.fc1.weight.momentum_buffer"] = Tensor.zeros([3, 4]) }
        expectFailure("state.fc1.bias.exp_avg_sq") { t, _ in t["state.fc1.bias.exp_avg_sq"] = nil }
        expectFailure("state.fc2.bias.step") { _, m in m["state.fc2.bias.step"] = "two" }
        expectFailure("state.fc2.bias.step") { _, m in m["state.fc2.bias.step"] = nil }
        expectFailure("param_groups.0.lr") { _, m in m["param_groups.0.lr"] = nil }
        expectFailure("param_groups.0.eps") { _, m in m["param_groups.0.eps"] = "tiny" }
        expectFailure("param_groups.0.params") { _, m in m["param_groups.0.params"] = #"["a","b","c","d"]"# }
        expectFailure("param_groups") { _, m in m["param_groups"] = "2" }
        expectFailure("optimizer") { _, m in m["optimizer"] = "SGD" }
        expectFailure("extra") { _, m in m["extra"] = "1" }

        // And the untouched state loads.
        let target = Adam(TinyNet(seed: 3), learningRate: 0.5)
        XCTAssertNoThrow(try target.loadStateDict(good))
        XCTAssertEqual(target.learningRates, [0.01])
        XCTAssertEqual(target.state(for: target.parameters[0])?.step, 1)
    }

    func testStateFromParameterArrayIsKeyedByIndex() {
        let model = TinyNet()
        let optimizer = SGD(model.parameters(), learningRate: 0.1, momentum: 0.9)
        setGradients(model.parameters(), step: 0)
        optimizer.step()
        let (tensors, metadata) = optimizer.stateDict()
        XCTAssertEqual(Set(tensors.keys), Set((0..<4).map { "state.\($0).momentum_buffer" }))
        XCTAssertEqual(metadata["param_groups.0.params"], #"["0","1","2","3"]"#)
    }
}
