import XCTest
import Nabla

/// Convolutions (conv1d, conv2d with stride/padding/dilation/groups, conv_transpose2d) and pooling
/// (max, average, adaptive average) against PyTorch: forward values and gradients.
final class ConvPoolGoldenTests: XCTestCase {
    func testConvolutionAndPoolingMatchPyTorch() {
        var runner = GoldenRunner(family: "conv_pool")
        runner.tolerance = { c, dtype in
            // Convolutions sum up to C*kH*kW (and for weight gradients N*H*W) products in a
            // different order than PyTorch (oneDNN blocking).
            if dtype == .float32 && c.op.hasPrefix("conv") { return Tolerance(rtol: 1e-5, atol: 1e-5) }
            return .standard(dtype)
        }
        let (run, passed) = runner.run { c, x in try Self.forward(c, x) }
        XCTAssertGreaterThan(run, 0)
        XCTAssertEqual(run, passed)
    }

    static func forward(_ c: FixtureCase, _ x: [Tensor]) throws -> [Tensor] {
        let bias: Tensor? = x.count > 2 ? x[2] : nil
        switch c.op {
        case "conv1d":
            return [conv1d(x[0], weight: x[1], bias: bias, stride: try c.int("stride"), padding: try c.int("padding"),
                           dilation: try c.int("dilation"), groups: try c.int("groups"))]
        case "conv2d":
            return [conv2d(x[0], weight: x[1], bias: bias, stride: try c.pair("stride"), padding: try c.pair("padding"),
                           dilation: try c.pair("dilation"), groups: try c.int("groups"))]
        case "conv_transpose2d":
            return [convTranspose2d(x[0], weight: x[1], bias: bias, stride: try c.pair("stride"), padding: try c.pair("padding"),
                                    outputPadding: try c.pair("output_padding"), groups: try c.int("groups"),
                                    dilation: try c.pair("dilation"))]
        case "max_pool2d":
            return [maxPool2d(x[0], kernelSize: try c.pair("kernel_size"), stride: try c.pair("stride"), padding: try c.pair("padding"))]
        case "avg_pool2d":
            return [avgPool2d(x[0], kernelSize: try c.pair("kernel_size"), stride: try c.pair("stride"), padding: try c.pair("padding"),
                              countIncludePad: try c.bool("count_include_pad"))]
        case "adaptive_avg_pool2d":
            return [adaptiveAvgPool2d(x[0], outputSize: try c.pair("output_size"))]
        default:
            throw UnknownOp(op: c.op)
        }
    }
}
