import XCTest
@testable import Nabla

/// The fused elementwise kernel gives exactly the values of the ops run one by one.
final class FusedElementwiseTests: XCTestCase {
    private func stepByStep(_ steps: [ElementwiseStep], _ inputs: [Tensor], _ outputs: [Int]) -> [Tensor] {
        var registers = inputs
        for step in steps {
            switch step {
            case let .unary(op, a): registers.append(Primitive.unary(op).forward([registers[a]])[0])
            case let .binary(op, a, b): registers.append(Primitive.binary(op).forward([registers[a], registers[b]])[0])
            }
        }
        return outputs.map { registers[$0] }
    }

    func testMatchesStepByStepBitForBit() throws {
        for count in [1, 7, 256, 1000, 100_003] {
            let x = Tensor.randn([count], seed: 1), w = Tensor.randn([count], seed: 2), scale = Tensor(Float(0.5))
            // registers: 0 x, 1 w, 2 scale; 3 = x*w, 4 = 3+scale, 5 = relu 4, 6 = exp 5, 7 = tanh 6, 8 = 7 - x, 9 = scale / 8
            let steps: [ElementwiseStep] = [.binary(.mul, 0, 1), .binary(.add, 3, 2), .unary(.relu, 4), .unary(.exp, 5),
                                            .unary(.tanh, 6), .binary(.sub, 7, 0), .binary(.div, 2, 8)]
            let outputs = [9, 5, 0, 9, 2]
            let fused = try XCTUnwrap(fusedElementwise(steps, inputs: [x, w, scale], outputs: outputs, shape: [count]))
            let expected = stepByStep(steps, [x, w, scale], outputs)
            for (index, (a, b)) in zip(fused, expected).enumerated() {
                XCTAssertEqual(a.shape, [count], "output \(index)")
                XCTAssertEqual(a.toArray(as: Float.self), b.expanded(to: [count]).toArray(as: Float.self), "count \(count), output \(index)")
            }
        }
    }

    func testNonContiguousInputsAndUnsupportedPrograms() throws {
        let x = Tensor.randn([6, 4], seed: 3).transposed()           // [4, 6], not contiguous
        let y = Tensor.randn([4, 6], seed: 4)
        let fused = try XCTUnwrap(fusedElementwise([.binary(.maximum, 0, 1), .unary(.sigmoid, 2)], inputs: [x, y], outputs: [3], shape: [4, 6]))
        XCTAssertEqual(fused[0].toArray(as: Float.self), maximum(x, y).sigmoid().toArray(as: Float.self))
        XCTAssertNil(fusedElementwise([.binary(.lt, 0, 1)], inputs: [x, y], outputs: [2], shape: [4, 6]), "bool results are not fused")
        XCTAssertNil(fusedElementwise([.unary(.exp, 0)], inputs: [x.cast(to: .float64)], outputs: [1], shape: [4, 6]), "float32 only")
        XCTAssertNil(fusedElementwise([.unary(.exp, 0)], inputs: [Tensor.ones([6])], outputs: [1], shape: [4, 6]), "no row broadcasting")
        XCTAssertNil(fusedElementwise([.unary(.exp, 1)], inputs: [y], outputs: [1], shape: [4, 6]), "a step may only read earlier registers")
    }
}
