import XCTest
import Nabla
import NablaNN

/// Dropout in training mode: the fraction of zeros is close to p and survivors are scaled by 1/(1-p).
final class DropoutTests: XCTestCase {
    func testDropoutZeroesAboutPAndScalesSurvivors() {
        let x = Tensor.rand([200, 500], low: 1, high: 2, generator: Generator(seed: 5))
        let values = x.scalars
        for p in [0.1, 0.5, 0.8] {
            let layer = Dropout(p: p, generator: Generator(seed: UInt64(p * 100)))
            let y = layer(x).scalars
            let zeros = y.filter { $0 == 0 }.count
            XCTAssertEqual(Double(zeros) / Double(y.count), p, accuracy: 0.01, "fraction of zeros for p = \(p)")
            for i in y.indices where y[i] != 0 {
                XCTAssertEqual(y[i], values[i] / (1 - p), accuracy: 1e-5 * y[i], "survivor \(i) for p = \(p)")
            }
            layer.eval()
            XCTAssertEqual(layer(x).scalars, values, "evaluation mode is the identity")
        }
    }

    func testDropoutGradientFollowsTheMask() {
        let x = Tensor.ones([1000]).requiringGrad()
        let y = Dropout(p: 0.3)(x)
        y.sum().backward()
        XCTAssertEqual(x.grad!.scalars, y.detached().scalars, "d(sum)/dx is the scaled mask")
    }

    func testDropoutEdgeProbabilities() {
        let x = Tensor.randn([50, 40], seed: 2)
        XCTAssertEqual(Dropout(p: 0)(x).scalars, x.scalars)
        XCTAssertTrue(Dropout(p: 1)(x).scalars.allSatisfy { $0 == 0 })
    }

    func testDropoutIsReproducibleWithAGenerator() {
        let x = Tensor.ones([64, 64])
        XCTAssertEqual(Dropout(p: 0.5, generator: Generator(seed: 3))(x).scalars, Dropout(p: 0.5, generator: Generator(seed: 3))(x).scalars)
        XCTAssertNotEqual(Dropout(p: 0.5, generator: Generator(seed: 3))(x).scalars, Dropout(p: 0.5, generator: Generator(seed: 4))(x).scalars)
    }

    func testDropout2dZeroesWholeChannels() {
        let (n, c, h, w) = (40, 50, 3, 4)
        let x = Tensor.rand([n, c, h, w], low: 1, high: 2, generator: Generator(seed: 6))
        let p = 0.4
        let y = Dropout2d(p: p, generator: Generator(seed: 9))(x).scalars
        let values = x.scalars
        var droppedChannels = 0
        for channel in 0..<(n * c) {
            let range = (channel * h * w)..<((channel + 1) * h * w)
            let zeros = y[range].filter { $0 == 0 }.count
            XCTAssertTrue(zeros == 0 || zeros == h * w, "channel \(channel) is partly dropped")
            if zeros == h * w { droppedChannels += 1 } else {
                for i in range { XCTAssertEqual(y[i], values[i] / (1 - p), accuracy: 1e-5 * y[i]) }
            }
        }
        XCTAssertEqual(Double(droppedChannels) / Double(n * c), p, accuracy: 0.04)
        let layer = Dropout2d(p: p)
        layer.eval()
        XCTAssertEqual(layer(x).scalars, values)
    }
}
