import XCTest
import Nabla

/// Shape and movement ops (reshape, permute, transpose, expand, slice, squeeze, unsqueeze, flatten,
/// flip, pad, repeat, tile, concat, stack, split, chunk) against PyTorch: values and gradients.
/// These ops only move data, so every comparison is exact.
final class MovementGoldenTests: XCTestCase {
    func testMovementMatchesPyTorch() {
        var runner = GoldenRunner(family: "movement")
        runner.tolerance = { _, _ in .exact }
        // Gradients sum upstream pieces (expand, repeat, reflect pad): allow float rounding.
        runner.gradientTolerance = { _, dtype in .standard(dtype) }
        let (run, passed) = runner.run { c, x in try Self.forward(c, x) }
        XCTAssertGreaterThan(run, 0)
        XCTAssertEqual(run, passed)
    }

    static func forward(_ c: FixtureCase, _ x: [Tensor]) throws -> [Tensor] {
        let t = x[0]
        switch c.op {
        case "reshape": return [t.reshaped(try c.ints("shape"))]
        case "permute": return [t.permuted(try c.ints("dims"))]
        case "transpose": return [t.transposed(try c.int("dim0"), try c.int("dim1"))]
        case "expand": return [t.expanded(to: try c.ints("shape"))]
        case "slice":
            return [t.slice(axis: try c.int("dim"), start: try c.optionalInt("start") ?? 0, end: try c.optionalInt("end"),
                            step: try c.int("step"))]
        case "squeeze": return [t.squeezed(axis: try c.optionalInt("dim"))]
        case "unsqueeze": return [t.unsqueezed(axis: try c.int("dim"))]
        case "flatten": return [t.flattened(from: try c.int("start_dim"), to: try c.int("end_dim"))]
        case "flip": return [t.flipped(try c.ints("dims"))]
        case "pad":
            let mode: PadMode
            switch try c.string("mode") {
            case "constant": mode = .constant
            case "reflect": mode = .reflect
            case let other: throw FixtureError("pad mode \(other) is not mapped")
            }
            return [t.padded(try c.ints("pad"), mode: mode, value: try c.optionalDouble("value") ?? 0)]
        case "repeat": return [t.repeated(try c.ints("repeats"))]
        case "tile": return [t.tiled(try c.ints("reps"))]
        case "concat": return [concat(x, axis: try c.int("dim"))]
        case "stack": return [stack(x, axis: try c.int("dim"))]
        case "split":
            let axis = try c.int("dim")
            if c.attrs["sections"] != nil { return t.split(sizes: try c.ints("sections"), axis: axis) }
            return t.split(size: try c.int("split_size"), axis: axis)
        case "chunk": return t.chunked(try c.int("chunks"), axis: try c.int("dim"))
        default:
            throw UnknownOp(op: c.op)
        }
    }
}
