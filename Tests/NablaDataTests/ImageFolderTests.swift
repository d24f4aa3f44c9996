import Foundation
import Nabla
import XCTest
@testable import NablaData

final class ImageFolderTests: XCTestCase {
    private func write(_ bytes: [UInt8], _ url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    func testClassOrderLabelsAndPixelValues() throws {
        let root = try DataTestFiles.directory(self)
        // Gray 2x3 image: rows [0, 51, 255], [102, 204, 153].
        try write(DataTestFiles.png(width: 3, height: 2, colorType: 0, pixels: [0, 51, 255, 102, 204, 153]),
                  root.appendingPathComponent("zebra/b.png"))
        try write(DataTestFiles.png(width: 1, height: 1, colorType: 0, pixels: [255]), root.appendingPathComponent("zebra/a.PNG"))
        // RGB 2x1: red, then (0, 255, 51).
        try write(DataTestFiles.png(width: 2, height: 1, colorType: 2, pixels: [255, 0, 0, 0, 255, 51]),
                  root.appendingPathComponent("apple/x.png"))
        // RGBA 1x1.
        try write(DataTestFiles.png(width: 1, height: 1, colorType: 6, pixels: [10, 20, 30, 128]), root.appendingPathComponent("mango/m.png"))
        try Data("not an image".utf8).write(to: root.appendingPathComponent("apple/notes.txt"))
        try Data().write(to: root.appendingPathComponent("README"))

        let data = try ImageFolder(root: root)
        XCTAssertEqual(data.classNames, ["apple", "mango", "zebra"])
        XCTAssertEqual(data.count, 4)
        XCTAssertEqual(data.samples.map(\.label), [0, 1, 2, 2])
        XCTAssertEqual(data.samples.map { URL(fileURLWithPath: $0.path).lastPathComponent }, ["x.png", "m.png", "a.PNG", "b.png"])

        let (rgb, appleLabel) = try data[0]
        XCTAssertEqual(rgb.shape, [3, 1, 2])
        XCTAssertEqual(rgb.dtype, .float32)
        XCTAssertEqual(rgb.toArray(as: Float.self), [1, 0, 0, 1, 0, 0.2])
        XCTAssertEqual(appleLabel.dtype, .int64)
        XCTAssertEqual(appleLabel.item(as: Int64.self), 0)
        let (rgba, _) = try data[1]
        XCTAssertEqual(rgba.shape, [4, 1, 1])
        XCTAssertEqual(rgba.toArray(as: Float.self), [10, 20, 30, 128].map { Float($0) / 255 })
        let (gray, zebraLabel) = try data[3]
        XCTAssertEqual(gray.shape, [1, 2, 3])
        XCTAssertEqual(gray.toArray(as: Float.self), [0, 0.2, 1, 0.4, 0.8, 0.6])
        XCTAssertEqual(zebraLabel.item(as: Int64.self), 2)

        let asRGB = try ImageFolder(root: root, channels: .rgb)
        XCTAssertEqual(try asRGB[3].0.shape, [3, 2, 3])
        XCTAssertEqual(try asRGB[3].0.toArray(as: Float.self).prefix(3), [0, 0.2, 1])
        var iterator = DataLoader(try Subset(asRGB, indices: [1, 2]), batchSize: 2).epoch(0)
        let (batch, labels) = try XCTUnwrap(try iterator.nextBatch())
        XCTAssertEqual(batch.shape, [2, 3, 1, 1])
        XCTAssertEqual(labels.toArray(as: Int64.self), [1, 2])
    }

    func testBadImagesAndLayoutsNameTheFile() throws {
        let root = try DataTestFiles.directory(self)
        let good = DataTestFiles.png(width: 2, height: 2, colorType: 0, pixels: [1, 2, 3, 4])
        try write(good, root.appendingPathComponent("a/ok.png"))
        try write(Array(good.prefix(good.count - 20)), root.appendingPathComponent("a/truncated.png"))
        try write(Array("GIF89a....".utf8), root.appendingPathComponent("b/fake.png"))
        let data = try ImageFolder(root: root)
        XCTAssertNoThrow(try data[0])
        for index in [1, 2] {
            XCTAssertThrowsError(try data[index]) { error in
                guard case .badImage(let file, let reason)? = error as? DataFileError else { return XCTFail("\(error)") }
                XCTAssertEqual(file, data.samples[index].path)
                XCTAssertFalse(reason.isEmpty)
            }
        }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("empty"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try ImageFolder(root: root)) { error in
            XCTAssertEqual((error as? DataFileError)?.file, root.appendingPathComponent("empty").path)
        }
        XCTAssertThrowsError(try ImageFolder(root: root.appendingPathComponent("a/ok.png")))
        XCTAssertThrowsError(try ImageFolder(root: try DataTestFiles.directory(self)))
    }
}
