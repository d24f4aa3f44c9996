import Foundation
import XCTest

@testable import Nabla

/// Accuracy, special values, tails and aliasing of the vectorised elementwise math (`VectorMath`).
///
/// References are Glibc's double-precision functions (Float80 for the double kernels on x86-64).
/// The ulp bounds asserted below sit just above the maxima measured over all 2^32 float inputs
/// (float kernels) and dense random sweeps (double kernels); all are ≤ 2 ulp.
final class VectorMathTests: XCTestCase {
    typealias Kernel = @Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void

    struct FloatCase: Sendable {
        let name: String
        let kernel: Kernel
        let reference: @Sendable (Double) -> Double
        let maxULP: Double
    }

    static let floatCases: [FloatCase] = [
        FloatCase(name: "exp", kernel: { VectorMath.exp($0, $1, count: $2) }, reference: { Foundation.exp($0) }, maxULP: 1.0),
        FloatCase(name: "expm1", kernel: { VectorMath.expm1($0, $1, count: $2) }, reference: { Foundation.expm1($0) }, maxULP: 1.0),
        FloatCase(name: "log", kernel: { VectorMath.log($0, $1, count: $2) }, reference: { Foundation.log($0) }, maxULP: 1.0),
        FloatCase(name: "log1p", kernel: { VectorMath.log1p($0, $1, count: $2) }, reference: { Foundation.log1p($0) }, maxULP: 1.0),
        FloatCase(name: "tanh", kernel: { VectorMath.tanh($0, $1, count: $2) }, reference: { Foundation.tanh($0) }, maxULP: 1.1),
        FloatCase(name: "sigmoid", kernel: { VectorMath.sigmoid($0, $1, count: $2) }, reference: { 1 / (1 + Foundation.exp(-$0)) }, maxULP: 1.5),
        FloatCase(name: "erf", kernel: { VectorMath.erf($0, $1, count: $2) }, reference: { Foundation.erf($0) }, maxULP: 1.35),
        FloatCase(name: "sin", kernel: { VectorMath.sin($0, $1, count: $2) }, reference: { Foundation.sin($0) }, maxULP: 0.51),
        FloatCase(name: "cos", kernel: { VectorMath.cos($0, $1, count: $2) }, reference: { Foundation.cos($0) }, maxULP: 0.51),
        FloatCase(name: "sqrt", kernel: { VectorMath.sqrt($0, $1, count: $2) }, reference: { $0.squareRoot() }, maxULP: 0.501),
        FloatCase(name: "rsqrt", kernel: { VectorMath.rsqrt($0, $1, count: $2) }, reference: { 1 / $0.squareRoot() }, maxULP: 0.51),
    ]

    // MARK: Helpers

    /// Distance from `y` to the exact value `r` in units of the float ulp at `r` (denormal ulp
    /// below 2^-126). Infinite when NaN-ness differs, when one side is infinite and the other is
    /// not (a correctly rounded overflow counts as exact) or when a zero has the wrong sign.
    static func ulpError(_ y: Float, _ r: Double) -> Double {
        if r.isNaN || y.isNaN { return r.isNaN && y.isNaN ? 0 : .infinity }
        let rf = Float(r)
        if y.isInfinite || r.isInfinite { return rf == y ? 0 : .infinity }
        if y == 0 && rf == 0 && y.sign != rf.sign { return .infinity }
        let e = r == 0 ? -126 : max(Int(r.exponent), -126)
        return Swift.abs(Double(y) - r) / Double(sign: .plus, exponent: e - 23, significand: 1)
    }

    static func run(_ kernel: Kernel, _ xs: [Float]) -> [Float] {
        var ys = [Float](repeating: .nan, count: xs.count)
        xs.withUnsafeBufferPointer { x in
            ys.withUnsafeMutableBufferPointer { y in kernel(x.baseAddress!, y.baseAddress!, xs.count) }
        }
        return ys
    }

    /// Every 32771st float bit pattern (all signs, magnitudes, denormals, infinities and NaNs), plus
    /// dense runs of consecutive floats around the places where algorithms switch branches.
    static let sweepInputs: [Float] = {
        var xs: [Float] = []
        var b: UInt64 = 0
        while b < 1 << 32 {
            xs.append(Float(bitPattern: UInt32(b)))
            b += 32771
        }
        let centres: [Float] = [
            0, 1e-30, 1e-8, 0.3466, 0.5, 0.625, 0.7071, 0.875, 1, 1.4142, 2, 3.95, 9, 16.6, 17.3,
            88.72, 103.97, 1e4, 8388608, 1e30,
        ]
        for c in centres {
            for s: Float in [1, -1] {
                var v = c * s
                for _ in 0..<1000 {
                    xs.append(v)
                    v = v.nextUp
                }
            }
        }
        return xs
    }()

    // MARK: Accuracy

    func testFloatAccuracyAgainstFoundation() {
        let xs = Self.sweepInputs
        for c in Self.floatCases {
            let ys = Self.run(c.kernel, xs)
            var worst = 0.0, worstX: Float = 0
            for (x, y) in zip(xs, ys) {
                let e = Self.ulpError(y, c.reference(Double(x)))
                if !(e <= worst) { worst = e; worstX = x }
            }
            XCTAssertLessThanOrEqual(worst, c.maxULP, "\(c.name): \(worst) ulp at x = \(worstX) (0x\(String(worstX.bitPattern, radix: 16)))")
        }
    }

    func testSinCosLargeArguments() {
        // Payne–Hanek reduction: huge arguments must be reduced exactly, not just "somehow".
        let xs: [Float] = [8388608, 1e7, 1.6e7, 1e10, 123456792, 3e30, 1e38, .greatestFiniteMagnitude, -1e20, 1.7e38]
        for (name, kernel, ref) in [
            ("sin", { VectorMath.sin($0, $1, count: $2) } as Kernel, Foundation.sin as (Double) -> Double),
            ("cos", { VectorMath.cos($0, $1, count: $2) } as Kernel, Foundation.cos as (Double) -> Double),
        ] {
            let ys = Self.run(kernel, xs)
            for (x, y) in zip(xs, ys) {
                XCTAssertLessThanOrEqual(Self.ulpError(y, ref(Double(x))), 0.51, "\(name)(\(x)) = \(y)")
            }
        }
    }

    // MARK: Special values

    func testSpecialValues() {
        let inf = Float.infinity, nan = Float.nan
        let minDenormal = Float.leastNonzeroMagnitude
        // (function, input, expected); NaN expected means "any NaN". Zeros are compared with sign.
        let cases: [(String, Float, Float)] = [
            ("exp", 0, 1), ("exp", -0.0, 1), ("exp", inf, inf), ("exp", -inf, 0), ("exp", nan, nan),
            ("exp", 88.8, inf), ("exp", 1000, inf), ("exp", -104, 0), ("exp", minDenormal, 1),
            ("expm1", 0, 0), ("expm1", -0.0, -0.0), ("expm1", inf, inf), ("expm1", -inf, -1),
            ("expm1", nan, nan), ("expm1", 89, inf), ("expm1", -30, -1), ("expm1", minDenormal, minDenormal),
            ("log", 1, 0), ("log", 0, -inf), ("log", -0.0, -inf), ("log", -1, nan), ("log", -inf, nan),
            ("log", inf, inf), ("log", nan, nan),
            ("log1p", 0, 0), ("log1p", -0.0, -0.0), ("log1p", -1, -inf), ("log1p", -2, nan),
            ("log1p", inf, inf), ("log1p", -inf, nan), ("log1p", nan, nan), ("log1p", minDenormal, minDenormal),
            ("tanh", 0, 0), ("tanh", -0.0, -0.0), ("tanh", inf, 1), ("tanh", -inf, -1), ("tanh", 10, 1),
            ("tanh", -50, -1), ("tanh", nan, nan), ("tanh", minDenormal, minDenormal),
            ("sigmoid", 0, 0.5), ("sigmoid", inf, 1), ("sigmoid", -inf, 0), ("sigmoid", 20, 1),
            ("sigmoid", -200, 0), ("sigmoid", nan, nan),
            ("erf", 0, 0), ("erf", -0.0, -0.0), ("erf", inf, 1), ("erf", -inf, -1), ("erf", 4, 1),
            ("erf", nan, nan), ("erf", minDenormal, minDenormal),
            ("sin", 0, 0), ("sin", -0.0, -0.0), ("sin", inf, nan), ("sin", -inf, nan), ("sin", nan, nan),
            ("sin", minDenormal, minDenormal),
            ("cos", 0, 1), ("cos", -0.0, 1), ("cos", inf, nan), ("cos", nan, nan),
            ("sqrt", 0, 0), ("sqrt", -0.0, -0.0), ("sqrt", -1, nan), ("sqrt", inf, inf), ("sqrt", 4, 2),
            ("sqrt", nan, nan),
            ("rsqrt", 0, inf), ("rsqrt", -0.0, -inf), ("rsqrt", inf, 0), ("rsqrt", -1, nan), ("rsqrt", 4, 0.5),
            ("rsqrt", nan, nan),
        ]
        XCTAssertGreaterThan(Float(1 / (1 + Foundation.exp(100 as Double))), 0, "σ(-100) is representable")
        for (name, x, expected) in cases {
            let kernel = Self.floatCases.first { $0.name == name }!.kernel
            // Put the value in every lane position, with other lanes holding ordinary values.
            for position in 0..<17 {
                var xs = [Float](repeating: 0.25, count: 17)
                xs[position] = x
                let y = Self.run(kernel, xs)[position]
                if expected.isNaN {
                    XCTAssertTrue(y.isNaN, "\(name)(\(x)) = \(y), expected NaN (lane \(position))")
                } else {
                    XCTAssertTrue(
                        y == expected && y.sign == expected.sign,
                        "\(name)(\(x)) = \(y), expected \(expected) (lane \(position))")
                }
            }
        }
    }

    func testSigmoidKeepsTinyValues() {
        let xs: [Float] = [-80, -90, -100, -103]
        let ys = Self.run({ VectorMath.sigmoid($0, $1, count: $2) }, xs)
        for (x, y) in zip(xs, ys) {
            let r = 1 / (1 + Foundation.exp(-Double(x)))
            XCTAssertGreaterThan(y, 0, "sigmoid(\(x)) flushed to zero")
            XCTAssertLessThanOrEqual(Self.ulpError(y, r), 1.5, "sigmoid(\(x)) = \(y), expected \(r)")
        }
    }

    // MARK: Tails and aliasing

    func testTailCountsMatchElementwiseResults() {
        let counts = [0, 1, 15, 16, 17, 1000]
        for c in Self.floatCases {
            for n in counts {
                let xs: [Float] = (0..<n).map { (i: Int) -> Float in
                    let wave = Float(Foundation.sin(Double(i) * 0.37))
                    return wave * 7 + 0.5 * Float(i % 3)
                }
                // Guard elements after the end must stay untouched.
                var ys = [Float](repeating: 12345, count: n + 9)
                xs.withUnsafeBufferPointer { x in
                    ys.withUnsafeMutableBufferPointer { y in
                        c.kernel(x.baseAddress ?? UnsafePointer(bitPattern: 64)!, y.baseAddress!, n)
                    }
                }
                for i in 0..<n {
                    let single = Self.run(c.kernel, [xs[i]])[0]
                    XCTAssertEqual(ys[i].bitPattern, single.bitPattern, "\(c.name) count \(n) element \(i)")
                    XCTAssertLessThanOrEqual(Self.ulpError(ys[i], c.reference(Double(xs[i]))), c.maxULP, "\(c.name) count \(n) element \(i)")
                }
                for i in n..<(n + 9) { XCTAssertEqual(ys[i], 12345, "\(c.name) count \(n) wrote past the end") }
            }
        }
    }

    func testInPlace() {
        let xs = (0..<1000).map { Float($0) * 0.0137 - 6.5 }
        for c in Self.floatCases {
            let expected = Self.run(c.kernel, xs)
            var buffer = xs
            buffer.withUnsafeMutableBufferPointer { p in c.kernel(UnsafePointer(p.baseAddress!), p.baseAddress!, p.count) }
            for i in xs.indices {
                XCTAssertEqual(buffer[i].bitPattern, expected[i].bitPattern, "\(c.name) in place, element \(i)")
            }
        }
    }

    // MARK: Double precision

    typealias DoubleKernel = @Sendable (UnsafePointer<Double>, UnsafeMutablePointer<Double>, Int) -> Void

    #if arch(x86_64) && !os(Windows)
    typealias Wide = Float80
    #else
    typealias Wide = Double
    #endif

    static let doubleCases: [(String, DoubleKernel, @Sendable (Wide) -> Wide, Double)] = [
        ("exp", { VectorMath.exp($0, $1, count: $2) }, { Foundation.exp($0) }, 1.1),
        ("log", { VectorMath.log($0, $1, count: $2) }, { Foundation.log($0) }, 1.0),
        ("tanh", { VectorMath.tanh($0, $1, count: $2) }, { Foundation.tanh($0) }, 1.15),
        ("sigmoid", { VectorMath.sigmoid($0, $1, count: $2) }, { 1 / (1 + Foundation.exp(-$0)) }, 1.5),
    ]

    static func ulpError(_ y: Double, _ r: Wide) -> Double {
        if r.isNaN || y.isNaN { return r.isNaN && y.isNaN ? 0 : .infinity }
        let rd = Double(r)
        if y.isInfinite || r.isInfinite { return rd == y ? 0 : .infinity }
        if y == 0 && rd == 0 && y.sign != rd.sign { return .infinity }
        let e = r == 0 ? -1022 : max(Int(r.exponent), -1022)
        return Double(Swift.abs(Wide(y) - r) / Wide(sign: .plus, exponent: e - 52, significand: 1))
    }

    func testDoubleAccuracyAndSpecials() {
        // A deterministic sweep: every 2^49+1-th... bit pattern is too sparse near 0, so mix a
        // bit-pattern sweep with linear ranges over the interesting domains.
        var xs: [Double] = []
        var b: UInt64 = 0
        while true {
            xs.append(Double(bitPattern: b))
            let (next, overflow) = b.addingReportingOverflow(0x0000_8000_0000_0001 &* 3)
            if overflow { break }
            b = next
        }
        for i in 1...2000 { xs.append(Double(bitPattern: UInt64(i) &* 0x0000_0100_0000_0001)) }  // denormals
        for i in 0..<20000 { xs.append(-745 + Double(i) * 0.002) }  // sigmoid's tiny values
        for (lo, hi) in [(-750.0, 750.0), (-2.0, 2.0), (0.5, 2.0), (-0.001, 0.001), (700.0, 746.0)] {
            for i in 0..<20000 { xs.append(lo + (hi - lo) * Double(i) / 20000) }
        }
        for (name, kernel, reference, bound) in Self.doubleCases {
            var ys = [Double](repeating: .nan, count: xs.count)
            xs.withUnsafeBufferPointer { x in ys.withUnsafeMutableBufferPointer { y in kernel(x.baseAddress!, y.baseAddress!, xs.count) } }
            var worst = 0.0, worstX = 0.0
            for (x, y) in zip(xs, ys) {
                let e = Self.ulpError(y, reference(Wide(x)))
                if !(e <= worst) { worst = e; worstX = x }
            }
            XCTAssertLessThanOrEqual(worst, bound, "double \(name): \(worst) ulp at x = \(worstX)")
        }
        let inf = Double.infinity
        let specials: [(String, Double, Double)] = [
            ("exp", -inf, 0), ("exp", inf, inf), ("exp", 710, inf), ("exp", -746, 0), ("exp", 0, 1),
            ("exp", -745, Double.leastNonzeroMagnitude),
            ("log", 0, -inf), ("log", -1, .nan), ("log", inf, inf), ("log", 1, 0),
            ("tanh", -0.0, -0.0), ("tanh", 30, 1), ("tanh", -inf, -1), ("tanh", .nan, .nan),
            ("sigmoid", -inf, 0), ("sigmoid", inf, 1), ("sigmoid", 0, 0.5), ("sigmoid", .nan, .nan),
        ]
        for (name, x, expected) in specials {
            let kernel = Self.doubleCases.first { $0.0 == name }!.1
            for n in [1, 5] {
                var input = [Double](repeating: 0.5, count: n)
                input[n - 1] = x
                var out = [Double](repeating: 0, count: n)
                input.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { q in kernel(p.baseAddress!, q.baseAddress!, n) } }
                let y = out[n - 1]
                if expected.isNaN {
                    XCTAssertTrue(y.isNaN, "double \(name)(\(x)) = \(y), expected NaN")
                } else {
                    XCTAssertTrue(y == expected && y.sign == expected.sign, "double \(name)(\(x)) = \(y), expected \(expected)")
                }
            }
        }
    }

    func testDoubleTailsAndInPlace() {
        for (name, kernel, reference, bound) in Self.doubleCases {
            for n in [0, 1, 3, 4, 5, 1000] {
                let xs = (0..<n).map { Double($0) * 0.731 - 40 }
                var ys = [Double](repeating: 12345, count: n + 5)
                xs.withUnsafeBufferPointer { x in
                    ys.withUnsafeMutableBufferPointer { y in
                        kernel(x.baseAddress ?? UnsafePointer(bitPattern: 64)!, y.baseAddress!, n)
                    }
                }
                var inPlace = xs
                inPlace.withUnsafeMutableBufferPointer { p in
                    if let base = p.baseAddress { kernel(UnsafePointer(base), base, n) }
                }
                for i in 0..<n {
                    XCTAssertLessThanOrEqual(Self.ulpError(ys[i], reference(Wide(xs[i]))), bound, "double \(name) count \(n) element \(i)")
                    XCTAssertEqual(inPlace[i].bitPattern, ys[i].bitPattern, "double \(name) in place, element \(i)")
                }
                for i in n..<(n + 5) { XCTAssertEqual(ys[i], 12345, "double \(name) count \(n) wrote past the end") }
            }
        }
    }
}
