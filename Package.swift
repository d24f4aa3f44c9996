// swift-tools-version:6.0
import PackageDescription

/// Release builds of the numeric core are compiled for speed: no exclusivity checks in the hot loops.
let kernelFlags: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "Nabla",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Nabla", targets: ["Nabla"]),
        .executable(name: "nabla", targets: ["nabla"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // System libraries (installed by scripts/install-deps.sh).
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),

        // Core: Tensor, DType, Layout, primitives + VJPs, autograd tape, CPU backend.
        .target(
            name: "Nabla",
            dependencies: ["COpenBLAS", "CDNNL"],
            swiftSettings: kernelFlags
        ),

        // The command-line tool.
        .executableTarget(
            name: "nabla",
            dependencies: [
                "Nabla",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: kernelFlags
        ),

        .testTarget(
            name: "NablaTests",
            dependencies: ["Nabla"],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
