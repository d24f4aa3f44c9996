import XCTest
import Nabla
import NablaNN

/// A user module that does not report its own output (only its built-in layers do).
final class SummaryTestBlock: Module, Layer {
    let conv = Conv2d(4, 4, kernelSize: 3, padding: 1)
    let bn = BatchNorm2d(4)
    func callAsFunction(_ x: Tensor) -> Tensor { relu(bn(conv(x))) + x }
}

final class SummaryTestNet: Module, Layer {
    let stem = Conv2d(1, 4, kernelSize: 3)
    let block = SummaryTestBlock()
    let head = Sequential(AdaptiveAvgPool2d(outputSize: 1), Flatten(), Dropout(p: 0.5), Linear(4, 10))
    func callAsFunction(_ x: Tensor) -> Tensor { head(block(relu(stem(x)))) }
}

final class SummaryTests: XCTestCase {
    func testSequentialSummary() {
        let model = Sequential(Conv2d(1, 4, kernelSize: 3), ReLU(), MaxPool2d(kernelSize: 2), Flatten(), Linear(4 * 13 * 13, 10))
        let text = model.summary(inputShape: [1, 1, 28, 28])
        for expected in ["Model: \"Sequential\"", "0 (Conv2d)", "[1, 4, 26, 26]", "1 (ReLU)", "2 (MaxPool2d)", "[1, 4, 13, 13]",
                         "3 (Flatten)", "[1, 676]", "4 (Linear)", "[1, 10]", "6,770", "Total params: 6,810",
                         "Trainable params: 6,810", "Non-trainable params: 0"] {
            XCTAssertTrue(text.contains(expected), "summary lacks \"\(expected)\":\n\(text)")
        }
        let conv = text.split(separator: "\n").first { $0.hasPrefix("0 (Conv2d)") }!
        XCTAssertTrue(conv.hasSuffix(" 40"), "the Conv2d row counts its 40 parameters: \(conv)")
    }

    func testNestedUserModuleSummary() {
        let net = SummaryTestNet()
        net.stem.requiresGrad(false)
        let bnState = net.block.bn.stateDict().map { $0.1.scalars }
        let text = net.summary(inputShape: [2, 1, 10, 10])
        for expected in ["Model: \"SummaryTestNet\"", "stem (Conv2d)", "[2, 4, 8, 8]", "block (SummaryTestBlock)", "block.conv (Conv2d)",
                         "block.bn (BatchNorm2d)", "head (Sequential)", "[2, 10]", "head.0 (AdaptiveAvgPool2d)", "[2, 4, 1, 1]",
                         "head.1 (Flatten)", "[2, 4]", "head.2 (Dropout)", "head.3 (Linear)",
                         "Total params: 246", "Trainable params: 206", "Non-trainable params: 40", "Output shape: [2, 10]"] {
            XCTAssertTrue(text.contains(expected), "summary lacks \"\(expected)\":\n\(text)")
        }
        // The user block reports nothing itself; its row shows "-".
        let blockRow = text.split(separator: "\n").first { $0.hasPrefix("block (SummaryTestBlock)") }!
        XCTAssertTrue(blockRow.contains(" - "), "\(blockRow)")
        // The forward pass ran in evaluation mode without touching the running statistics or the modes.
        XCTAssertEqual(net.block.bn.stateDict().map { $0.1.scalars }, bnState)
        XCTAssertTrue(net.namedModules().allSatisfy { $0.1.isTraining })
    }

    func testSummaryRestoresModesAndRecordsNothingOutside() {
        let net = SummaryTestNet()
        net.head.eval()
        _ = net.summary(inputShape: [1, 1, 6, 6])
        XCTAssertTrue(net.isTraining)
        XCTAssertTrue(net.block.bn.isTraining)
        XCTAssertFalse(net.head.isTraining)
        XCTAssertFalse(net.head[3].isTraining)
        // Outside a summary the layers run as usual.
        XCTAssertEqual(net(Tensor.zeros([1, 1, 6, 6])).shape, [1, 10])
    }

    func testEmbeddingModelSummaryWithIntegerInput() {
        let model = Sequential(Embedding(20, 8), Flatten(), Linear(24, 2))
        let text = model.summary(inputShape: [5, 3], dtype: .int64)
        XCTAssertTrue(text.contains("[5, 3, 8]"), text)
        XCTAssertTrue(text.contains("[5, 24]"), text)
        XCTAssertTrue(text.contains("Total params: 210"), text)
    }
}
