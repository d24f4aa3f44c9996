// swift-tools-version:6.0
import PackageDescription

/// Release builds of the numeric code are compiled for speed: no exclusivity checks in the hot loops,
/// AVX2 + FMA, and `-fno-math-errno` for the C shims Swift's `squareRoot()` goes through. With errno
/// semantics every square root is a compare, a branch to `sqrtf` and a scalar `vsqrtss`, so no loop
/// that takes one vectorises (the fused Adam step was a third of the compiled MLP step); the results
/// are the same, square roots being correctly rounded either way.
let kernelFlags: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked", "-target-cpu", "haswell", "-Xcc", "-fno-math-errno"],
                 .when(configuration: .release)),
]

let package = Package(
    name: "Nabla",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Nabla", targets: ["Nabla"]),
        .library(name: "NablaNN", targets: ["NablaNN"]),
        .library(name: "NablaOptim", targets: ["NablaOptim"]),
        .library(name: "NablaCheckpoint", targets: ["NablaCheckpoint"]),
        .library(name: "NablaData", targets: ["NablaData"]),
        .library(name: "NablaBoard", targets: ["NablaBoard"]),
        .library(name: "NablaTrain", targets: ["NablaTrain"]),
        .library(name: "NablaGraph", targets: ["NablaGraph"]),
        .library(name: "NablaONNX", targets: ["NablaONNX"]),
        .library(name: "NablaText", targets: ["NablaText"]),
        .library(name: "NablaModels", targets: ["NablaModels"]),
        .executable(name: "nabla", targets: ["nabla"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // YAML training configs (`nabla train --config run.yaml`).
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // ONNX models (generated message code committed in Sources/NablaONNX/Generated).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // System libraries (installed by scripts/install-deps.sh).
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),

        // Core: Tensor, DType, Layout, primitives + VJPs, autograd tape, CPU backend.
        .target(name: "Nabla", dependencies: ["COpenBLAS", "CDNNL"], swiftSettings: kernelFlags),
        // Modules, layers, losses, initialisers.
        .target(name: "NablaNN", dependencies: ["Nabla"], swiftSettings: kernelFlags),
        // Optimizers, learning-rate schedules, gradient clipping.
        .target(name: "NablaOptim", dependencies: ["Nabla", "NablaNN"], swiftSettings: kernelFlags),
        // safetensors files, model and optimizer checkpoints.
        .target(name: "NablaCheckpoint", dependencies: ["Nabla", "NablaNN", "NablaOptim"], swiftSettings: kernelFlags),
        // Datasets, loaders, readers (IDX, CSV, NumPy, safetensors, PNG folders) and transforms.
        .target(name: "NablaData", dependencies: ["Nabla", "NablaCheckpoint", "CZlib", "CPNG"], swiftSettings: kernelFlags),
        // TensorBoard event files: scalars, histograms, images, text, hyperparameters.
        .target(name: "NablaBoard", dependencies: ["Nabla", "NablaGraph", "CPNG"], swiftSettings: kernelFlags),
        // Graph mode: tracing into a typed SSA IR, passes, executor, `compile`.
        .target(name: "NablaGraph", dependencies: ["Nabla", "NablaNN", "NablaOptim"], swiftSettings: kernelFlags),
        // ONNX import (an interpreter over Nabla ops) and export (from NablaGraph graphs).
        .target(
            name: "NablaONNX",
            dependencies: ["Nabla", "NablaNN", "NablaGraph", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Proto"],
            swiftSettings: kernelFlags
        ),
        // Tokenizers: WordPiece (BERT) and byte-level BPE (GPT-2).
        .target(name: "NablaText", dependencies: ["Nabla"], swiftSettings: kernelFlags),
        // Pretrained models: BERT / all-MiniLM-L6-v2 sentence embeddings.
        .target(name: "NablaModels", dependencies: ["Nabla", "NablaNN", "NablaCheckpoint", "NablaText"], swiftSettings: kernelFlags),
        // Keras-style training: compile/fit/evaluate/predict, metrics, callbacks, progress bar, resuming.
        .target(
            name: "NablaTrain",
            dependencies: ["Nabla", "NablaNN", "NablaOptim", "NablaCheckpoint", "NablaData", "NablaBoard"],
            swiftSettings: kernelFlags
        ),

        // The command-line tool.
        .executableTarget(
            name: "nabla",
            dependencies: [
                "Nabla", "NablaNN", "NablaOptim", "NablaCheckpoint", "NablaData", "NablaBoard", "NablaTrain", "NablaGraph", "NablaONNX", "NablaText", "NablaModels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: kernelFlags
        ),
        // Example: character-level LSTM and GPT language models on the fortune cookie corpus (docs/CHARLM.md).
        .executableTarget(
            name: "char-lm",
            dependencies: [
                "Nabla", "NablaNN", "NablaOptim", "NablaCheckpoint", "NablaData", "NablaText", "NablaModels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Examples/CharLM",
            swiftSettings: kernelFlags
        ),

        // Helpers shared by the test targets (exact JSON reading of the PyTorch fixtures).
        .target(name: "NablaTestSupport", dependencies: ["Nabla"], path: "Tests/NablaTestSupport"),
        .testTarget(name: "NablaTests", dependencies: ["Nabla", "NablaTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NablaNNTests", dependencies: ["Nabla", "NablaNN", "NablaTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NablaOptimTests", dependencies: ["Nabla", "NablaNN", "NablaOptim"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NablaCheckpointTests", dependencies: ["Nabla", "NablaNN", "NablaOptim", "NablaCheckpoint", "NablaTestSupport"]),
        .testTarget(
            name: "NablaIntegrationTests",
            dependencies: ["Nabla", "NablaNN", "NablaOptim", "NablaCheckpoint", "NablaData", "NablaTrain", "NablaGraph", "NablaONNX"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "NablaDataTests", dependencies: ["Nabla", "NablaData", "NablaCheckpoint", "CZlib", "NablaTestSupport"]),
        // Runs the built `nabla` binary: flags, config files, errors, and a killed-then-resumed training run.
        .testTarget(name: "NablaCLITests", dependencies: ["nabla", "Nabla", "NablaData", "NablaCheckpoint", "NablaTestSupport"]),
        .testTarget(name: "NablaGraphTests", dependencies: ["Nabla", "NablaNN", "NablaOptim", "NablaGraph", "NablaTestSupport"]),
        .testTarget(name: "NablaONNXTests", dependencies: ["Nabla", "NablaNN", "NablaGraph", "NablaONNX", "NablaTestSupport"]),
        .testTarget(name: "NablaTextTests", dependencies: ["Nabla", "NablaText", "NablaTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NablaModelsTests", dependencies: ["Nabla", "NablaNN", "NablaOptim", "NablaCheckpoint", "NablaData", "NablaText", "NablaModels", "NablaTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "NablaBoardTests", dependencies: ["Nabla", "NablaNN", "NablaGraph", "NablaBoard", "CPNG", "NablaTestSupport"]),
        .testTarget(name: "NablaTrainTests", dependencies: ["Nabla", "NablaNN", "NablaOptim", "NablaCheckpoint", "NablaData", "NablaBoard", "NablaTrain", "NablaTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
