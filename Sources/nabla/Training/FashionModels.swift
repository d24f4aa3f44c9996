import Nabla
import NablaNN

/// The two Fashion-MNIST models of the benchmarks (`../shared/bench/w3_mlp.py`, `w4_cnn.py`).
enum FashionModels {
    /// The model kinds `nabla train --model` accepts.
    enum Kind: String, CaseIterable {
        case mlp, cnn
    }

    /// A freshly initialised model (PyTorch's default initialisation).
    static func make(_ kind: Kind) -> any Layer {
        switch kind {
        case .mlp:
            // 784-256-128-10 with ReLU; takes [N, 1, 28, 28] and flattens.
            return Sequential(Flatten(), Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))
        case .cnn:
            // Conv(1→32,3)-ReLU-MaxPool2-Conv(32→64,3)-ReLU-MaxPool2-Flatten-Linear(1600→128)-ReLU-Linear(128→10).
            return Sequential(
                Conv2d(1, 32, kernelSize: 3), ReLU(), MaxPool2d(kernelSize: 2),
                Conv2d(32, 64, kernelSize: 3), ReLU(), MaxPool2d(kernelSize: 2),
                Flatten(), Linear(1600, 128), ReLU(), Linear(128, 10))
        }
    }
}
