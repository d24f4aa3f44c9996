import Foundation
import XCTest
import Nabla

/// The core: dtype promotion, creation, random determinism and statistics, views and storage
/// sharing, copy-on-write, and printing.
final class CoreTests: XCTestCase {
    // MARK: Type promotion (PyTorch's rules)

    func testTensorTensorPromotionMatchesPyTorch() {
        // (a, b, PyTorch's result); Nabla has no int16, so uint8 + int8 goes to int32 (documented deviation).
        let table: [(DType, DType, DType)] = [
            (.int32, .float16, .float16), (.uint8, .int8, .int32), (.bool, .int8, .int8), (.bool, .bool, .bool),
            (.bool, .uint8, .uint8), (.int8, .int32, .int32), (.int32, .int64, .int64), (.uint8, .int64, .int64),
            (.int64, .float16, .float16), (.int64, .bfloat16, .bfloat16), (.float16, .bfloat16, .float32),
            (.float16, .float32, .float32), (.bfloat16, .float64, .float64), (.float32, .float64, .float64),
            (.bool, .float32, .float32), (.int64, .float32, .float32), (.uint8, .float16, .float16),
        ]
        for (a, b, expected) in table {
            XCTAssertEqual(DType.promote(a, b), expected, "\(a) with \(b)")
            XCTAssertEqual(DType.promote(b, a), expected, "\(b) with \(a) (symmetric)")
            let ta = Tensor.ones([2], dtype: a), tb = Tensor.ones([2], dtype: b)
            XCTAssertEqual((ta + tb).dtype, expected, "dtype of \(a) + \(b)")
        }
        for d in DType.allCases { XCTAssertEqual(DType.promote(d, d), d) }
    }

    func testScalarOperandsOnlyRaiseTheCategory() {
        let i32 = Tensor.ones([3], dtype: .int32)
        XCTAssertEqual((i32 + 2.5).dtype, .float32, "int tensor + Double scalar is the default float dtype")
        XCTAssertEqual((i32 + 2.5).scalars, [3.5, 3.5, 3.5])
        XCTAssertEqual((i32 + 2).dtype, .int32, "an Int scalar never widens an integer tensor")
        XCTAssertEqual((Tensor.ones([3], dtype: .int8) * 3).dtype, .int8)
        let f16 = Tensor.ones([3], dtype: .float16)
        XCTAssertEqual((f16 * 2.5).dtype, .float16, "float16 tensor * Double scalar stays float16")
        XCTAssertEqual((2.5 * f16).dtype, .float16)
        XCTAssertEqual((Tensor.ones([3], dtype: .bfloat16) - 1.0).dtype, .bfloat16)
        XCTAssertEqual((Tensor.ones([3], dtype: .float64) / 3.0).dtype, .float64)
        XCTAssertEqual((Tensor.ones([3], dtype: .bool) + 1).dtype, .int64, "bool tensor + Int scalar is int64")
        XCTAssertEqual((Tensor.ones([3], dtype: .bool) + 1.5).dtype, .float32)
        XCTAssertEqual((Tensor.ones([3], dtype: .uint8) + 1).dtype, .uint8)
    }

    func testOpResultDtypes() {
        let i32 = Tensor(shape: [2], scalars: [3, 4] as [Int32])
        XCTAssertEqual((i32 / i32).dtype, .float32, "true division of integers is float32")
        XCTAssertEqual(i32.exp().dtype, .float32, "exp of an integer tensor is float32")
        XCTAssertEqual(i32.sum().dtype, .int64, "integer sums widen to int64")
        XCTAssertEqual(Tensor.ones([2], dtype: .bool).sum().dtype, .int64)
        XCTAssertEqual(Tensor.ones([2], dtype: .float16).sum().dtype, .float16)
        XCTAssertEqual((i32 .> i32).dtype, .bool)
        XCTAssertEqual(Tensor.ones([2, 2], dtype: .float16).mean().dtype, .float16)
        XCTAssertEqual(i32.mean().dtype, .float32)
        XCTAssertEqual(i32.abs().dtype, .int32)
    }

    func testIntegerArithmeticWrapsLikePyTorch() {
        let a = Tensor(shape: [3], scalars: [100, -100, 127] as [Int8])
        XCTAssertEqual((a + a).toArray(as: Int8.self), [-56, 56, -2])
        let big = Tensor([Int64.max, Int64.min])
        XCTAssertEqual(big.toArray(as: Int64.self), [Int64.max, Int64.min], "int64 values survive exactly")
    }

    // MARK: Creation

    func testCreation() {
        let z = Tensor.zeros([2, 3])
        XCTAssertEqual(z.shape, [2, 3])
        XCTAssertEqual(z.dtype, .float32)
        XCTAssertEqual(z.scalars, [Double](repeating: 0, count: 6))
        let o = Tensor.ones([4], dtype: .int8)
        XCTAssertEqual(o.dtype, .int8)
        XCTAssertEqual(o.toArray(as: Int8.self), [1, 1, 1, 1])
        let f = Tensor.full([2, 2], value: 7.5, dtype: .float64)
        XCTAssertEqual(f.scalars, [7.5, 7.5, 7.5, 7.5])
        XCTAssertEqual(Tensor.full(like: f, value: -1).dtype, .float64)
        XCTAssertEqual(Tensor.zeros(like: o).dtype, .int8)
        XCTAssertEqual(Tensor.zeros([]).shape, [])
        XCTAssertEqual(Tensor.zeros([]).count, 1)
        XCTAssertEqual(Tensor.zeros([3, 0]).count, 0)

        let x = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4] as [Float])
        XCTAssertEqual(x.dtype, .float32)
        XCTAssertEqual(Tensor([[1, 2], [3, 4]] as [[Double]]).shape, [2, 2])
        XCTAssertEqual(Tensor([[[1, 2]], [[3, 4]]] as [[[Int32]]]).shape, [2, 1, 2])
        XCTAssertEqual(Tensor(Float16(1.5)).shape, [])
        XCTAssertEqual(Tensor([BFloat16(1.5)]).dtype, .bfloat16)
        XCTAssertEqual(Tensor([true, false]).dtype, .bool)
        XCTAssertEqual(Tensor([1, 2] as [Int]).dtype, .int64)
        XCTAssertEqual(Tensor([UInt8(255)]).toArray(as: UInt8.self), [255])
    }

    func testArange() {
        let a = Tensor.arange(0, 5)
        XCTAssertEqual(a.dtype, .int64, "whole-number arguments give int64, like torch.arange")
        XCTAssertEqual(a.toArray(as: Int64.self), [0, 1, 2, 3, 4])
        let b = Tensor.arange(0, 1, step: 0.25)
        XCTAssertEqual(b.dtype, .float32)
        XCTAssertEqual(b.scalars, [0, 0.25, 0.5, 0.75])
        XCTAssertEqual(Tensor.arange(5, 0, step: -2).toArray(as: Int64.self), [5, 3, 1])
        XCTAssertEqual(Tensor.arange(0, 3, dtype: .float64).dtype, .float64)
        XCTAssertEqual(Tensor.arange(2, 2).count, 0)
    }

    func testLinspaceAndEye() {
        let l = Tensor.linspace(0, 1, count: 5)
        XCTAssertEqual(l.dtype, .float32)
        XCTAssertEqual(l.scalars, [0, 0.25, 0.5, 0.75, 1])
        let l64 = Tensor.linspace(-1, 1, count: 7, dtype: .float64).scalars
        XCTAssertEqual(l64.first, -1)
        XCTAssertEqual(l64.last, 1)
        XCTAssertEqual(l64[3], 0, accuracy: 1e-15)
        XCTAssertEqual(Tensor.linspace(3, 3, count: 1).scalars, [3])
        XCTAssertEqual(Tensor.eye(3).scalars, [1, 0, 0, 0, 1, 0, 0, 0, 1])
        let rect = Tensor.eye(2, 3, dtype: .int32)
        XCTAssertEqual(rect.shape, [2, 3])
        XCTAssertEqual(rect.dtype, .int32)
        XCTAssertEqual(rect.toArray(as: Int32.self), [1, 0, 0, 0, 1, 0])
    }

    // MARK: Random

    func testRandomIsDeterministicPerSeed() {
        let a = Tensor.randn([1000], seed: 42)
        let b = Tensor.randn([1000], seed: 42)
        XCTAssertEqual(a.scalars, b.scalars, "the same seed gives identical values")
        XCTAssertNotEqual(a.scalars, Tensor.randn([1000], seed: 43).scalars, "different seeds differ")
        XCTAssertEqual(Tensor.rand([100], seed: 1).scalars, Tensor.rand([100], seed: 1).scalars)

        // A generator advances: two draws differ; re-seeding replays them.
        let g = Generator(seed: 7)
        let first = Tensor.randn([16], generator: g).scalars
        let second = Tensor.randn([16], generator: g).scalars
        XCTAssertNotEqual(first, second)
        g.seed(7)
        XCTAssertEqual(Tensor.randn([16], generator: g).scalars, first)
        XCTAssertEqual(Tensor.randn([16], generator: g).scalars, second)
        // Snapshots restore the stream.
        let snap = g.snapshot
        let third = Tensor.rand([5], generator: g).scalars
        g.restore(seed: snap.seed, offset: snap.offset)
        XCTAssertEqual(Tensor.rand([5], generator: g).scalars, third)
        // The default generator follows manualSeed.
        manualSeed(123)
        let d1 = Tensor.randn([8]).scalars
        manualSeed(123)
        XCTAssertEqual(Tensor.randn([8]).scalars, d1)
    }

    func testRandnStatistics() {
        let x = Tensor.randn([100_000], seed: 2024, dtype: .float64)
        let mean = x.mean().item()
        let std = x.standardDeviation().item()
        XCTAssertEqual(mean, 0, accuracy: 0.02)
        XCTAssertEqual(std, 1, accuracy: 0.02)
        let shifted = Tensor.randn([100_000], mean: 3, std: 0.5, generator: Generator(seed: 5))
        XCTAssertEqual(shifted.dtype, .float32)
        XCTAssertEqual(shifted.mean().item(), 3, accuracy: 0.02)
        XCTAssertEqual(shifted.standardDeviation().item(), 0.5, accuracy: 0.02)
    }

    func testRandUniformRange() {
        let u = Tensor.rand([50_000], low: -2, high: 3, dtype: .float64, generator: Generator(seed: 9)).scalars
        XCTAssertTrue(u.allSatisfy { $0 >= -2 && $0 < 3 })
        XCTAssertEqual(u.reduce(0, +) / Double(u.count), 0.5, accuracy: 0.05)
    }

    func testRandintRange() {
        let r = Tensor.randint(-3, 7, [20_000], generator: Generator(seed: 11))
        XCTAssertEqual(r.dtype, .int64)
        let values = r.toArray(as: Int64.self)
        XCTAssertTrue(values.allSatisfy { $0 >= -3 && $0 < 7 }, "randint stays in [low, high)")
        XCTAssertEqual(Set(values), Set(-3..<7), "every value in range appears")
        // Roughly uniform: each of the 10 values about 2000 times.
        for v in -3..<7 {
            XCTAssertEqual(Double(values.filter { $0 == v }.count), 2000, accuracy: 200, "count of \(v)")
        }
        XCTAssertEqual(Tensor.randint(0, 5, [3], dtype: .int32).dtype, .int32)
    }

    func testBernoulliRate() {
        let b = Tensor.bernoulli([100_000], p: 0.3, generator: Generator(seed: 13))
        XCTAssertEqual(b.dtype, .float32)
        XCTAssertTrue(b.scalars.allSatisfy { $0 == 0 || $0 == 1 })
        XCTAssertEqual(b.mean().item(), 0.3, accuracy: 0.01)
        let probabilities = Tensor.full([100_000], value: 0.8)
        XCTAssertEqual(probabilities.bernoulli(generator: Generator(seed: 14)).mean().item(), 0.8, accuracy: 0.01)
    }

    // MARK: Views and storage

    func testViewsShareStorage() {
        let x = Tensor.randn([2, 3, 4], seed: 1)
        let id = ObjectIdentifier(x.storage)
        XCTAssertEqual(ObjectIdentifier(x.reshaped([6, 4]).storage), id, "reshape of a contiguous tensor is a view")
        XCTAssertEqual(ObjectIdentifier(x.permuted([2, 0, 1]).storage), id, "permute is a view")
        XCTAssertEqual(ObjectIdentifier(x.transposed().storage), id, "transpose is a view")
        XCTAssertEqual(ObjectIdentifier(x.slice(axis: 1, start: 1, end: 3).storage), id, "slice is a view")
        XCTAssertEqual(ObjectIdentifier(x.slice(axis: 2, start: 0, step: 2).storage), id, "a strided slice is a view")
        XCTAssertEqual(ObjectIdentifier(x.unsqueezed(axis: 0).storage), id, "unsqueeze is a view")
        XCTAssertEqual(ObjectIdentifier(x.flattened().storage), id, "flatten of a contiguous tensor is a view")
        let column = Tensor.randn([3, 1], seed: 2)
        let expanded = column.expanded(to: [2, 3, 5])
        XCTAssertEqual(ObjectIdentifier(expanded.storage), ObjectIdentifier(column.storage), "expand is a view")
        XCTAssertEqual(expanded.strides, [0, 1, 0], "broadcast axes have stride 0")
        // View layouts.
        let t = x.transposed(0, 2)
        XCTAssertEqual(t.shape, [4, 3, 2])
        XCTAssertEqual(t.strides, [1, 4, 12])
        XCTAssertFalse(t.isContiguous)
        let s = x.slice(axis: 1, start: 1)
        XCTAssertEqual(s.layout.offset, 4)
        // A view reads the right elements.
        XCTAssertEqual(x.transposed(0, 2).contiguous().scalars, (0..<24).map { i -> Double in
            let (a, b, c) = (i / 6, (i / 2) % 3, i % 2)   // index in [4, 3, 2]
            return x.scalars[c * 12 + b * 4 + a]
        })
    }

    func testContiguousCopiesOnlyWhenNeeded() {
        let x = Tensor.randn([3, 4], seed: 3)
        XCTAssertEqual(ObjectIdentifier(x.contiguous().storage), ObjectIdentifier(x.storage), "already contiguous: no copy")
        let t = x.transposed()
        let c = t.contiguous()
        XCTAssertNotEqual(ObjectIdentifier(c.storage), ObjectIdentifier(x.storage), "contiguous() of a transposed view copies")
        XCTAssertTrue(c.isContiguous)
        XCTAssertEqual(c.strides, [3, 1])
        XCTAssertEqual(c.scalars, t.scalars)
        // A reshape that cannot be a view copies.
        let flat = t.reshaped([12])
        XCTAssertNotEqual(ObjectIdentifier(flat.storage), ObjectIdentifier(x.storage))
        XCTAssertEqual(flat.scalars, t.scalars)
        // A reshape that splits a non-contiguous axis can stay a view.
        let split = t.reshaped([2, 2, 3])
        XCTAssertEqual(ObjectIdentifier(split.storage), ObjectIdentifier(x.storage))
        XCTAssertEqual(split.scalars, t.scalars)
    }

    func testMutationIsCopyOnWrite() {
        let a = Tensor([1.0, 2.0, 3.0])
        var b = a
        b += Tensor([10.0, 10.0, 10.0])
        XCTAssertEqual(a.scalars, [1, 2, 3], "the original value is unaffected")
        XCTAssertEqual(b.scalars, [11, 12, 13])
        var c = a
        c *= 2
        XCTAssertEqual(a.scalars, [1, 2, 3])
        XCTAssertEqual(c.scalars, [2, 4, 6])
    }

    func testShapeQueries() {
        let x = Tensor.zeros([2, 3, 4])
        XCTAssertEqual(x.rank, 3)
        XCTAssertEqual(x.count, 24)
        XCTAssertEqual(x.size(-1), 4)
        XCTAssertEqual(x.size(0), 2)
        XCTAssertEqual(x.device, .cpu)
        XCTAssertEqual(Tensor(Double(4)).item(), 4)
        XCTAssertEqual(Tensor([Int64(3)]).item(as: Int64.self), 3)
    }

    // MARK: Printing

    func testDescriptionShowsShapeAndDtype() {
        let x = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4] as [Float])
        let text = x.description
        XCTAssertTrue(text.hasPrefix("tensor("), text)
        XCTAssertTrue(text.contains("shape: [2, 2]"), text)
        XCTAssertTrue(text.contains("dtype: float32"), text)
        XCTAssertTrue(text.contains("1.0000"), text)
        XCTAssertTrue(text.contains("4.0000"), text)
        XCTAssertFalse(text.contains("..."), text)
        let ints = Tensor([1, -2, 3] as [Int32]).description
        XCTAssertTrue(ints.contains("[1, -2, 3]"), ints)
        XCTAssertTrue(ints.contains("dtype: int32"), ints)
        XCTAssertTrue(Tensor([true, false]).description.contains("[True, False]"))
        let special = Tensor([Double.nan, .infinity, -.infinity]).description
        XCTAssertTrue(special.contains("nan") && special.contains("inf") && special.contains("-inf"), special)
        XCTAssertTrue(Tensor(Float(2.5)).description.contains("2.5000"))
    }

    func testDescriptionTruncatesLargeTensors() {
        let small = Tensor.arange(0, 1000, dtype: .float32)   // exactly the threshold: printed in full
        XCTAssertFalse(small.description.contains("..."))
        XCTAssertTrue(small.description.contains("999.0000"))
        let large = Tensor.arange(0, 1001, dtype: .float32)
        let text = large.description
        XCTAssertTrue(text.contains("..."), "a tensor over 1000 elements is summarised")
        XCTAssertTrue(text.contains("0.0000, 1.0000, 2.0000"), text)
        XCTAssertTrue(text.contains("998.0000, 999.0000, 1000.0000"), text)
        XCTAssertFalse(text.contains("500.0000"), "the middle is elided")
        XCTAssertTrue(text.contains("shape: [1001]"))
        let matrix = Tensor.zeros([40, 30]).description
        XCTAssertTrue(matrix.contains("..."))
        XCTAssertLessThan(matrix.count, 2000, "a summarised matrix prints a bounded amount")
        XCTAssertTrue(matrix.contains("shape: [40, 30]"))
    }
}
