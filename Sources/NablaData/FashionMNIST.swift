import Foundation
import Nabla

/// Zalando's Fashion-MNIST: 28 x 28 grayscale images of clothing in 10 classes, 60,000 for training
/// and 10,000 for testing, read from the IDX files of Debian's `dataset-fashion-mnist` package.
///
/// ```swift
/// let test = try FashionMNIST(.test)
/// print(test.images.shape)                        // [10000, 1, 28, 28], float32 in [0, 1]
/// print(FashionMNIST.classNames[Int(test.labels[0].item())])
/// ```
public struct FashionMNIST: Sendable {
    /// Which half of the dataset.
    public enum Split: String, Sendable, CaseIterable {
        /// The 60,000 training examples (`train-*-ubyte.gz`).
        case train
        /// The 10,000 test examples (`t10k-*-ubyte.gz`).
        case test

        /// The number of examples in the published split.
        public var expectedCount: Int { self == .train ? 60_000 : 10_000 }
        /// The file-name prefix ("train" or "t10k").
        public var filePrefix: String { self == .train ? "train" : "t10k" }
        /// The images file name.
        public var imagesFileName: String { "\(filePrefix)-images-idx3-ubyte.gz" }
        /// The labels file name.
        public var labelsFileName: String { "\(filePrefix)-labels-idx1-ubyte.gz" }
    }

    /// Where Debian's `dataset-fashion-mnist` package installs the files.
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"

    /// The ten class names, indexed by label.
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// Image height and width.
    public static let imageSize = 28

    /// Which split this is.
    public let split: Split
    /// The images: float32 `[N, 1, 28, 28]`, pixel values scaled from 0...255 to 0...1.
    public let images: Tensor
    /// The labels: int64 `[N]`, each in 0...9 (see `classNames`).
    public let labels: Tensor

    /// The number of examples.
    public var count: Int { labels.count }

    /// Loads a split from `directory`.
    ///
    /// Each file is looked for under its `.gz` name, then without `.gz` (a decompressed copy).
    ///
    /// - Parameter requiringFullSplit: when true (the default), the split must have its published
    ///   size (60,000 or 10,000); pass false for a subset in the same format.
    /// - Throws: `DatasetError.datasetMissing` with the `apt-get install dataset-fashion-mnist` hint
    ///   when the directory or a file is missing; `DatasetError` naming the file for a bad magic
    ///   number, truncated or oversized data, images that are not 28 x 28, image and label counts
    ///   that disagree, or labels outside 0...9.
    public init(_ split: Split, directory: String = FashionMNIST.defaultDirectory, requiringFullSplit: Bool = true) throws {
        try self.init(split, directory: URL(fileURLWithPath: directory), requiringFullSplit: requiringFullSplit)
    }

    /// Loads a split from the directory at `directory`; see `init(_:directory:requiringFullSplit:)` with a path.
    public init(_ split: Split, directory: URL, requiringFullSplit: Bool = true) throws {
        let hint = "Install Fashion-MNIST with `apt-get install dataset-fashion-mnist`, "
            + "or pass the directory holding \(split.imagesFileName) and \(split.labelsFileName)."
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetError.datasetMissing(path: directory.path, hint: hint)
        }
        func locate(_ name: String) throws -> URL {
            let gz = directory.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: gz.path) { return gz }
            let plain = directory.appendingPathComponent(String(name.dropLast(3)))
            if FileManager.default.fileExists(atPath: plain.path) { return plain }
            throw DatasetError.datasetMissing(path: gz.path, hint: hint)
        }
        let imagesURL = try locate(split.imagesFileName), labelsURL = try locate(split.labelsFileName)

        let rawImages = try IDXReader.read(from: imagesURL, expectingMagic: IDXReader.imagesMagic)
        let rawLabels = try IDXReader.read(from: labelsURL, expectingMagic: IDXReader.labelsMagic)
        let side = FashionMNIST.imageSize
        guard rawImages.shape[1] == side, rawImages.shape[2] == side else {
            throw DatasetError.unexpectedShape(file: imagesURL.path, expected: "[N, \(side), \(side)]", found: rawImages.shape)
        }
        let n = rawImages.shape[0]
        guard rawLabels.shape[0] == n else {
            throw DatasetError.countMismatch(file: imagesURL.path, count: n, otherFile: labelsURL.path, otherCount: rawLabels.shape[0])
        }
        if requiringFullSplit && n != split.expectedCount {
            throw DatasetError.unexpectedShape(file: imagesURL.path,
                                               expected: "\(split.expectedCount) examples in the \(split) split", found: rawImages.shape)
        }
        let labelValues = rawLabels.toArray(as: UInt8.self)
        if let bad = labelValues.firstIndex(where: { Int($0) >= FashionMNIST.classNames.count }) {
            throw DatasetError.invalidLabel(file: labelsURL.path, index: bad, value: Int(labelValues[bad]),
                                            classCount: FashionMNIST.classNames.count)
        }
        self.split = split
        self.images = (rawImages.cast(to: .float32) / 255).reshaped([n, 1, side, side])
        self.labels = rawLabels.cast(to: .int64)
    }
}
