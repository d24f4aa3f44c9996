import XCTest
import Nabla
import NablaNN

/// The user module of the fixture's "net" model (same properties, same order).
final class TreeTestNet: Module, Layer {
    let conv1 = Conv2d(1, 4, kernelSize: 3)
    let bn1 = BatchNorm2d(4)
    let fc1 = Linear(4 * 3 * 3, 8)
    let fc2 = Linear(8, 2, bias: false)

    func callAsFunction(_ x: Tensor) -> Tensor {
        let h = maxPool2d(relu(bn1(conv1(x))), 2)
        return fc2(relu(fc1(h.flattened(from: 1))))
    }
}

/// The fixture's "stack" model: an embedding, a ModuleList of Sequential blocks, a norm and a head.
final class TreeTestStack: Module, Layer {
    let embed = Embedding(10, 6)
    let blocks = ModuleList((0..<2).map { _ in Sequential(Linear(6, 6), GELU(), Dropout(p: 0.1)) })
    let norm = LayerNorm(6)
    let head = Linear(6, 3)

    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = embed(x)
        for block in blocks.modules { h = h + (block as! Sequential)(h) }
        return head(norm(h))
    }
}

final class ModuleTreeTests: XCTestCase {
    private func model(_ name: String) throws -> LayerModelFixture {
        guard let m = try LayerFixtures.load().models[name] else { throw LayerFixtureError("no model \(name) in layers.json") }
        return m
    }

    /// Names (in order), state keys and parameter counts equal PyTorch's for the same architecture.
    private func assertMatchesPyTorch(_ module: Module, _ fixture: LayerModelFixture, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(module.namedParameters().map(\.0), fixture.parameterNames, "\(fixture.name): parameter names", file: file, line: line)
        XCTAssertEqual(Set(module.stateDict().map(\.0)), Set(fixture.stateKeys), "\(fixture.name): state dict keys", file: file, line: line)
        XCTAssertEqual(module.stateDict().count, fixture.stateKeys.count, "\(fixture.name): state dict size", file: file, line: line)
        XCTAssertEqual(module.parameterCount, fixture.parameterCount, "\(fixture.name): parameterCount", file: file, line: line)
        XCTAssertEqual(module.trainableParameterCount, fixture.trainableCount, "\(fixture.name): trainableParameterCount", file: file, line: line)
    }

    func testSequentialNamesMatchPyTorch() throws {
        let model = Sequential(Conv2d(1, 4, kernelSize: 3), ReLU(), MaxPool2d(kernelSize: 2), Flatten(), Linear(4 * 13 * 13, 10))
        XCTAssertEqual(model.namedParameters().map(\.0), ["0.weight", "0.bias", "4.weight", "4.bias"])
        assertMatchesPyTorch(model, try self.model("sequential_cnn"))
        XCTAssertEqual(model(Tensor.zeros([2, 1, 28, 28])).shape, [2, 10])
    }

    func testUserModuleNamesMatchPyTorch() throws {
        let net = TreeTestNet()
        assertMatchesPyTorch(net, try model("net"))
        XCTAssertEqual(net.namedBuffers().map(\.0), ["bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked"])
        XCTAssertEqual(net.namedBuffers().last?.1.value.dtype, .int64)
        XCTAssertEqual(net(Tensor.randn([2, 1, 8, 8], seed: 1)).shape, [2, 2])
    }

    func testModuleListNamesMatchPyTorch() throws {
        let stack = TreeTestStack()
        assertMatchesPyTorch(stack, try model("stack"))
        XCTAssertEqual(stack(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 9] as [Int64])).shape, [2, 3, 3])
    }

    func testNormalisationLayerNamesMatchPyTorch() throws {
        let model = Sequential(Linear(4, 8), BatchNorm1d(8), ReLU(), Linear(8, 8), GroupNorm(2, 8), RMSNorm(8), Linear(8, 2))
        assertMatchesPyTorch(model, try self.model("sequential_norms"))
    }

    func testTrainAndEvalPropagate() {
        let stack = TreeTestStack()
        XCTAssertTrue(stack.namedModules().allSatisfy { $0.1.isTraining })
        stack.eval()
        XCTAssertTrue(stack.namedModules().allSatisfy { !$0.1.isTraining })
        XCTAssertGreaterThan(stack.namedModules().count, 8)
        // Evaluation mode is deterministic (dropout off); training mode is not.
        let x = Tensor(shape: [4, 5], scalars: (0..<20).map { Int64($0 % 10) })
        XCTAssertEqual(stack(x).scalars, stack(x).scalars)
        stack.train()
        XCTAssertTrue(stack.namedModules().allSatisfy { $0.1.isTraining })
        XCTAssertNotEqual(stack(x).scalars, stack(x).scalars)
        // Switching a subtree leaves the rest alone.
        stack.blocks.eval()
        XCTAssertTrue(stack.isTraining)
        XCTAssertFalse(stack.blocks[0].isTraining)
        XCTAssertFalse((stack.blocks[1] as! Sequential)[2].isTraining)
        XCTAssertTrue(stack.head.isTraining)
    }

    func testFrozenParametersGetNoGradient() {
        let net = TreeTestNet()
        net.conv1.requiresGrad(false)
        XCTAssertEqual(net.trainableParameterCount, net.parameterCount - net.conv1.parameterCount)
        XCTAssertEqual(net.conv1.parameterCount, 4 * 9 + 4)
        let loss = net(Tensor.randn([2, 1, 8, 8], seed: 3)).square().sum()
        loss.backward()
        for (name, p) in net.namedParameters() {
            if name.hasPrefix("conv1.") {
                XCTAssertNil(p.grad, "\(name) is frozen but got a gradient")
                XCTAssertFalse(p.requiresGrad)
            } else {
                XCTAssertNotNil(p.grad, "\(name) is trainable but got no gradient")
            }
        }
        // Unfreezing brings the gradient back.
        net.zeroGrad()
        net.conv1.requiresGrad(true)
        net(Tensor.randn([2, 1, 8, 8], seed: 4)).sum().backward()
        XCTAssertNotNil(net.conv1.weight.grad)
    }

    func testParameterCountOfLayers() {
        XCTAssertEqual(Linear(10, 5).parameterCount, 55)
        XCTAssertEqual(Linear(10, 5, bias: false).parameterCount, 50)
        XCTAssertEqual(Conv2d(3, 8, kernelSize: 3, groups: 1).parameterCount, 8 * 3 * 9 + 8)
        XCTAssertEqual(Conv2d(4, 8, kernelSize: (3, 2), groups: 2, bias: false).parameterCount, 8 * 2 * 6)
        XCTAssertEqual(ConvTranspose2d(4, 6, kernelSize: 2, groups: 2).parameterCount, 4 * 3 * 4 + 6)
        XCTAssertEqual(Bilinear(3, 4, 5).parameterCount, 5 * 3 * 4 + 5)
        XCTAssertEqual(BatchNorm2d(7).parameterCount, 14)
        XCTAssertEqual(BatchNorm2d(7, affine: false).parameterCount, 0)
        XCTAssertEqual(BatchNorm2d(7, trackRunningStats: false).namedBuffers().count, 0)
        XCTAssertEqual(LayerNorm([3, 4]).parameterCount, 24)
        XCTAssertEqual(RMSNorm(6).parameterCount, 6)
        XCTAssertEqual(Embedding(100, 16).parameterCount, 1600)
        XCTAssertEqual(ReLU().parameterCount, 0)
    }

    func testWeightTyingCountsSharedParametersOnce() {
        let embed = Embedding(10, 4), out = Linear(4, 10, bias: false)
        out.weight = embed.weight
        let model = ModuleList([embed, out])
        XCTAssertEqual(model.namedParameters().map(\.0), ["0.weight"])
        XCTAssertEqual(model.parameterCount, 40)
    }
}
