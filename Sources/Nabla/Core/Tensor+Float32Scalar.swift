extension Tensor {
    /// The value of a one-element float32 tensor, without reading through the tracer (graph executors
    /// use it for scalars computed inside a graph). Traps for another dtype or size.
    public var float32Scalar: Float {
        precondition(dtype == .float32 && count == 1 && device == .cpu, "float32Scalar: the tensor is \(dtype) \(shape)")
        return elementPointer(Float.self).pointee
    }
}
