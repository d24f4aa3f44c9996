import Foundation
import XCTest
import Nabla
import NablaData

/// Fashion-MNIST: small fake splits in the real file layout (plain and gzip), every validation
/// error, and the real test split from Debian's `dataset-fashion-mnist` when it is installed.
final class FashionMNISTTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-fmnist-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// Writes a fake split: `count` images of `side` x `side` (pixel i of image n is (n + i) % 256) and the given labels.
    private func writeSplit(_ split: FashionMNIST.Split, count: Int, labels: [UInt8], side: Int = 28, compressed: Bool = true) throws {
        let pixels = (0..<(count * side * side)).map { UInt8(($0 / (side * side) + $0 % (side * side)) % 256) }
        let suffix = compressed ? "" : ".gz"
        let images = directory.appendingPathComponent(String(split.imagesFileName.dropLast(suffix.count)))
        let labelsURL = directory.appendingPathComponent(String(split.labelsFileName.dropLast(suffix.count)))
        try IDXWriter.write(Tensor(shape: [count, side, side], scalars: pixels), to: images, compressed: compressed)
        try IDXWriter.write(Tensor(shape: [labels.count], scalars: labels), to: labelsURL, compressed: compressed)
    }

    private func datasetError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> DatasetError? {
        do {
            try body()
            XCTFail("expected a DatasetError", file: file, line: line)
        } catch let error as DatasetError {
            return error
        } catch {
            XCTFail("expected a DatasetError, got \(error)", file: file, line: line)
        }
        return nil
    }

    func testSmallSplitLoadsScaledImagesAndInt64Labels() throws {
        for compressed in [true, false] {
            try writeSplit(.test, count: 3, labels: [9, 0, 5], compressed: compressed)
            let data = try FashionMNIST(.test, directory: directory.path, requiringFullSplit: false)
            XCTAssertEqual(data.split, .test)
            XCTAssertEqual(data.count, 3)
            XCTAssertEqual(data.images.dtype, .float32)
            XCTAssertEqual(data.images.shape, [3, 1, 28, 28])
            XCTAssertEqual(data.labels.dtype, .int64)
            XCTAssertEqual(data.labels.toArray(as: Int64.self), [9, 0, 5])
            let pixels = data.images.toArray(as: Float.self)
            XCTAssertEqual(pixels[0], 0)
            XCTAssertEqual(pixels[255], 1, "byte 255 scales to exactly 1")
            XCTAssertEqual(pixels[784 + 10], Float(11) / 255, "image 1, pixel 10 holds byte 11")
            XCTAssertEqual(FashionMNIST.classNames[9], "Ankle boot")
            try FileManager.default.removeItem(at: directory)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
    }

    func testTheFullSizeIsRequiredByDefault() throws {
        try writeSplit(.train, count: 2, labels: [1, 2])
        let e = datasetError { _ = try FashionMNIST(.train, directory: directory) }
        guard case .unexpectedShape(let file, let expected, [2, 28, 28])? = e else { return XCTFail("got \(String(describing: e))") }
        XCTAssertTrue(file.hasSuffix("train-images-idx3-ubyte.gz"), file)
        XCTAssertTrue(expected.contains("60000"), expected)
    }

    func testImageAndLabelCountsMustAgree() throws {
        try writeSplit(.test, count: 3, labels: [1, 2])
        let e = datasetError { _ = try FashionMNIST(.test, directory: directory, requiringFullSplit: false) }
        guard case let .countMismatch(images, 3, labels, 2)? = e else { return XCTFail("got \(String(describing: e))") }
        XCTAssertTrue(images.hasSuffix("t10k-images-idx3-ubyte.gz") && labels.hasSuffix("t10k-labels-idx1-ubyte.gz"))
        XCTAssertTrue(e!.description.contains("3 examples") && e!.description.contains("has 2"), e!.description)
    }

    func testWrongImageSizeAndLabelRange() throws {
        try writeSplit(.test, count: 2, labels: [1, 2], side: 32)
        let e1 = datasetError { _ = try FashionMNIST(.test, directory: directory, requiringFullSplit: false) }
        guard case .unexpectedShape(_, "[N, 28, 28]", [2, 32, 32])? = e1 else { return XCTFail("got \(String(describing: e1))") }

        try writeSplit(.test, count: 2, labels: [1, 10])
        let e2 = datasetError { _ = try FashionMNIST(.test, directory: directory, requiringFullSplit: false) }
        guard case .invalidLabel(_, 1, 10, 10)? = e2 else { return XCTFail("got \(String(describing: e2))") }
    }

    func testSwappedFilesAreCaughtByTheMagicNumber() throws {
        try writeSplit(.test, count: 2, labels: [1, 2])
        let images = directory.appendingPathComponent(FashionMNIST.Split.test.imagesFileName)
        let labels = directory.appendingPathComponent(FashionMNIST.Split.test.labelsFileName)
        let swap = directory.appendingPathComponent("swap")
        try FileManager.default.moveItem(at: images, to: swap)
        try FileManager.default.moveItem(at: labels, to: images)
        try FileManager.default.moveItem(at: swap, to: labels)
        let e = datasetError { _ = try FashionMNIST(.test, directory: directory, requiringFullSplit: false) }
        guard case .badMagic(images.path, 0x801, _)? = e else { return XCTFail("got \(String(describing: e))") }
    }

    func testMissingDatasetTellsHowToInstallIt() throws {
        let missing = directory.appendingPathComponent("nowhere")
        let e = datasetError { _ = try FashionMNIST(.train, directory: missing) }
        guard case .datasetMissing(missing.path, _)? = e else { return XCTFail("got \(String(describing: e))") }
        XCTAssertTrue(e!.description.contains("apt-get install dataset-fashion-mnist"), e!.description)

        // The directory exists but a file does not.
        let e2 = datasetError { _ = try FashionMNIST(.test, directory: directory) }
        guard case .datasetMissing(let path, _)? = e2 else { return XCTFail("got \(String(describing: e2))") }
        XCTAssertTrue(path.hasSuffix("t10k-images-idx3-ubyte.gz"), path)
        XCTAssertTrue(e2!.description.contains("apt-get install dataset-fashion-mnist"))
    }

    /// Skips (printing "SKIP: …") unless Debian's Fashion-MNIST files are installed.
    private func requireRealDataset(_ split: FashionMNIST.Split) throws {
        let dir = FashionMNIST.defaultDirectory
        guard FileManager.default.fileExists(atPath: dir + "/" + split.imagesFileName) else {
            let message = "SKIP: Fashion-MNIST is not installed in \(dir) (apt-get install dataset-fashion-mnist)"
            print(message)
            throw XCTSkip(message)
        }
    }

    func testRealTrainSplit() throws {
        try requireRealDataset(.train)
        let train = try FashionMNIST(.train)
        XCTAssertEqual(train.images.shape, [60000, 1, 28, 28])
        var histogram = [Int](repeating: 0, count: 10)
        for label in train.labels.toArray(as: Int64.self) { histogram[Int(label)] += 1 }
        XCTAssertEqual(histogram, Array(repeating: 6000, count: 10), "6000 training images per class")
        // The published mean pixel of the training set (torchvision's normalisation constant).
        XCTAssertEqual(train.images.mean().item(), 0.2860, accuracy: 0.001)
    }

    func testRealTestSplit() throws {
        try requireRealDataset(.test)
        let test = try FashionMNIST(.test)
        XCTAssertEqual(test.images.shape, [10000, 1, 28, 28])
        XCTAssertEqual(test.images.dtype, .float32)
        XCTAssertEqual(test.labels.shape, [10000])
        var histogram = [Int](repeating: 0, count: 10)
        for label in test.labels.toArray(as: Int64.self) { histogram[Int(label)] += 1 }
        XCTAssertEqual(histogram, Array(repeating: 1000, count: 10), "1000 test images per class")
        XCTAssertEqual(test.images.min().item(), 0)
        XCTAssertEqual(test.images.max().item(), 1)
        // The published mean pixel of the test set is 0.2868 (torchvision's normalisation constants).
        XCTAssertEqual(test.images.mean().item(), 0.2868, accuracy: 0.002)
        // The first test image is an ankle boot.
        XCTAssertEqual(test.labels[0].item(), 9)
    }
}
