import Foundation
import XCTest
@testable import Nabla

/// Backward frees saved tensors and the tape: a long training loop's memory stays flat.
final class TapeMemoryTests: XCTestCase {
    /// Resident set size in bytes, from /proc/self/statm.
    private func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    func testTenThousandTrainingStepsKeepMemoryFlat() {
        var w1 = (Tensor.randn([32, 64], seed: 1) * 0.1).requiringGrad()
        var w2 = (Tensor.randn([64, 10], seed: 2) * 0.1).requiringGrad()
        let x = Tensor.randn([16, 32], seed: 3)
        let y = Tensor.randint(0, 10, [16], generator: Generator(seed: 4))
        let targets = oneHot(y, numClasses: 10).cast(to: .float32)
        var liveNodes: [Weak<Node>] = []
        func step(_ i: Int) {
            let logits = matmul(relu(matmul(x, w1)), w2)
            let loss = -(logSoftmax(logits, axis: 1) * targets).sum(alongAxes: 1).mean()
            if i % 1000 == 0, let node = loss.gradFn { liveNodes.append(Weak(node)) }
            loss.backward()
            XCTAssertFalse(loss.gradFn?.isAlive ?? true, "backward must release the saved tensors of the root node")
            withNoGrad {
                w1 = (w1 - 0.01 * w1.grad!).requiringGrad()
                w2 = (w2 - 0.01 * w2.grad!).requiringGrad()
            }
        }
        for i in 0..<1000 { step(i) }
        let before = residentBytes()
        for i in 1000..<10_000 { step(i) }
        let after = residentBytes()
        XCTAssertLessThan(after - before, 8 << 20, "memory grew by \(after - before) bytes over 9,000 steps")
        XCTAssertTrue(liveNodes.allSatisfy { $0.value == nil }, "tape nodes of finished steps are still alive")
    }

    func testSavedTensorsAreReleasedAsBackwardGoes() {
        let x = Tensor.randn([4, 4], seed: 5).requiringGrad()
        let y = (x.exp() * x).sum()
        let root = y.gradFn!
        XCTAssertTrue(root.isAlive)
        y.backward()
        XCTAssertFalse(root.isAlive)
        XCTAssertTrue(root.inputs.isEmpty)
    }

    func testRetainGraphKeepsSavedTensors() {
        let x = Tensor.randn([3], seed: 6).requiringGrad()
        let y = (x * x).sum()
        y.backward(retainGraph: true)
        XCTAssertTrue(y.gradFn!.isAlive)
        y.backward()
        XCTAssertEqual(x.grad!.scalars, (x.detached() * 4).scalars, "two backward passes accumulate 2 * 2x")
    }
}

/// A weak reference, for checking that objects were freed.
final class Weak<T: AnyObject> {
    weak var value: T?
    init(_ value: T) { self.value = value }
}
