import Foundation
import Nabla
import XCTest
@testable import NablaData

/// Example i is `(Tensor([i + offset]), Tensor(i + offset))`.
private struct Numbered: Dataset {
    let count: Int
    var offset = 0
    func element(at index: Int) throws -> (Tensor, Tensor) {
        guard index >= 0 && index < count else { throw DataLoaderError.indexOutOfRange(index: index, count: count, dataset: "Numbered") }
        return (Tensor([Float(index + offset)]), Tensor(Int64(index + offset)))
    }
}

private func label(_ example: (Tensor, Tensor)) -> Int64 { example.1.item(as: Int64.self) }

final class CombinatorTests: XCTestCase {
    func testSubsetReadsChosenIndicesAndRejectsBadOnes() throws {
        let subset = try Subset(Numbered(count: 10), indices: [7, 2, 2])
        XCTAssertEqual(subset.count, 3)
        XCTAssertEqual(try (0..<3).map { label(try subset[$0]) }, [7, 2, 2])
        XCTAssertThrowsError(try Subset(Numbered(count: 10), indices: [3, 10])) { error in
            XCTAssertEqual(error as? DataLoaderError, .indexOutOfRange(index: 10, count: 10, dataset: "Subset of Numbered"))
        }
        XCTAssertThrowsError(try subset.element(at: 3))
    }

    func testRandomSplitSizesPartitionAndDeterminism() throws {
        let data = Numbered(count: 10)
        let parts = try randomSplit(data, lengths: [6, 3, 1], seed: 42)
        XCTAssertEqual(parts.map(\.count), [6, 3, 1])
        XCTAssertEqual(parts.flatMap(\.indices).sorted(), Array(0..<10))
        let again = try randomSplit(data, lengths: [6, 3, 1], seed: 42)
        XCTAssertEqual(parts.map(\.indices), again.map(\.indices))
        let other = try randomSplit(data, lengths: [6, 3, 1], seed: 43)
        XCTAssertNotEqual(parts.map(\.indices), other.map(\.indices))
        XCTAssertNotEqual(parts[0].indices, Array(0..<6), "the split is shuffled")
        XCTAssertThrowsError(try randomSplit(data, lengths: [5, 4], seed: 0))
        XCTAssertThrowsError(try randomSplit(data, lengths: [11, -1], seed: 0))
    }

    func testRandomSplitFractionsLikePyTorch() throws {
        // PyTorch: floor(n * f) each, then the remainder round-robin from the first part.
        XCTAssertEqual(try randomSplit(Numbered(count: 10), fractions: [0.8, 0.2], seed: 0).map(\.count), [8, 2])
        XCTAssertEqual(try randomSplit(Numbered(count: 11), fractions: [0.5, 0.3, 0.2], seed: 0).map(\.count), [6, 3, 2])
        XCTAssertEqual(try randomSplit(Numbered(count: 7), fractions: [1.0 / 3, 1.0 / 3, 1.0 / 3], seed: 0).map(\.count), [3, 2, 2])
        XCTAssertThrowsError(try randomSplit(Numbered(count: 10), fractions: [0.5, 0.4], seed: 0))
        XCTAssertThrowsError(try randomSplit(Numbered(count: 10), fractions: [1.5, -0.5], seed: 0))
    }

    func testConcatIndexesAcrossDatasets() throws {
        let all = ConcatDataset([Numbered(count: 3), Numbered(count: 0, offset: 100), Numbered(count: 2, offset: 10)])
        XCTAssertEqual(all.count, 5)
        XCTAssertEqual(try (0..<5).map { label(try all[$0]) }, [0, 1, 2, 10, 11])
        XCTAssertEqual(try all.location(of: 3).dataset, 2)
        XCTAssertThrowsError(try all.element(at: 5))
        XCTAssertThrowsError(try all.element(at: -1))
        let mixed = ConcatDataset([AnyDataset(Numbered(count: 2)), AnyDataset(try Subset(Numbered(count: 5), indices: [4]))])
        XCTAssertEqual(try (0..<3).map { label(try mixed[$0]) }, [0, 1, 4])
        XCTAssertEqual(ConcatDataset<Tensor>([AnyDataset<Tensor>]()).count, 0)
    }

    func testMapAndLoaderOverCombinators() throws {
        let doubled = Numbered(count: 4).map { x, y in (x * 2, y) }
        XCTAssertEqual(try doubled[3].0.toArray(as: Float.self), [6])
        let loader = DataLoader(try randomSplit(doubled, lengths: [3, 1], seed: 1)[0], batchSize: 3)
        var iterator = loader.epoch(0)
        let (x, y) = try XCTUnwrap(try iterator.nextBatch())
        XCTAssertEqual(x.shape, [3, 1])
        XCTAssertEqual(x.toArray(as: Float.self), y.toArray(as: Int64.self).map { Float($0 * 2) })
    }
}
