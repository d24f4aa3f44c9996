import Foundation

/// Elementwise operations as types, so the generic loops in `CPUElementwiseLoops.swift` are
/// specialised per op and the inner loops inline (and vectorise) the operation. (A closure
/// captured by the parallel loop body stays an indirect call per element: about 2 ns.)
protocol UnaryKernel {
    associatedtype Input
    associatedtype Output
    static func apply(_ x: Input) -> Output
}

/// A two-input elementwise operation as a type.
protocol BinaryKernel {
    associatedtype Input
    associatedtype Output
    static func apply(_ a: Input, _ b: Input) -> Output
}

enum Kernels {
    // MARK: Floating-point unary
    enum Neg<T: CPUFloat>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> T { -x } }
    enum Abs<T: CPUFloat>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> T { Swift.abs(x) } }
    enum Sign<T: CPUFloat>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> T { x > 0 ? 1 : (x < 0 ? -1 : x) } }
    enum Relu<T: CPUFloat>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> T { x > 0 ? x : (x.isNaN ? x : 0) } }
    enum Exp<T: CPUFloat>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> T { T.kExp(x) } }
    enum Log<T: CPUFloat>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> T { T.kLog(x) } }
    enum Log1p<T: CPUFloat>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> T { T.kLog1p(x) } }
    enum Expm1<T: CPUFloat>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> T { T.kExpm1(x) } }
    enum Sqrt<T: CPUFloat>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> T { x.squareRoot() } }
    enum Rsqrt<T: CPUFloat>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> T { 1 / x.squareRoot() } }
    enum Sin<T: CPUFloat>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> T { T.kSin(x) } }
    enum Cos<T: CPUFloat>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> T { T.kCos(x) } }
    enum Tanh<T: CPUFloat>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> T { T.kTanh(x) } }
    enum Sigmoid<T: CPUFloat>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> T { 1 / (1 + T.kExp(-x)) } }
    enum Erf<T: CPUFloat>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> T { T.kErf(x) } }
    enum Floor<T: CPUFloat>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> T { x.rounded(.down) } }
    enum Ceil<T: CPUFloat>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> T { x.rounded(.up) } }
    enum Round<T: CPUFloat>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> T { x.rounded(.toNearestOrEven) } }
    enum IsNaN<T: CPUFloat>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> Bool { x.isNaN } }
    enum IsFinite<T: CPUFloat>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> Bool { x.isFinite } }
    enum IsZero<T: Numeric>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> Bool { x == 0 } }

    // MARK: Integer and bool unary
    enum IntNeg: UnaryKernel { @inline(__always) static func apply(_ x: Int64) -> Int64 { 0 &- x } }
    enum IntAbs: UnaryKernel { @inline(__always) static func apply(_ x: Int64) -> Int64 { x < 0 ? 0 &- x : x } }
    enum IntSign: UnaryKernel { @inline(__always) static func apply(_ x: Int64) -> Int64 { x.signum() } }
    enum IntRelu: UnaryKernel { @inline(__always) static func apply(_ x: Int64) -> Int64 { Swift.max(x, 0) } }
    enum Constant<T, Value: BoolConstant>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> Bool { Value.value } }
    enum Not: UnaryKernel { @inline(__always) static func apply(_ x: Bool) -> Bool { !x } }
    enum Identity<T>: UnaryKernel { @inline(__always) static func apply(_ x: T) -> T { x } }

    // MARK: Binary
    enum Add<T: CPUFloat>: BinaryKernel { @inline(__always) static func apply(_ a: T, _ b: T) -> T { a + b } }
    enum Sub<T: CPUFloat>: BinaryKernel { @inline(__always) static func apply(_ a: T, _ b: T) -> T { a - b } }
    enum Mul<T: CPUFloat>: BinaryKernel { @inline(__always) static func apply(_ a: T, _ b: T) -> T { a * b } }
    enum Div<T: CPUFloat>: BinaryKernel { @inline(__always) static func apply(_ a: T, _ b: T) -> T { a / b } }
    enum Pow<T: CPUFloat>: BinaryKernel { @inline(__always) static func apply(_ a: T, _ b: T) -> T { T.kPow(a, b) } }
    enum Minimum<T: CPUFloat>: BinaryKernel { @inline(__always) static func apply(_ a: T, _ b: T) -> T { a.isNaN || b.isNaN ? .nan : Swift.min(a, b) } }
    enum Maximum<T: CPUFloat>: BinaryKernel { @inline(__always) static func apply(_ a: T, _ b: T) -> T { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) } }
    enum ReluGrad<T: CPUFloat>: BinaryKernel { @inline(__always) static func apply(_ a: T, _ b: T) -> T { b > 0 ? a : 0 } }
    enum IntReluGrad: BinaryKernel { @inline(__always) static func apply(_ a: Int64, _ b: Int64) -> Int64 { b > 0 ? a : 0 } }
    enum IntAdd: BinaryKernel { @inline(__always) static func apply(_ a: Int64, _ b: Int64) -> Int64 { a &+ b } }
    enum IntSub: BinaryKernel { @inline(__always) static func apply(_ a: Int64, _ b: Int64) -> Int64 { a &- b } }
    enum IntMul: BinaryKernel { @inline(__always) static func apply(_ a: Int64, _ b: Int64) -> Int64 { a &* b } }
    enum IntPow: BinaryKernel { @inline(__always) static func apply(_ a: Int64, _ b: Int64) -> Int64 { integerPower(a, b) } }
    enum IntMin: BinaryKernel { @inline(__always) static func apply(_ a: Int64, _ b: Int64) -> Int64 { Swift.min(a, b) } }
    enum IntMax: BinaryKernel { @inline(__always) static func apply(_ a: Int64, _ b: Int64) -> Int64 { Swift.max(a, b) } }
    enum Equal<T: Equatable>: BinaryKernel { @inline(__always) static func apply(_ a: T, _ b: T) -> Bool { a == b } }
    enum NotEqual<T: Equatable>: BinaryKernel { @inline(__always) static func apply(_ a: T, _ b: T) -> Bool { a != b } }
    enum Less<T: Comparable>: BinaryKernel { @inline(__always) static func apply(_ a: T, _ b: T) -> Bool { a < b } }
    enum LessEqual<T: Comparable>: BinaryKernel { @inline(__always) static func apply(_ a: T, _ b: T) -> Bool { a <= b } }
    enum Greater<T: Comparable>: BinaryKernel { @inline(__always) static func apply(_ a: T, _ b: T) -> Bool { a > b } }
    enum GreaterEqual<T: Comparable>: BinaryKernel { @inline(__always) static func apply(_ a: T, _ b: T) -> Bool { a >= b } }
    enum And: BinaryKernel { @inline(__always) static func apply(_ a: Bool, _ b: Bool) -> Bool { a && b } }
    enum Or: BinaryKernel { @inline(__always) static func apply(_ a: Bool, _ b: Bool) -> Bool { a || b } }

    // MARK: Conversion
    /// Conversion from `S` to `D` with PyTorch's rules (float→int truncates toward zero, int narrowing wraps).
    enum Convert<S: TensorScalar, D: TensorScalar>: UnaryKernel {
        @inline(__always) static func apply(_ x: S) -> D {
            if S.self == Float.self && D.self == Double.self { return Double(unsafeBitCast(x, to: Float.self)) as! D }
            if S.dtype.isFloatingPoint {
                return D.dtype == .bool ? D(nablaInt64: x.nablaDouble != 0 ? 1 : 0) : D(nablaDouble: x.nablaDouble)
            }
            return D.dtype.isFloatingPoint ? D(nablaInt64: x.nablaInt64) : (D.dtype == .bool ? D(nablaInt64: x.nablaInt64 != 0 ? 1 : 0) : D(nablaInt64: x.nablaInt64))
        }
    }
}

/// A compile-time boolean for `Kernels.Constant`.
protocol BoolConstant { static var value: Bool { get } }
/// `true` as a type.
enum TrueConstant: BoolConstant { static var value: Bool { true } }
/// `false` as a type.
enum FalseConstant: BoolConstant { static var value: Bool { false } }
