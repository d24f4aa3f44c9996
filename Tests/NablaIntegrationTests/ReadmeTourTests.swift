import Foundation
import XCTest
import Nabla
import NablaNN
import NablaOptim
import NablaData
import NablaCheckpoint

/// The README's API tour, compiled and run, so the front page cannot drift from the API.
final class ReadmeTourTests: XCTestCase {
    final class Classifier: Module, Layer {
        let conv = Conv2d(1, 32, kernelSize: 3), fc = Linear(5408, 10)
        func callAsFunction(_ x: Tensor) -> Tensor { fc(maxPool2d(relu(conv(x)), 2).flattened(from: 1)) }
    }

    func testTourRuns() throws {
        let x = Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]])
        let w = Tensor.randn([3, 2], seed: 0).requiringGrad()
        let y = relu(matmul(x, w)).sum()
        y.backward()
        XCTAssertEqual(w.grad?.shape, [3, 2])
        XCTAssertEqual(x[0..<2, ..., 1].shape, [2])
        let d2 = gradient(at: Tensor(2.0)) { x in gradient(at: x) { x in x * x * x } }
        XCTAssertEqual(d2.item(), 12, accuracy: 1e-12)

        let model = Classifier(), optimizer = Adam(model, learningRate: 1e-3)
        XCTAssertEqual(model.namedParameters().map(\.0), ["conv.weight", "conv.bias", "fc.weight", "fc.bias"])
        let images = Tensor.rand([64, 1, 28, 28]), labels = Tensor.randint(0, 10, [64])
        let data = (try? FashionMNIST(.test)).map { ($0.images[0..<64], $0.labels[0..<64]) } ?? (images, labels)
        let loss = crossEntropy(model(data.0), data.1)
        optimizer.zeroGrad(); loss.backward(); optimizer.step()
        let summary = model.summary(inputShape: [1, 1, 28, 28])
        XCTAssertTrue(summary.contains("54,090") || summary.contains("54090"), summary)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("readme-tour-\(getpid()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        try Classifier().load(from: url)
    }
}
