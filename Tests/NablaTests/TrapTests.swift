import Foundation
import XCTest
import NablaTestSupport
import Nabla

/// Checks that programmer errors trap with a message naming the op and the shapes (DESIGN.md:
/// "Programmer errors inside an op trap with a message"). A trap ends the process, so each case runs
/// in a child copy of this test binary, selected by an environment variable. (Broadcast, matmul and
/// reshape shape errors are covered by ShapeErrorTests.)
enum TrapHarness {
    /// The environment variable that names the case a child process runs.
    static let variable = "NABLA_TEST_TRAP_CASE"

    /// The cases, by name: each must trap.
    static let cases: [String: @Sendable () -> Void] = [
        "secondBackwardWithoutRetainGraph": {
            let x = Tensor([1.0, 2.0]).requiringGrad()
            let y = (x * x).sum()
            y.backward()
            y.backward()
        },
        "gatherIndexValueOutOfRange": { _ = Tensor.zeros([2, 3]).gather(axis: 1, index: Tensor(shape: [2, 1], scalars: [0, 7] as [Int64])) },
        "gatherIndexShapeTooLarge": { _ = Tensor.zeros([2, 3]).gather(axis: 1, index: Tensor.zeros([5, 1], dtype: .int64)) },
        "scatterSourceTooSmall": {
            _ = Tensor.zeros([3, 3]).scattering(axis: 0, index: Tensor.zeros([2, 3], dtype: .int64), source: Tensor.zeros([2, 1]))
        },
        "conv2dChannelMismatch": { _ = conv2d(Tensor.zeros([1, 3, 5, 5]), weight: Tensor.zeros([2, 4, 3, 3])) },
        "requiresGradOnIntegers": { _ = Tensor.zeros([2], dtype: .int32).requiringGrad() },
        "itemOfManyElements": { _ = Tensor.zeros([2, 3]).item() },
        "axisOutOfRange": { _ = Tensor.zeros([2, 3]).sum(alongAxes: 2) },
        "backwardWithoutSeed": { Tensor([1.0, 2.0]).requiringGrad().exp().backward() },
        "lstmCellShapeMismatch": { _ = lstmCellPointwise(gates: Tensor.zeros([2, 7]), cell: Tensor.zeros([2, 2])) },
        "gruSequenceShapeMismatch": {
            _ = gruSequence(projection: Tensor.zeros([3, 2, 6]), h0: Tensor.zeros([2, 2]), weightHH: Tensor.zeros([6, 2]), biasHH: Tensor.zeros([4]))
        },
        "lstmSequenceShapeMismatch": {
            _ = lstmSequence(projection: Tensor.zeros([3, 2, 8]), h0: Tensor.zeros([2, 3]), c0: Tensor.zeros([2, 3]), weightHH: Tensor.zeros([8, 2]))
        },
        "fusedAttentionShapeMismatch": { _ = fusedAttention(query: Tensor.zeros([2, 3, 4]), key: Tensor.zeros([2, 5, 6]), value: Tensor.zeros([2, 5, 6])) },
        "layerNormWeightShapeMismatch": { _ = layerNorm(Tensor.zeros([2, 3]), normalizedAxes: 1, weight: Tensor.ones([4])) },
    ]

    /// Runs case `name` in a child process and asserts that it traps with `message` in its output.
    static func expectTrap(_ name: String, message: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try TrapChild.expectTrap(name, message: message, childTest: "NablaTests.TrapTests/testTrapChild", variable: variable,
                                 file: file, line: line)
    }
}

final class TrapTests: XCTestCase {
    /// The body a child process runs (skipped in a normal run).
    func testTrapChild() throws {
        try TrapChild.runCase(from: TrapHarness.cases, variable: TrapHarness.variable)
    }

    func testProgrammerErrorsTrapWithAMessage() throws {
        let expected: [(String, String)] = [
            ("gatherIndexValueOutOfRange", "gather: index 7 is out of range for axis 1 of size 3"),
            ("gatherIndexShapeTooLarge", "gather: index of shape [5, 1] is larger than the input [2, 3] along axis 0"),
            ("scatterSourceTooSmall", "scatter: index of shape [2, 3] is larger than the source [2, 1]"),
            ("conv2dChannelMismatch", "conv2d: input [1, 3, 5, 5], weight [2, 4, 3, 3]"),
            ("requiresGradOnIntegers", "only floating-point tensors can require gradients"),
            ("itemOfManyElements", "item: the tensor has 6 elements"),
            ("axisOutOfRange", "axis 2 is out of range for a tensor of rank 2"),
            ("backwardWithoutSeed", "backward: a seed gradient is required"),
            ("lstmCellShapeMismatch", "lstmCellPointwise: gates [2, 7] and cell [2, 2] do not fit"),
            ("gruSequenceShapeMismatch", "gruSequence: projection [3, 2, 6], h0 [2, 2], weightHH [6, 2] and biasHH [4] do not fit"),
            ("lstmSequenceShapeMismatch", "lstmSequence: projection [3, 2, 8], h0 [2, 3], c0 [2, 3] and weightHH [8, 2] do not fit"),
            ("fusedAttentionShapeMismatch", "fusedAttention: query [2, 3, 4], key [2, 5, 6] and value [2, 5, 6] do not fit"),
            ("layerNormWeightShapeMismatch", "layerNorm: input [2, 3] cannot be normalized over its last 1 axes with weight [4] and bias none"),
        ]
        XCTAssertEqual(Set(expected.map(\.0)).union(["secondBackwardWithoutRetainGraph"]), Set(TrapHarness.cases.keys))
        for (name, message) in expected { try TrapHarness.expectTrap(name, message: message) }
    }
}
