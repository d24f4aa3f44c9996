import XCTest
import Nabla
@testable import NablaBoard

/// Histogram buckets: NumPy's binning rule and PyTorch's trimming, on hand-computed cases.
final class HistogramTests: XCTestCase {
    func testHandComputedBucketsWithExplicitEdges() throws {
        // Bins [-2,-1) [-1,0) [0,1) [1,2) [2,3]: counts 0 0 2 1 2; 5 is outside every bin.
        let values: [Double] = [0.5, 0.5, 1, 2.5, 3, 5]
        let h = try HistogramProto(values: values, edges: [-2, -1, 0, 1, 2, 3])
        XCTAssertEqual(h.bucketLimits, [0, 1, 2, 3], "one empty bucket kept left of the first nonempty one")
        XCTAssertEqual(h.bucketCounts, [0, 2, 1, 2])
        XCTAssertEqual(h.min, 0.5)
        XCTAssertEqual(h.max, 5)
        XCTAssertEqual(h.num, 6)
        XCTAssertEqual(h.sum, 12.5)
        XCTAssertEqual(h.sumSquares, 0.25 + 0.25 + 1 + 6.25 + 9 + 25)
    }

    func testFirstBinNonemptyGetsAZeroBucketPrepended() throws {
        // Bins [-2,-1) [-1,0) [0,1]: counts 2 0 1. Interior empty buckets stay.
        let h = try HistogramProto(values: [-2, -1.5, 0], edges: [-2, -1, 0, 1])
        XCTAssertEqual(h.bucketLimits, [-2, -1, 0, 1])
        XCTAssertEqual(h.bucketCounts, [0, 2, 0, 1])
    }

    func testDefaultEdgesAreTensorFlows() {
        let edges = HistogramProto.defaultBucketEdges
        XCTAssertEqual(edges.count, 2 * 774 + 1)
        XCTAssertEqual(edges[774], 0)
        XCTAssertEqual(edges[775], 1e-12)
        XCTAssertEqual(edges[776], 1e-12 * 1.1)
        XCTAssertEqual(edges[773], -1e-12)
        XCTAssertLessThan(edges.last ?? .infinity, 1e20)
        XCTAssertGreaterThan((edges.last ?? 0) * 1.1, 1e20)
        XCTAssertEqual(edges.first, -(edges.last ?? 0))
        XCTAssertEqual(edges, edges.sorted())
    }

    func testDefaultEdgesOnSimpleValues() throws {
        // All zeros fall in [0, 1e-12): limits [0, 1e-12], counts [0, 3].
        let zeros = try HistogramProto(values: [0, 0, 0])
        XCTAssertEqual(zeros.bucketLimits, [0, 1e-12])
        XCTAssertEqual(zeros.bucketCounts, [0, 3])
        // 1.0 is in the bin whose left edge is the largest default edge <= 1.
        let edges = HistogramProto.defaultBucketEdges
        let i = try XCTUnwrap(edges.lastIndex { $0 <= 1 })
        let one = try HistogramProto(values: [1, 1])
        XCTAssertEqual(one.bucketLimits, [edges[i], edges[i + 1]])
        XCTAssertEqual(one.bucketCounts, [0, 2])
        XCTAssertLessThanOrEqual(edges[i], 1)
        XCTAssertGreaterThan(edges[i + 1], 1)
    }

    func testInvalidValuesThrowNamingTheTag() {
        XCTAssertThrowsError(try HistogramProto(values: [], tag: "w")) {
            XCTAssertEqual($0 as? BoardError, .invalidHistogram(tag: "w", reason: "no values"))
        }
        XCTAssertThrowsError(try HistogramProto(values: [1, .nan], tag: "w"))
        XCTAssertThrowsError(try HistogramProto(values: [.infinity], tag: "w"))
        XCTAssertThrowsError(try HistogramProto(values: [1e30], tag: "w"))
    }
}
