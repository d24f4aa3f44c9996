import Foundation
import Nabla
import XCTest
@testable import NablaData

/// `n` images `[1, 4, 4]` holding 0..<16 (plus 100 * index), labelled `index % 3`.
private struct Images: Dataset {
    let count: Int
    func element(at index: Int) throws -> (Tensor, Tensor) {
        (Tensor(shape: [1, 4, 4], scalars: (0..<16).map { Float($0 + 100 * index) }), Tensor(Int64(index % 3)))
    }
}

final class TransformTests: XCTestCase {
    func testNormalizeByHand() throws {
        let x = Tensor(shape: [2, 1, 2], scalars: [Float](arrayLiteral: 1, 3, 10, 20))
        let y = try Normalize(mean: [1, 10], std: [2, 5])(x)
        XCTAssertEqual(y.shape, [2, 1, 2])
        XCTAssertEqual(y.toArray(as: Float.self), [0, 1, 0, 2])
        XCTAssertEqual(try Normalize(mean: [0.5], std: [0.25])(Tensor([Float](arrayLiteral: 0, 1))).toArray(as: Float.self), [-2, 2])
        XCTAssertEqual(try Normalize(mean: [1], std: [1])(Tensor([UInt8(3)])).dtype, .float32)
        XCTAssertThrowsError(try Normalize(mean: [0, 0, 0], std: [1, 1, 1])(x))
    }

    func testOneHot() throws {
        XCTAssertEqual(try OneHot(classCount: 4)(Tensor(Int64(2))).toArray(as: Float.self), [0, 0, 1, 0])
        let batch = try OneHot(classCount: 3)(Tensor([Int32(0), 2]))
        XCTAssertEqual(batch.shape, [2, 3])
        XCTAssertEqual(batch.toArray(as: Float.self), [1, 0, 0, 0, 0, 1])
        XCTAssertThrowsError(try OneHot(classCount: 3)(Tensor(Int64(3))))
        XCTAssertThrowsError(try OneHot(classCount: 3)(Tensor(Float(1))))
    }

    func testHorizontalFlipOnATinyTensor() throws {
        let x = Tensor(shape: [1, 2, 3], scalars: [Float](arrayLiteral: 1, 2, 3, 4, 5, 6))
        XCTAssertEqual(try RandomHorizontalFlip(p: 1)(x).toArray(as: Float.self), [3, 2, 1, 6, 5, 4])
        XCTAssertEqual(try RandomHorizontalFlip(p: 0)(x).toArray(as: Float.self), [1, 2, 3, 4, 5, 6])
        let flip = RandomHorizontalFlip(p: 0.5, seed: 3)
        let decisions = (0..<200).map { flip.flips(TransformContext(index: $0, epoch: 0)) }
        XCTAssertTrue((70...130).contains(decisions.filter { $0 }.count), "about half are flipped")
        XCTAssertEqual(decisions, (0..<200).map { flip.flips(TransformContext(index: $0, epoch: 0)) })
    }

    func testRandomCropIsSeededPerEpochAndIndex() throws {
        let image = Tensor(shape: [1, 4, 4], scalars: (0..<16).map(Float.init))
        let crop = RandomCrop(size: 2, seed: 7)
        let a = try crop(image, index: 5, epoch: 0)
        XCTAssertEqual(a.shape, [1, 2, 2])
        XCTAssertEqual(a.toArray(as: Float.self), try RandomCrop(size: 2, seed: 7)(image, index: 5, epoch: 0).toArray(as: Float.self))
        // The crop is the window at its origin.
        let (top, left) = crop.origin(paddedHeight: 4, paddedWidth: 4, context: TransformContext(index: 5, epoch: 0))
        XCTAssertEqual(a.toArray(as: Float.self), [0, 1, 4, 5].map { Float($0 + 4 * top + left) })
        // Across epochs (and indices) the windows differ.
        let byEpoch = Set((0..<10).map { crop.origin(paddedHeight: 4, paddedWidth: 4, context: TransformContext(index: 5, epoch: $0)).top * 10
            + crop.origin(paddedHeight: 4, paddedWidth: 4, context: TransformContext(index: 5, epoch: $0)).left })
        XCTAssertGreaterThan(byEpoch.count, 2)

        // Padding: a 4x4 crop of a 2x2 image padded by 1 is the whole padded image.
        let small = Tensor(shape: [1, 2, 2], scalars: [Float](arrayLiteral: 1, 2, 3, 4))
        XCTAssertEqual(try RandomCrop(size: 4, padding: 1)(small).toArray(as: Float.self),
                       [0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0])
        XCTAssertThrowsError(try RandomCrop(size: 5)(image))
    }

    func testTransformedDatasetUsesTheLoaderEpochWhateverTheWorkers() throws {
        let augment = Compose([RandomCrop(size: 2, padding: 1, seed: 11), RandomHorizontalFlip(seed: 12), Normalize(mean: [1], std: [2])])
        let data = Images(count: 12).transformed(input: augment, target: OneHot(classCount: 3))
        func epoch(_ e: Int, workers: Int) throws -> [Float] {
            var iterator = DataLoader(data, batchSize: 5, workers: workers).epoch(e)
            var values: [Float] = []
            while let (x, y) = try iterator.nextBatch() {
                XCTAssertEqual(x.shape[1...], [1, 2, 2])
                XCTAssertEqual(y.shape[1], 3)
                values += x.toArray(as: Float.self)
            }
            return values
        }
        XCTAssertEqual(try epoch(0, workers: 0), try epoch(0, workers: 2))
        XCTAssertEqual(try epoch(1, workers: 0), try epoch(1, workers: 2))
        XCTAssertNotEqual(try epoch(0, workers: 0), try epoch(1, workers: 0))
        XCTAssertEqual(try data[4].1.toArray(as: Float.self), [0, 1, 0])
    }
}
