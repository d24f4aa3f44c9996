import XCTest
import Nabla
import NablaNN

/// Finite-difference checks in float64 of the layers with parameters: the closure installs the
/// (perturbed) inputs as the layer's parameters and runs the layer, so the check covers the
/// gradients of the input and of every parameter.
final class LayerGradientCheckTests: XCTestCase {
    private func normal(_ shape: [Int], _ seed: UInt64) -> Tensor { Tensor.randn(shape, seed: seed, dtype: .float64) }

    func testLinear() {
        let layer = Linear(4, 3)
        checkLayerGradients("Linear", [normal([5, 4], 1), normal([3, 4], 2), normal([3], 3)]) { xs in
            layer.weight.value = xs[1]
            layer.bias!.value = xs[2]
            return layer(xs[0])
        }
    }

    func testBilinear() {
        let layer = Bilinear(3, 2, 4)
        checkLayerGradients("Bilinear", [normal([2, 3, 3], 4), normal([2, 3, 2], 5), normal([4, 3, 2], 6), normal([4], 7)]) { xs in
            layer.weight.value = xs[2]
            layer.bias!.value = xs[3]
            return layer(xs[0], xs[1])
        }
    }

    func testConv2d() {
        let layer = Conv2d(4, 2, kernelSize: (3, 2), stride: (2, 1), padding: (1, 1), groups: 2)
        checkLayerGradients("Conv2d", [normal([2, 4, 5, 4], 8), normal([2, 2, 3, 2], 9), normal([2], 10)]) { xs in
            layer.weight.value = xs[1]
            layer.bias!.value = xs[2]
            return layer(xs[0])
        }
    }

    func testBatchNormInTrainingMode() {
        let layer = BatchNorm2d(3)
        checkLayerGradients("BatchNorm2d", [normal([4, 3, 2, 2], 11), normal([3], 12), normal([3], 13)], rtol: 1e-5, atol: 1e-6) { xs in
            layer.weight!.value = xs[1]
            layer.bias!.value = xs[2]
            return layer(xs[0])
        }
        let layer1d = BatchNorm1d(2)
        checkLayerGradients("BatchNorm1d", [normal([5, 2], 14), normal([2], 15), normal([2], 16)], rtol: 1e-5, atol: 1e-6) { xs in
            layer1d.weight!.value = xs[1]
            layer1d.bias!.value = xs[2]
            return layer1d(xs[0])
        }
    }

    func testLayerNorm() {
        let layer = LayerNorm([2, 3])
        checkLayerGradients("LayerNorm", [normal([4, 2, 3], 17), normal([2, 3], 18), normal([2, 3], 19)], atol: 1e-6) { xs in
            layer.weight!.value = xs[1]
            layer.bias!.value = xs[2]
            return layer(xs[0])
        }
    }

    func testGroupNorm() {
        let layer = GroupNorm(2, 4)
        checkLayerGradients("GroupNorm", [normal([2, 4, 3], 20), normal([4], 21), normal([4], 22)], atol: 1e-6) { xs in
            layer.weight!.value = xs[1]
            layer.bias!.value = xs[2]
            return layer(xs[0])
        }
    }

    func testRMSNorm() {
        let layer = RMSNorm(5, eps: 1e-6)
        checkLayerGradients("RMSNorm", [normal([3, 5], 23), normal([5], 24)], atol: 1e-6) { xs in
            layer.weight!.value = xs[1]
            return layer(xs[0])
        }
    }

    func testEmbedding() {
        let plain = Embedding(6, 3)
        let indices = Tensor(shape: [2, 4], scalars: [0, 5, 2, 2, 4, 1, 0, 3] as [Int64])
        checkLayerGradients("Embedding", [normal([6, 3], 25)]) { xs in
            plain.weight.value = xs[0]
            return plain(indices)
        }
        // With a padding index the analytic gradient of that row is zero, not the finite difference.
        let padded = Embedding(6, 3, paddingIdx: 2)
        let w = normal([6, 3], 26).requiringGrad()
        padded.weight.value = w
        let upstream = normal([2, 4, 3], 27)
        (padded(indices) * upstream).sum().backward()
        let g = w.grad!.scalars
        XCTAssertEqual(Array(g[6..<9]), [0, 0, 0], "the padding row gets no gradient")
        let expectedRow5 = Array(upstream.scalars[3..<6])   // index 5 appears once, at position (0, 1)
        XCTAssertEqual(Array(g[15..<18]), expectedRow5)
    }
}
