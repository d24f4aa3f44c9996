import Foundation
import XCTest
import Nabla
import NablaNN
import NablaOptim
import NablaData
import NablaCheckpoint
import NablaTrain
import NablaGraph
import NablaONNX

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

    /// The README's Keras-style section, on 512 training and 200 test images so it stays quick.
    func testKerasStyleTourRuns() throws {
        guard let train = try? FashionMNIST(.train), let test = try? FashionMNIST(.test) else {
            print("SKIP: ReadmeTourTests.testKerasStyleTourRuns: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
            throw XCTSkip("Fashion-MNIST is not installed")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("readme-fit-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = Classifier()
        let loader = DataLoader(try TensorDataset(train.images[0..<512], train.labels[0..<512]), batchSize: 64, shuffle: true, seed: 0, workers: 1)
        let testLoader = DataLoader(try TensorDataset(test.images[0..<200], test.labels[0..<200]), batchSize: 1000)
        model.compile(optimizer: Adam(model, learningRate: 1e-3), loss: .crossEntropy, metrics: [.accuracy, .f1(.macro)])
        let history = try model.fit(loader, epochs: 2, validationData: testLoader, callbacks: [
            EarlyStopping(monitor: "val_loss", patience: 2, restoreBestWeights: true),
            ModelCheckpoint(dir.appendingPathComponent("epoch-{epoch}.safetensors").path),
            TensorBoard(logDir: dir.path), CSVLogger(dir.appendingPathComponent("log.csv").path)], verbose: .quiet)
        XCTAssertEqual(history.values("val_accuracy").count, 2)
        XCTAssertGreaterThan(history.values("val_accuracy").last!, 0.5)
        XCTAssertNotNil(try model.evaluate(testLoader)["f1_macro"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("epoch-2.safetensors").path))
    }

    /// The README's graph-mode section.
    func testGraphModeTourRuns() throws {
        manualSeed(0)
        let model = Classifier(), optimizer = Adam(model, learningRate: 1e-3)
        let images = Tensor.rand([16, 1, 28, 28]), labels = Tensor.randint(0, 10, [16])
        let trainStep = compile(state: [model, optimizer]) { (x: Tensor, y: Tensor) in
            optimizer.zeroGrad(); let loss = crossEntropy(model(x), y); loss.backward(); optimizer.step(); return loss
        }
        for _ in 0..<3 { _ = try trainStep(images, labels) }
        XCTAssertEqual(trainStep.traceCount, 2)
        XCTAssertTrue(trainStep.graph!.description.contains("conv2d"))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("readme-tour-\(getpid()).onnx")
        defer { try? FileManager.default.removeItem(at: url) }
        try exportONNX(model, exampleInput: images[0..<1], to: url)
        let onnx = try ONNXModel(contentsOf: url), scores = try onnx.run([images[0..<1]])
        model.eval()
        let expected = withNoGrad { model(images[0..<1]) }
        for (a, b) in zip(scores[0].toArray(as: Float.self), expected.toArray(as: Float.self)) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }
}
