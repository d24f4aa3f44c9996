import XCTest
import Nabla
import NablaNN
@testable import NablaOptim

/// Replays PyTorch's optimizer trajectories from optim.json: same initial parameters, same gradients
/// (a null gradient means the parameter has none that step), parameters compared after every step.
final class OptimizerGoldenTests: XCTestCase {
    func testEveryOptimizerCaseMatchesPyTorch() throws {
        let cases = try OptimFixtureFile.load().optimizers
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        let covered = Set(cases.map(\.optimizer))
        XCTAssertEqual(covered, ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Lion"])
        for c in cases { try replay(c) }
    }

    func testFixturesIncludeGroupsAndSkippedGradients() throws {
        let cases = try OptimFixtureFile.load().optimizers
        XCTAssertTrue(cases.contains { $0.groups.count > 1 }, "no case with several parameter groups")
        XCTAssertTrue(cases.contains { $0.grads.contains { $0.contains { $0 == nil } } }, "no case with a missing gradient")
    }

    private func replay(_ c: OptimizerCase) throws {
        let parameters = try c.params.map { Parameter(try $0.tensor()) }
        let groups = try c.groups.map { g in ParameterGroup(g.params.map { parameters[$0] }, options: try hyperparameters(g.options)) }
        let defaults = try hyperparameters(c.options)
        let optimizer = try makeOptimizer(c.optimizer, groups, defaults)
        // Every fixture option must have reached the optimizer under the right name.
        for (key, value) in defaults {
            XCTAssertEqual(optimizer.defaults[key], value, "\(c.name): option \(key) was not taken")
        }
        XCTAssertEqual(optimizer.parameterGroups.count, c.groups.count, c.name)
        XCTAssertEqual(c.grads.count, c.expected.count, c.name)
        for (step, stepGrads) in c.grads.enumerated() {
            for (i, g) in stepGrads.enumerated() {
                if let g { parameters[i].grad = try g.tensor() } else { parameters[i].zeroGrad() }
            }
            optimizer.step()
            for (i, p) in parameters.enumerated() {
                assertClose(p.value, c.expected[step][i], "\(c.name) step \(step + 1) parameter \(i)")
            }
        }
    }
}
