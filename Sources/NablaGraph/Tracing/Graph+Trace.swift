import Nabla

extension Graph {
    /// The graph of `body` run on `inputs`: traced once, optimised by `pipeline` (nil: left raw).
    ///
    /// ```swift
    /// model.eval()
    /// let graph = try withNoGrad { try Graph.trace([example]) { [model($0[0])] } }
    /// print(graph)                                   // text; graph.dot() for Graphviz
    /// ```
    /// - Throws: `TraceError` when `body` reads tensor values or draws random numbers.
    public static func trace(_ inputs: [Tensor], name: String = "traced function", pipeline: PassPipeline? = .standard,
                             _ body: ([Tensor]) throws -> [Tensor]) throws -> Graph {
        let tracer = Tracer()
        for input in inputs { tracer.addInput(input) }
        let outputs = try Tracing.withObserver(tracer) { try body(inputs) }
        if let violation = tracer.violations.first {
            if let location = violation.location { throw TraceError.valueRead(function: name, location: location) }
            throw TraceError.randomness(function: name, what: violation.what)
        }
        tracer.setOutputs(outputs)
        return pipeline.map { $0.run(tracer.graph) } ?? tracer.graph
    }
}
