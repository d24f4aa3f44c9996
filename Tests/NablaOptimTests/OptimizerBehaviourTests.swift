import XCTest
import Nabla
import NablaNN
@testable import NablaOptim

final class OptimizerBehaviourTests: XCTestCase {
    func testParameterGroupsUseTheirOwnLearningRates() {
        let start = Tensor.randn([5], seed: 3)
        let gradient = Tensor.randn([5], seed: 4)
        let fast = Parameter(start), slow = Parameter(start)
        let optimizer = SGD([ParameterGroup([fast]), ParameterGroup([slow], learningRate: 0.01)], learningRate: 0.1, momentum: 0.5)
        XCTAssertEqual(optimizer.learningRates, [0.1, 0.01])
        XCTAssertEqual(optimizer.hyperparameter(.momentum, forGroup: 1), 0.5, "a group inherits the defaults it does not override")
        fast.grad = gradient
        slow.grad = gradient
        optimizer.step()
        let s = floats(start), g = floats(gradient)
        XCTAssertEqual(floats(fast.value), zip(s, g).map { $0 + $1 * Float(-0.1) })
        XCTAssertEqual(floats(slow.value), zip(s, g).map { $0 + $1 * Float(-0.01) })

        optimizer.setLearningRate(0.2, forGroup: 1)
        XCTAssertEqual(optimizer.learningRates, [0.1, 0.2])
    }

    func testFrozenAndGradientlessParametersAreUntouched() {
        let model = TinyNet()
        model.fc1.requiresGrad(false)
        let frozen = floats(model.fc1.weight.value)
        let optimizer = AdamW(model, learningRate: 0.1, weightDecay: 0.5)   // decay would move any stepped parameter
        for step in 0..<3 {
            setGradients(model.parameters(), step: step)   // no effect on frozen parameters
            model.fc2.bias.zeroGrad()                       // trainable, but no gradient this time
            optimizer.step()
        }
        XCTAssertNil(model.fc1.weight.grad)
        XCTAssertEqual(floats(model.fc1.weight.value), frozen)
        XCTAssertNil(optimizer.state(for: model.fc1.weight))
        XCTAssertNil(optimizer.state(for: model.fc2.bias))
        XCTAssertEqual(optimizer.state(for: model.fc2.weight)?.step, 3)
        XCTAssertNotEqual(floats(model.fc2.weight.value), floats(TinyNet().fc2.weight.value))
    }

    func testZeroGradClearsEveryGradient() {
        let model = TinyNet()
        let optimizer = SGD(model, learningRate: 0.1)
        setGradients(model.parameters(), step: 0)
        XCTAssertTrue(model.parameters().allSatisfy { $0.grad != nil })
        optimizer.zeroGrad()
        XCTAssertTrue(model.parameters().allSatisfy { $0.grad == nil })
    }

    func testUpdateIsAPureFunctionOfItsInputs() {
        let p = Tensor.randn([3, 3], seed: 7), g = Tensor.randn([3, 3], seed: 8)
        let options = Adam.Options(learningRate: 0.01, amsgrad: true)
        let (p1, s1) = Adam.update(parameter: p, gradient: g, state: OptimizerState(), options: options)
        let (p2, s2) = Adam.update(parameter: p1, gradient: g, state: s1, options: options)
        let (p2Again, _) = Adam.update(parameter: p1, gradient: g, state: s1, options: options)
        XCTAssertEqual(s1.step, 1)
        XCTAssertEqual(s2.step, 2)
        XCTAssertEqual(Set(s2.tensors.keys), ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"])
        XCTAssertEqual(floats(p2), floats(p2Again), "the input state must not change")
        XCTAssertNotEqual(floats(p2), floats(p1))
    }

    func testOptimizersAcceptModulesParametersAndGroups() {
        let model = TinyNet()
        XCTAssertEqual(Adam(model).namedParameters.map(\.0), ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        XCTAssertEqual(Adam(model.parameters()).namedParameters.map(\.0), ["0", "1", "2", "3"])
        let grouped = Adam([ParameterGroup(named: model.fc1.namedParameters()), ParameterGroup(model.fc2.parameters(), learningRate: 1)])
        XCTAssertEqual(grouped.namedParameters.map(\.0), ["weight", "bias", "2", "3"])
        XCTAssertEqual(grouped.learningRates, [1e-3, 1])
    }

    func testAddedGroupsAreNamedByIndexAndTakeTheirOptions() {
        let model = TinyNet()
        let optimizer = SGD([ParameterGroup(named: model.fc1.namedParameters())], learningRate: 0.1)
        let extra = Parameter(Tensor.ones([2]))
        optimizer.addParameterGroup(ParameterGroup([extra], learningRate: 0.5, options: [.momentum: 0.9]))
        XCTAssertEqual(optimizer.namedParameters.map(\.0), ["weight", "bias", "2"])
        XCTAssertEqual(optimizer.learningRates, [0.1, 0.5])
        extra.grad = Tensor.ones([2])
        optimizer.step()
        XCTAssertEqual(floats(extra.value), [0.5, 0.5])
        XCTAssertEqual(optimizer.state(for: extra)?.tensors.keys.sorted(), ["momentum_buffer"])
        XCTAssertEqual(optimizer.stateDict().tensors.keys.sorted(), ["state.2.momentum_buffer"])
    }
}
