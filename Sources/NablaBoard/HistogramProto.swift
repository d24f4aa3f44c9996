/// `tensorboard.HistogramProto`: a legacy histogram, drawn by the histograms and distributions
/// dashboards. Build one from data with `HistogramProto(values:)` (see `Histogram.swift`).
public struct HistogramProto: ProtobufMessage, Equatable {
    /// `min` (field 1): the smallest value seen.
    public var min: Double
    /// `max` (field 2): the largest value seen.
    public var max: Double
    /// `num` (field 3): the number of values.
    public var num: Double
    /// `sum` (field 4).
    public var sum: Double
    /// `sum_squares` (field 5).
    public var sumSquares: Double
    /// `bucket_limit` (field 6, packed): the right edge of each bucket; bucket 0 starts at -DBL_MAX.
    public var bucketLimits: [Double]
    /// `bucket` (field 7, packed): the count in each bucket, as long as `bucketLimits`.
    public var bucketCounts: [Double]

    /// Creates a histogram from precomputed statistics and buckets.
    public init(min: Double, max: Double, num: Double, sum: Double, sumSquares: Double,
                bucketLimits: [Double], bucketCounts: [Double]) {
        self.min = min
        self.max = max
        self.num = num
        self.sum = sum
        self.sumSquares = sumSquares
        self.bucketLimits = bucketLimits
        self.bucketCounts = bucketCounts
    }

    /// Writes the fields in field-number order.
    public func encode(to writer: inout ProtobufWriter) {
        writer.writeDoubleIfNotDefault(1, min)
        writer.writeDoubleIfNotDefault(2, max)
        writer.writeDoubleIfNotDefault(3, num)
        writer.writeDoubleIfNotDefault(4, sum)
        writer.writeDoubleIfNotDefault(5, sumSquares)
        writer.writePackedDoubles(6, bucketLimits)
        writer.writePackedDoubles(7, bucketCounts)
    }
}
