import XCTest
import Nabla
import NablaNN
@testable import NablaOptim

final class SchedulerTests: XCTestCase {
    /// An optimizer with one single-parameter group per base learning rate.
    private func makeOptimizer(_ kind: String, _ baseRates: [Double]) throws -> Optimizer {
        let groups = baseRates.map { ParameterGroup([Parameter(Tensor.zeros([1]))], learningRate: $0) }
        switch kind {
        case "SGD": return SGD(groups, momentum: 0.9)
        case "Adam": return Adam(groups)
        default: throw OptimFixtureError("unknown optimizer \(kind)")
        }
    }

    private func makeScheduler(_ c: ScheduleCase, _ optimizer: Optimizer) throws -> LRScheduler {
        switch c.scheduler {
        case "StepLR": return StepLR(optimizer, stepSize: try c.int("step_size"), gamma: try c.double("gamma"))
        case "MultiStepLR":
            return MultiStepLR(optimizer, milestones: try c.doubles("milestones").map { Int($0) }, gamma: try c.double("gamma"))
        case "ExponentialLR": return ExponentialLR(optimizer, gamma: try c.double("gamma"))
        case "CosineAnnealingLR": return CosineAnnealingLR(optimizer, tMax: try c.int("t_max"), etaMin: try c.double("eta_min"))
        case "CosineAnnealingWarmRestarts":
            return CosineAnnealingWarmRestarts(optimizer, t0: try c.int("t0"), tMult: try c.int("t_mult"), etaMin: try c.double("eta_min"))
        case "LinearWarmupCosine":
            return LinearWarmupCosine(optimizer, warmupSteps: try c.int("warmup_steps"), totalSteps: try c.int("total_steps"),
                                      startFactor: try c.double("start_factor"), etaMin: try c.double("eta_min"))
        case "OneCycleLR":
            return OneCycleLR(optimizer, maxLR: try c.doubles("max_lr"), totalSteps: try c.int("total_steps"),
                              pctStart: c.args["pct_start"]?.double ?? 0.3,
                              cycleMomentum: try c.arg("cycle_momentum").bool ?? true,
                              baseMomentum: c.args["base_momentum"]?.double ?? 0.85,
                              maxMomentum: c.args["max_momentum"]?.double ?? 0.95,
                              divFactor: c.args["div_factor"]?.double ?? 25,
                              finalDivFactor: c.args["final_div_factor"]?.double ?? 1e4)
        case "ReduceLROnPlateau":
            guard let mode = ReduceLROnPlateau.Mode(rawValue: try c.arg("mode").string ?? ""),
                  let thresholdMode = ReduceLROnPlateau.ThresholdMode(rawValue: try c.arg("threshold_mode").string ?? "") else {
                throw OptimFixtureError("\(c.name): bad mode")
            }
            return ReduceLROnPlateau(optimizer, mode: mode, factor: try c.double("factor"), patience: try c.int("patience"),
                                     threshold: try c.double("threshold"), thresholdMode: thresholdMode,
                                     cooldown: try c.int("cooldown"), minLR: try c.double("min_lr"))
        default: throw OptimFixtureError("unknown scheduler \(c.scheduler)")
        }
    }

    private func assertRates(_ actual: [Double], _ expected: [Double], _ message: String, line: UInt = #line) {
        if let problem = mismatch(actual, expected, rtol: 1e-12, atol: 1e-15) {
            XCTFail("\(message): \(problem)", line: line)
        }
    }

    func testSchedulesMatchPyTorch() throws {
        let cases = try OptimFixtureFile.load().schedulers
        XCTAssertEqual(Set(cases.map(\.scheduler)), ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
                                                     "CosineAnnealingWarmRestarts", "LinearWarmupCosine", "OneCycleLR",
                                                     "ReduceLROnPlateau"])
        for c in cases {
            let optimizer = try makeOptimizer(c.optimizer, c.base_lrs)
            let scheduler = try makeScheduler(c, optimizer)
            let momentumKey: Hyperparameter = c.optimizer == "Adam" ? .beta1 : .momentum
            for (t, expected) in c.lrs.enumerated() {
                if t > 0 {
                    if let metrics = c.metrics { scheduler.step(metric: metrics[t - 1]) } else { scheduler.step() }
                }
                XCTAssertEqual(scheduler.lastEpoch, t, c.name)
                assertRates(optimizer.learningRates, expected, "\(c.name) step \(t)")
                assertRates(scheduler.lastLearningRates, expected, "\(c.name) step \(t) lastLearningRates")
                if let momenta = c.momenta {
                    let actual = (0..<expected.count).map { optimizer.hyperparameter(momentumKey, forGroup: $0) ?? .nan }
                    assertRates(actual, momenta[t], "\(c.name) step \(t) momentum")
                }
            }
        }
    }

    func testOneCycleWithoutMomentumCyclingLeavesMomentumAlone() {
        let optimizer = SGD([Parameter(Tensor.zeros([1]))], learningRate: 0.1, momentum: 0.7)
        let scheduler = OneCycleLR(optimizer, maxLR: 1, totalSteps: 10, cycleMomentum: false)
        for _ in 0..<5 { scheduler.step() }
        XCTAssertEqual(optimizer.hyperparameter(.momentum, forGroup: 0), 0.7)
        XCTAssertNil(scheduler.momentumKey)
    }

    func testStateRoundTripContinuesTheSchedule() throws {
        let makers: [(String, (Optimizer) -> LRScheduler)] = [
            ("warm restarts", { CosineAnnealingWarmRestarts($0, t0: 3, tMult: 2, etaMin: 0.001) }),
            ("one cycle", { OneCycleLR($0, maxLR: 1, totalSteps: 20) }),
            ("warmup cosine", { LinearWarmupCosine($0, warmupSteps: 4, totalSteps: 20, startFactor: 0.1) }),
            ("plateau", { ReduceLROnPlateau($0, factor: 0.5, patience: 1, cooldown: 1) }),
        ]
        let metrics: [Double] = [5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2]
        for (name, make) in makers {
            let optimizer = SGD([Parameter(Tensor.zeros([1]))], learningRate: 0.1, momentum: 0.9)
            let scheduler = make(optimizer)
            for t in 0..<7 { scheduler.step(metric: metrics[t]) }
            let savedOptimizer = optimizer.stateDict(), savedScheduler = scheduler.stateDict()
            let savedRates = scheduler.lastLearningRates
            var expected: [[Double]] = []
            for t in 7..<16 {
                scheduler.step(metric: metrics[t])
                expected.append(optimizer.learningRates + [optimizer.hyperparameter(.momentum, forGroup: 0)!])
            }

            let other = SGD([Parameter(Tensor.zeros([1]))], learningRate: 0.1, momentum: 0.9)
            let restored = make(other)
            try other.loadStateDict(savedOptimizer)
            try restored.loadStateDict(savedScheduler)
            XCTAssertEqual(restored.lastEpoch, 7, name)
            XCTAssertEqual(restored.lastLearningRates, savedRates, name)
            var actual: [[Double]] = []
            for t in 7..<16 {
                restored.step(metric: metrics[t])
                actual.append(other.learningRates + [other.hyperparameter(.momentum, forGroup: 0)!])
            }
            XCTAssertEqual(actual, expected, name)
        }
    }

    func testLoadRejectsAnotherSchedulersState() {
        let optimizer = SGD([Parameter(Tensor.zeros([1]))], learningRate: 0.1)
        let state = StepLR(optimizer, stepSize: 2).stateDict()
        XCTAssertThrowsError(try ExponentialLR(optimizer, gamma: 0.5).loadStateDict(state)) { error in
            XCTAssertEqual((error as? LRSchedulerStateError)?.key, "scheduler")
        }
        var broken = state
        broken["last_epoch"] = "x"
        XCTAssertThrowsError(try StepLR(optimizer, stepSize: 2).loadStateDict(broken)) { error in
            XCTAssertEqual((error as? LRSchedulerStateError)?.key, "last_epoch")
        }
    }

    func testLinearWarmupCosineFormula() {
        let optimizer = SGD([Parameter(Tensor.zeros([1]))], learningRate: 1)
        let scheduler = LinearWarmupCosine(optimizer, warmupSteps: 4, totalSteps: 12, etaMin: 0.1)
        XCTAssertEqual(scheduler.lastLearningRates, [0])
        var rates: [Double] = [optimizer.learningRates[0]]
        for _ in 0..<14 {
            scheduler.step()
            rates.append(optimizer.learningRates[0])
        }
        XCTAssertEqual(Array(rates[0...4]), [0, 0.25, 0.5, 0.75, 1])
        XCTAssertEqual(rates[8], 0.1 + 0.9 * 0.5, accuracy: 1e-15)
        XCTAssertEqual(rates[12], 0.1, accuracy: 1e-15)
        XCTAssertEqual(Array(rates[13...]), [0.1, 0.1])
    }
}

final class SchedulerCheckpointTests: XCTestCase {
    func testScheduleStateTravelsWithTheOptimizerState() throws {
        let model = TinyNet()
        let optimizer = SGD(model, learningRate: 0.1, momentum: 0.9)
        let scheduler = CosineAnnealingWarmRestarts(optimizer, t0: 2, tMult: 2)
        XCTAssertTrue(optimizer.scheduler === scheduler)
        for _ in 0..<5 { scheduler.step() }
        let saved = optimizer.stateDict()
        XCTAssertEqual(saved.metadata["scheduler.scheduler"], "CosineAnnealingWarmRestarts")
        XCTAssertEqual(saved.metadata["scheduler.last_epoch"], "5")
        scheduler.step()
        let next = optimizer.learningRates

        let other = SGD(TinyNet(), learningRate: 0.1, momentum: 0.9)
        let otherScheduler = CosineAnnealingWarmRestarts(other, t0: 2, tMult: 2)
        try other.loadStateDict(saved)
        XCTAssertEqual(otherScheduler.lastEpoch, 5)
        otherScheduler.step()
        XCTAssertEqual(other.learningRates, next)

        // A schedule of another kind refuses the state, naming the key, and nothing changes.
        let third = SGD(TinyNet(), learningRate: 0.1, momentum: 0.9)
        let plateau = ReduceLROnPlateau(third)
        XCTAssertThrowsError(try third.loadStateDict(saved)) { error in
            XCTAssertEqual((error as? OptimizerStateError)?.keys, ["scheduler.scheduler"])
        }
        XCTAssertEqual(plateau.lastEpoch, 0)
        XCTAssertEqual(third.learningRates, [0.1])

        // Without a schedule the entries are ignored.
        let plain = SGD(TinyNet(), learningRate: 0.3, momentum: 0.9)
        XCTAssertNoThrow(try plain.loadStateDict(saved))
        XCTAssertEqual(plain.learningRates, optimizer.learningRates.map { _ in Double(saved.metadata["param_groups.0.lr"]!)! })
    }
}
