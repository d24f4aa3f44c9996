import XCTest
import Nabla
import NablaNN

/// Replays every case of layers.json: builds the Nabla layer from PyTorch's constructor arguments,
/// loads PyTorch's state dict by name (strict, so every key must match), runs forward and backward
/// and compares the output, the input and parameter gradients, and the state after the pass.
final class LayerGoldenTests: XCTestCase {
    /// The Nabla layer for a fixture case (PyTorch's constructor arguments in `attrs`).
    static func makeLayer(_ c: LayerCase) throws -> Module {
        switch c.layer {
        case "Linear":
            return Linear(try c.int("in_features"), try c.int("out_features"), bias: try c.bool("bias", default: true))
        case "Bilinear":
            return Bilinear(try c.int("in1_features"), try c.int("in2_features"), try c.int("out_features"), bias: try c.bool("bias", default: true))
        case "Identity":
            return Identity()
        case "Conv1d":
            return Conv1d(try c.int("in_channels"), try c.int("out_channels"), kernelSize: try c.int("kernel_size"),
                          stride: try c.int("stride", default: 1), padding: try c.int("padding", default: 0),
                          dilation: try c.int("dilation", default: 1), groups: try c.int("groups", default: 1),
                          bias: try c.bool("bias", default: true))
        case "Conv2d":
            return Conv2d(try c.int("in_channels"), try c.int("out_channels"), kernelSize: try c.pair("kernel_size"),
                          stride: try c.pair("stride", default: (1, 1)), padding: try c.pair("padding", default: (0, 0)),
                          dilation: try c.pair("dilation", default: (1, 1)), groups: try c.int("groups", default: 1),
                          bias: try c.bool("bias", default: true))
        case "ConvTranspose2d":
            return ConvTranspose2d(try c.int("in_channels"), try c.int("out_channels"), kernelSize: try c.pair("kernel_size"),
                                   stride: try c.pair("stride", default: (1, 1)), padding: try c.pair("padding", default: (0, 0)),
                                   outputPadding: try c.pair("output_padding", default: (0, 0)), groups: try c.int("groups", default: 1),
                                   bias: try c.bool("bias", default: true), dilation: try c.pair("dilation", default: (1, 1)))
        case "MaxPool1d":
            let k = try c.int("kernel_size")
            return MaxPool1d(kernelSize: k, stride: try c.int("stride", default: k), padding: try c.int("padding", default: 0))
        case "MaxPool2d":
            let k = try c.pair("kernel_size")
            return MaxPool2d(kernelSize: k, stride: try c.pair("stride", default: k), padding: try c.pair("padding", default: (0, 0)))
        case "AvgPool1d":
            let k = try c.int("kernel_size")
            return AvgPool1d(kernelSize: k, stride: try c.int("stride", default: k), padding: try c.int("padding", default: 0),
                             countIncludePad: try c.bool("count_include_pad", default: true))
        case "AvgPool2d":
            let k = try c.pair("kernel_size")
            return AvgPool2d(kernelSize: k, stride: try c.pair("stride", default: k), padding: try c.pair("padding", default: (0, 0)),
                             countIncludePad: try c.bool("count_include_pad", default: true))
        case "AdaptiveAvgPool2d":
            return AdaptiveAvgPool2d(outputSize: try c.pair("output_size"))
        case "BatchNorm1d", "BatchNorm2d":
            let arguments = (try c.int("num_features"), try c.double("eps", default: 1e-5), try c.optionalDouble("momentum", default: 0.1),
                             try c.bool("affine", default: true), try c.bool("track_running_stats", default: true))
            return c.layer == "BatchNorm1d"
                ? BatchNorm1d(arguments.0, eps: arguments.1, momentum: arguments.2, affine: arguments.3, trackRunningStats: arguments.4)
                : BatchNorm2d(arguments.0, eps: arguments.1, momentum: arguments.2, affine: arguments.3, trackRunningStats: arguments.4)
        case "LayerNorm":
            return LayerNorm(try c.ints("normalized_shape"), eps: try c.double("eps", default: 1e-5),
                             elementwiseAffine: try c.bool("elementwise_affine", default: true), bias: try c.bool("bias", default: true))
        case "GroupNorm":
            return GroupNorm(try c.int("num_groups"), try c.int("num_channels"), eps: try c.double("eps", default: 1e-5),
                             affine: try c.bool("affine", default: true))
        case "RMSNorm":
            return RMSNorm(try c.ints("normalized_shape"), eps: try c.optionalDouble("eps", default: nil),
                           elementwiseAffine: try c.bool("elementwise_affine", default: true))
        case "Dropout":
            return Dropout(p: try c.double("p", default: 0.5))
        case "Dropout2d":
            return Dropout2d(p: try c.double("p", default: 0.5))
        case "Embedding":
            return Embedding(try c.int("num_embeddings"), try c.int("embedding_dim"), paddingIdx: c.attrs["padding_idx"].flatMap(\.intValue))
        case "Flatten":
            return Flatten(startDim: try c.int("start_dim", default: 1), endDim: try c.int("end_dim", default: -1))
        case "Unflatten":
            return Unflatten(dim: try c.int("dim"), unflattenedSize: try c.ints("unflattened_size"))
        case "ReLU": return ReLU()
        case "LeakyReLU": return LeakyReLU(negativeSlope: try c.double("negative_slope", default: 0.01))
        case "ELU": return ELU(alpha: try c.double("alpha", default: 1))
        case "GELU": return GELU(approximate: try c.string("approximate", default: "none") == "tanh" ? .tanh : .none)
        case "SiLU": return SiLU()
        case "Tanh": return Tanh()
        case "Sigmoid": return Sigmoid()
        case "Softmax": return Softmax(dim: try c.int("dim"))
        case "LogSoftmax": return LogSoftmax(dim: try c.int("dim"))
        default:
            throw LayerFixtureError("\(c.name): unknown layer \(c.layer); add it to LayerGoldenTests.makeLayer")
        }
    }

    /// Runs `module` on the case's inputs (two for Bilinear).
    static func forward(_ module: Module, _ inputs: [Tensor]) -> Tensor {
        if let bilinear = module as? Bilinear { return bilinear(inputs[0], inputs[1]) }
        return (module as! any Layer)(inputs[0])
    }

    func testEveryLayerMatchesPyTorch() throws {
        let cases = try LayerFixtures.load().cases
        XCTAssertGreaterThan(cases.count, 50)
        var covered = Set<String>()
        for c in cases {
            covered.insert(c.layer)
            try check(c)
        }
        let expected: Set<String> = ["Linear", "Bilinear", "Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool1d", "MaxPool2d", "AvgPool1d",
                                     "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm", "RMSNorm",
                                     "Dropout", "Dropout2d", "Embedding", "Flatten", "Unflatten", "Identity", "ReLU", "LeakyReLU", "ELU",
                                     "GELU", "SiLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax"]
        XCTAssertEqual(covered, expected)
    }

    private func check(_ c: LayerCase) throws {
        let module = try Self.makeLayer(c)
        // PyTorch's state dict loads strictly: every name matches.
        let state = Dictionary(uniqueKeysWithValues: c.state.map { ($0.0, $0.1.tensor) })
        XCTAssertEqual(Set(module.stateDict().map(\.0)), Set(state.keys), "\(c.name): state dict keys")
        XCTAssertEqual(module.namedParameters().map(\.0), c.parameterGrads.map(\.0), "\(c.name): parameter names and order")
        do { try module.loadStateDict(state) } catch {
            return XCTFail("\(c.name): loadStateDict failed: \(error)")
        }
        module.train(c.training)

        let inputs = c.inputs.map { t -> Tensor in
            let x = t.tensor
            return x.dtype.isFloatingPoint && c.upstream != nil ? x.requiringGrad() : x
        }
        let y = Self.forward(module, inputs)
        assertLayerClose(y, c.output, "\(c.name): output")

        if let upstream = c.upstream {
            y.backward(upstream.tensor)
            for (i, expected) in c.inputGrads.enumerated() {
                guard let expected else { continue }
                guard let g = inputs[i].grad else { XCTFail("\(c.name): input \(i) got no gradient"); continue }
                assertLayerClose(g, expected, "\(c.name): gradient of input \(i)")
            }
            let parameters = Dictionary(uniqueKeysWithValues: module.namedParameters())
            for (name, expected) in c.parameterGrads {
                guard let p = parameters[name] else { XCTFail("\(c.name): no parameter \(name)"); continue }
                assertLayerClose(p.grad ?? Tensor.zeros(like: p.value), expected, "\(c.name): gradient of \(name)")
            }
        }

        let after = Dictionary(uniqueKeysWithValues: module.stateDict())
        for (key, expected) in c.stateAfter {
            guard let actual = after[key] else { XCTFail("\(c.name): no state entry \(key) after the pass"); continue }
            assertLayerClose(actual, expected, "\(c.name): \(key) after the pass")
        }
    }
}
